import t from 'tap';
import { expectConfigError } from '../../../test/lib/expect-config-error.ts';
import type { HeaderValueOption } from '../config/index.ts';
import { enumName } from '../config/index.ts';
import { parseHeaderFormat } from './header-format.ts';
import {
  applyHeaderMutation,
  compileHeaderMutation,
  EMPTY_HEADER_MUTATION,
  type HeaderRecord,
} from './headers.ts';
import type { HeaderMutation } from './types.ts';

const opt = (key: string, value: string, extra: HeaderValueOption = {}): HeaderValueOption => ({
  header: { key, value },
  ...extra,
});
const compile = (add: HeaderValueOption[], remove: string[] = []) =>
  compileHeaderMutation(add, remove, 'h.request_headers_to_add', 'h.request_headers_to_remove');

function applied(m: HeaderMutation, headers: HeaderRecord): HeaderRecord {
  applyHeaderMutation(m, headers);
  return headers;
}

t.test('append actions', async (t) => {
  const m = compile([
    opt('X-Append', 'a'),
    opt('x-add-if-absent', 'b', { append_action: 'ADD_IF_ABSENT' }),
    opt('x-overwrite', 'c', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
    opt('x-overwrite-if-exists', 'd', { append_action: 'OVERWRITE_IF_EXISTS' }),
  ]);
  t.same(m.append, [['x-append', 'a']], 'names are lower-cased');
  t.same(m.setIfAbsent, [['x-add-if-absent', 'b']]);
  t.same(m.set, [['x-overwrite', 'c']]);
  t.same(m.overwriteIfExists, [['x-overwrite-if-exists', 'd']]);
  t.same(applied(m, {}), { 'x-append': 'a', 'x-add-if-absent': 'b', 'x-overwrite': 'c' });
  t.same(
    applied(m, {
      'x-append': '0',
      'x-add-if-absent': '0',
      'x-overwrite': ['0', '1'],
      'x-overwrite-if-exists': '0',
    }),
    {
      'x-append': ['0', 'a'],
      'x-add-if-absent': '0',
      'x-overwrite': 'c',
      'x-overwrite-if-exists': 'd',
    },
  );
  t.same(applied(m, { 'x-append': ['0', '1'] })['x-append'], ['0', '1', 'a']);
});

t.test('deprecated append, keep_empty_value and removal', async (t) => {
  const m = compile(
    [
      opt('x-old-append', 'a', { append: true }),
      opt('x-old-set', 'b', { append: false }),
      opt('x-empty-dropped', ''),
      opt('x-empty-kept', '', { keep_empty_value: true }),
    ],
    ['X-Secret', 'x-old-set'],
  );
  t.same(m.remove, ['x-secret', 'x-old-set']);
  t.same(applied(m, { 'x-secret': '1', 'x-old-set': 'z', 'x-old-append': 'z' }), {
    'x-old-append': ['z', 'a'],
    'x-old-set': 'b',
    'x-empty-kept': '',
  });
  t.equal(compile([], []), EMPTY_HEADER_MUTATION);
  t.equal(compile([opt('x', '')]), EMPTY_HEADER_MUTATION, 'only dropped empties');
  const untouched = { a: '1' };
  applyHeaderMutation(EMPTY_HEADER_MUTATION, untouched);
  t.same(untouched, { a: '1' });
});

t.test("Envoy's order: remove, evaluate every condition, overwrite, then add", async (t) => {
  // ADD_IF_ABSENT looks at the headers before this mutation adds anything.
  const twice = compile([opt('x', '1'), opt('x', '2', { append_action: 'ADD_IF_ABSENT' })]);
  t.ok(twice.plan?.snapshot);
  t.same(applied(twice, {}), { x: ['1', '2'] });
  // An overwrite after an append of the same header: overwrites are applied first.
  t.same(
    applied(compile([opt('y', 'a'), opt('y', 'b', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })]), {
      y: '0',
    }),
    { y: ['b', 'a'] },
  );
  // OVERWRITE_IF_EXISTS after an unconditional set of an absent header does nothing.
  const set = compile([
    opt('z', 'set', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
    opt('z', 'if-exists', { append_action: 'OVERWRITE_IF_EXISTS' }),
  ]);
  t.same(applied(set, {}), { z: 'set' });
  t.same(applied(set, { z: '0' }), { z: 'if-exists' });
  t.notOk(
    compile([opt('a', '1'), opt('b', '2', { append_action: 'ADD_IF_ABSENT' })]).plan?.snapshot,
    'independent headers take the in-place pass',
  );
  // A removed header counts as absent.
  t.same(applied(compile([opt('w', 'new', { append_action: 'ADD_IF_ABSENT' })], ['w']), { w: 'old' }), {
    w: 'new',
  });
});

t.test('hand-built mutations', async (t) => {
  const m: HeaderMutation = {
    set: [['a', '1']],
    append: [['b', '2']],
    setIfAbsent: [['c', '3']],
    remove: ['d'],
    empty: false,
  };
  t.same(applied(m, { b: '0', c: '0', d: '0' }), { a: '1', b: ['0', '2'], c: '0' });
});

t.test('formatters', async (t) => {
  const m = compile([
    opt('x-client', '%DOWNSTREAM_REMOTE_ADDRESS%'),
    opt('x-client-ip', 'ip=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%;port=%DOWNSTREAM_REMOTE_PORT%'),
    opt('x-local', '%DOWNSTREAM_LOCAL_ADDRESS%'),
    opt('x-proto', '%PROTOCOL%'),
    opt('x-percent', '100%%'),
    opt('x-copy', '%REQ(X-Missing?X-Src):3%'),
    opt('x-empty', '%UPSTREAM_REMOTE_ADDRESS%'),
    opt('x-empty-kept', '%UPSTREAM_REMOTE_ADDRESS%', { keep_empty_value: true }),
  ]);
  t.same(m.append, [['x-percent', '100%']], 'formatted values are not in the literal lists');
  const headers: HeaderRecord = { 'x-src': 'abcdef' };
  applyHeaderMutation(m, headers, {
    downstreamRemoteIp: '10.0.0.1',
    downstreamRemotePort: 5555,
    downstreamLocalIp: '::1',
    downstreamLocalPort: 15001,
    protocol: 'HTTP/1.1',
    requestHeaders: headers,
  });
  t.same(headers, {
    'x-src': 'abcdef',
    'x-client': '10.0.0.1:5555',
    'x-client-ip': 'ip=10.0.0.1;port=5555',
    'x-local': '[::1]:15001',
    'x-proto': 'HTTP/1.1',
    'x-percent': '100%',
    'x-copy': 'abc',
    'x-empty-kept': '',
  });
  t.equal(parseHeaderFormat('plain', 'p'), 'plain');
  t.equal(parseHeaderFormat('%%a%%', 'p'), '%a%');
  t.type(parseHeaderFormat('%HOSTNAME%', 'p'), 'string', 'HOSTNAME is resolved at compile time');
  // %REQ% reads the headers as they were before this mutation, as in Envoy.
  const copy = compile([
    opt('x-a', 'new', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
    opt('x-b', '%REQ(x-a)%'),
  ]);
  const h: HeaderRecord = { 'x-a': 'old' };
  applyHeaderMutation(copy, h, { requestHeaders: h });
  t.same(h, { 'x-a': 'new', 'x-b': 'old' });
});

t.test('errors name the field', async (t) => {
  const at = 'h.request_headers_to_add[0]';
  expectConfigError(t, () => compile([opt(':authority', 'x')]), {
    path: `${at}.header.key`,
    problem: /may not be modified/,
  });
  expectConfigError(t, () => compile([opt('Host', 'x')]), {
    path: `${at}.header.key`,
    problem: /may not be modified: host/,
  });
  expectConfigError(t, () => compile([], ['x', ':path']), {
    path: 'h.request_headers_to_remove[1]',
    problem: /may not be removed/,
  });
  expectConfigError(t, () => compile([], ['HOST']), {
    path: 'h.request_headers_to_remove[0]',
    problem: /may not be removed: host/,
  });
  expectConfigError(t, () => compile([], ['']), {
    path: 'h.request_headers_to_remove[0]',
    problem: /header name is required/,
  });
  expectConfigError(t, () => compile([opt('', 'x')]), {
    path: `${at}.header.key`,
    problem: /header name is required/,
  });
  expectConfigError(t, () => compile([opt('a', 'x', { append: true, append_action: 'ADD_IF_ABSENT' })]), {
    path: `${at}.append`,
    problem: /cannot both be set/,
  });
  // The types rule out an unknown append_action (the schema rejects it); the reader still guards.
  expectConfigError(t, () => enumName('SOMETIMES', ['APPEND_IF_EXISTS_OR_ADD'], `${at}.append_action`), {
    path: `${at}.append_action`,
    problem: /expected one of/,
  });
  expectConfigError(t, () => compile([opt('a', '%START_TIME%')]), {
    path: `${at}.header.value`,
    kind: 'unsupported',
    problem: /%START_TIME% is not supported/,
  });
  expectConfigError(t, () => compile([opt('a', '%UPSTREAM_METADATA(["a","b"])%')]), {
    path: `${at}.header.value`,
    kind: 'unsupported',
  });
  expectConfigError(t, () => compile([opt('a', '%not a command%')]), {
    path: `${at}.header.value`,
    problem: /malformed/,
  });
  expectConfigError(t, () => compile([opt('a', '50% off')]), {
    path: `${at}.header.value`,
    problem: /unterminated "%".*write "%%"/,
  });
  expectConfigError(t, () => compile([opt('a', '%REQ%')]), {
    path: `${at}.header.value`,
    problem: /needs a header name/,
  });
  expectConfigError(t, () => compile([opt('a', '%PROTOCOL(x)%')]), {
    path: `${at}.header.value`,
    problem: /takes no argument/,
  });
});
