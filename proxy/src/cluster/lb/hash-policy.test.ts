import t from 'tap';
import { ConfigError } from '../../config/index.ts';
import { type CookieSink, compileHashPolicy, type HashableRequest } from './hash-policy.ts';
import { NO_HASH } from './types.ts';
import { xxHash53, xxHash64Hex } from './xxhash64.ts';

function req(headers: Record<string, string>, path = '/'): HashableRequest {
  return { header: (name) => headers[name], path };
}

const CONN = { remoteAddress: '10.1.2.3', remotePort: 40000, localAddress: '10.0.0.9', localPort: 15001 };

function policy(list: unknown[]) {
  const p = compileHashPolicy(list, 'route.hash_policy');
  if (!p) throw new Error('expected a policy');
  return p;
}

/** Envoy's combination, computed independently with BigInt: rotl(acc, 1) ^ next, per hash. */
function combined(...values: string[]): number {
  const mask = (1n << 64n) - 1n;
  let acc = 0n;
  values.forEach((v, i) => {
    const h = BigInt(`0x${xxHash64Hex(v)}`);
    acc = i === 0 ? h : (((acc << 1n) | (acc >> 63n)) & mask) ^ h;
  });
  return Number(acc >> 11n);
}

t.test('header: hashes the value; absent → no hash; regex_rewrite hashes the rewritten value', (t) => {
  const p = policy([{ header: { header_name: 'X-User' } }]);
  t.equal(p.hash(req({ 'x-user': 'alice' }), CONN), xxHash53('alice'));
  t.not(p.hash(req({ 'x-user': 'bob' }), CONN), xxHash53('alice'));
  t.equal(p.hash(req({}), CONN), NO_HASH);
  const r = policy([
    {
      header: {
        header_name: ':path',
        regex_rewrite: { pattern: { regex: '^/users/([0-9]+)/.*' }, substitution: '\\1' },
      },
    },
  ]);
  t.equal(r.hash(req({ ':path': '/users/123/orders' }), CONN), xxHash53('123'));
  t.equal(r.hash(req({ ':path': '/users/123/profile' }), CONN), xxHash53('123'), 'same user, same hash');
  t.end();
});

t.test('cookie: hashes the named cookie’s value, quoted or not, in ; or , joined headers', (t) => {
  const p = policy([{ cookie: { name: 'sid' } }]);
  t.equal(p.hash(req({ cookie: 'a=1; sid=abc; b=2' }), CONN), xxHash53('abc'));
  t.equal(p.hash(req({ cookie: 'a=1;sid="abc"' }), CONN), xxHash53('abc'));
  t.equal(p.hash(req({ cookie: 'a=1,sid=abc' }), CONN), xxHash53('abc'), 'HTTP/2 split cookies joined');
  t.equal(p.hash(req({ cookie: 'xsid=1; sidx=2' }), CONN), NO_HASH, 'names match exactly');
  t.equal(p.hash(req({ cookie: 'a=1' }), CONN), NO_HASH, 'absent without ttl: no hash, no cookie');
  t.equal(p.hash(req({}), CONN), NO_HASH);
  t.end();
});

t.test(
  'cookie with ttl: generates the cookie when absent, and the follow-up request hashes the same',
  (t) => {
    const p = policy([{ cookie: { name: 'sid', ttl: '3600s', path: '/' } }]);
    const sink: CookieSink = {};
    const first = p.hash(req({}), CONN, sink);
    t.equal(sink.setCookies?.length, 1);
    const setCookie = sink.setCookies![0]!;
    t.match(setCookie, /^sid="[0-9a-f]{16}"; Max-Age=3600; Path=\/; HttpOnly$/);
    // The browser sends back name=value as it was set (quotes included).
    const echoed = setCookie.split(';')[0]!;
    t.equal(
      p.hash(req({ cookie: echoed }), CONN, {}),
      first,
      'sticky: same hash once the cookie is presented',
    );
    t.equal(p.hash(req({ cookie: echoed }), { ...CONN, remotePort: 1 }, {}), first, 'from any connection');

    const again: CookieSink = {};
    t.equal(
      p.hash(req({}), CONN, again),
      first,
      'same connection (e.g. concurrent HTTP/2 streams): same cookie',
    );
    t.equal(again.setCookies![0], setCookie);
    const other: CookieSink = {};
    t.not(
      p.hash(req({}), { ...CONN, remotePort: 40001 }, other),
      first,
      'another connection: another cookie',
    );
    t.end();
  },
);

t.test('cookie ttl 0 → session cookie (no Max-Age); attributes are appended', (t) => {
  const p = policy([
    {
      cookie: {
        name: 'sid',
        ttl: '0s',
        attributes: [{ name: 'SameSite', value: 'Strict' }, { name: 'Secure' }],
      },
    },
  ]);
  const sink: CookieSink = {};
  p.hash(req({}), CONN, sink);
  t.match(sink.setCookies![0], /^sid="[0-9a-f]{16}"; SameSite=Strict; Secure; HttpOnly$/);
  t.end();
});

t.test('source_ip: hashes the client address; IPv4-mapped IPv6 hashes as IPv4; no address → no hash', (t) => {
  const p = policy([{ connection_properties: { source_ip: true } }]);
  t.equal(p.hash(req({}), CONN), xxHash53('10.1.2.3'));
  t.equal(p.hash(req({}), { remoteAddress: '::ffff:10.1.2.3' }), xxHash53('10.1.2.3'));
  t.equal(p.hash(req({}), { remoteAddress: '2001:db8::1' }), xxHash53('2001:db8::1'));
  t.equal(p.hash(req({}), {}), NO_HASH);
  t.equal(
    compileHashPolicy([{ connection_properties: { source_ip: false } }], 'p'),
    undefined,
    'source_ip false adds nothing',
  );
  t.end();
});

t.test(
  'query_parameter: the first value, raw; a bare name hashes as empty; names are case-sensitive',
  (t) => {
    const p = policy([{ query_parameter: { name: 'sid' } }]);
    t.equal(p.hash(req({}, '/p?a=1&sid=x%20y&sid=2'), CONN), xxHash53('x%20y'));
    t.equal(p.hash(req({}, '/p?sid'), CONN), xxHash53(''));
    t.equal(p.hash(req({}, '/p?sid&a=1'), CONN), xxHash53(''));
    t.equal(p.hash(req({}, '/p?sidx=1&SID=2'), CONN), NO_HASH);
    t.equal(p.hash(req({}, '/p'), CONN), NO_HASH);
    t.equal(p.hash(req({}, '/p?a=1#sid=3'), CONN), NO_HASH, 'a fragment is not the query');
    t.end();
  },
);

t.test('several policies combine by rotate-and-XOR; those that produce nothing are skipped', (t) => {
  const p = policy([{ header: { header_name: 'x-a' } }, { connection_properties: { source_ip: true } }]);
  t.equal(p.hash(req({ 'x-a': 'one' }), CONN), combined('one', '10.1.2.3'));
  t.equal(p.hash(req({}), CONN), xxHash53('10.1.2.3'));
  // The same policy twice does not cancel out (plain XOR would give 0).
  const twice = policy([{ header: { header_name: 'x-a' } }, { header: { header_name: 'x-a' } }]);
  t.equal(twice.hash(req({ 'x-a': 'one' }), CONN), combined('one', 'one'));
  t.not(twice.hash(req({ 'x-a': 'one' }), CONN), 0);
  t.end();
});

t.test('terminal: stops at the first terminal policy once a hash exists (Envoy’s fallback list)', (t) => {
  const p = policy([
    { header: { header_name: 'x-a' }, terminal: true },
    { header: { header_name: 'x-b' } },
    { connection_properties: { source_ip: true } },
  ]);
  t.equal(p.hash(req({ 'x-a': 'A', 'x-b': 'B' }), CONN), xxHash53('A'), 'A present: A alone');
  t.equal(p.hash(req({ 'x-b': 'B' }), CONN), combined('B', '10.1.2.3'), 'A absent: the rest of the list');
  const later = policy([
    { header: { header_name: 'x-a' } },
    { connection_properties: { source_ip: true }, terminal: true },
    { header: { header_name: 'x-b' } },
  ]);
  t.equal(
    later.hash(req({ 'x-a': 'A', 'x-b': 'B' }), CONN),
    combined('A', '10.1.2.3'),
    'a later terminal ends the list',
  );
  t.end();
});

t.test('compile errors name the field', (t) => {
  const err = (list: unknown[]) => {
    try {
      compileHashPolicy(list, 'route.hash_policy');
    } catch (e) {
      return e instanceof ConfigError ? `${e.path}: ${e.problem}` : String(e);
    }
    return 'no error';
  };
  t.match(err([{ terminal: true }]), /^route\.hash_policy\[0\]: a hash policy needs one of/);
  t.match(err([{ filter_state: { key: 'k' } }]), /^route\.hash_policy\[0\]\.filter_state: .*not supported/);
  t.match(err([{ cookie: { name: '' } }]), /^route\.hash_policy\[0\]\.cookie\.name: invalid cookie name/);
  t.match(err([{ cookie: { name: 'a', ttl: '1s', path: '/;x' } }]), /cookie\.path: /);
  t.match(err([{ header: { header_name: 'bad name' } }]), /header\.header_name: invalid header name/);
  t.match(err([{ query_parameter: { name: '' } }]), /query_parameter\.name: /);
  t.match(err([{ header: { header_name: 'a' }, cookie: { name: 'b' } }]), /only one of header, cookie/);
  t.equal(compileHashPolicy(undefined, 'p'), undefined);
  t.end();
});
