import t from 'tap';
import { expectConfigError, type Matcher } from '../../../test/lib/expect-config-error.ts';
import {
  captureGroups,
  compileRe2,
  compileRe2FullMatch,
  compileRegexRewrite,
  translateSubstitution,
} from './regex.ts';

function rejects(tt: Matcher, pattern: string, problem: RegExp, kind: 'invalid' | 'unsupported'): void {
  expectConfigError(tt, () => compileRe2(pattern, 'm.safe_regex.regex'), {
    path: 'm.safe_regex.regex',
    problem,
    kind,
  });
}

t.test('RE2 semantics carried into JavaScript', async (t) => {
  const m = (p: string, s: string) => compileRe2FullMatch(p, 'p').test(s);
  t.ok(m('/api/v[0-9]+/users/[^/]+', '/api/v2/users/x'));
  t.notOk(m('/api/v[0-9]+', '/api/v2/x'), 'full match anchors both ends');
  t.ok(compileRe2('v[0-9]', 'p').test('/api/v2/x'), 'compileRe2 searches');
  t.ok(m('(?i)foo.*bar', 'FOO-BAR'), 'leading (?i) becomes the i flag');
  t.notOk(m('foo.*bar', 'foo\nbar'), '. excludes \\n');
  t.ok(m('a.b', 'a\rb'), '. matches \\r as in RE2');
  t.ok(m('(?s)foo.*bar', 'foo\nbar'));
  t.ok(m('(?P<id>[0-9a-f]{8})', 'deadbeef'), '(?P<name>...) becomes (?<name>...)');
  t.ok(m('(?<id>x)', 'x'), 'modern RE2 named groups');
  t.ok(m('\\pN\\p{Greek}\\PL', '1α1'), 'Unicode classes and scripts');
  t.ok(m('[[:alpha:]]+[[:^digit:]]', 'ab!'), 'POSIX classes');
  t.notOk(m('[[:alpha:]]+[[:^digit:]]', 'ab1'));
  t.ok(m('\\Qa.b\\E', 'a.b'));
  t.notOk(m('\\Qa.b\\E', 'axb'));
  t.ok(m('a{,3}', 'a{,3}'), 'a brace that is not a repetition is a literal');
  t.ok(m('[]a]+', ']a]'), '] first in a class is a literal');
  t.ok(m('a]b}', 'a]b}'));
  t.ok(m('\\-\\:\\@\\"', '-:@"'), 'escaped punctuation');
  t.notOk(m('\\s', '\v'), "RE2's \\s excludes \\v");
  t.ok(m('[^\\S]', ' '));
  t.ok(m('\\x{41}\\x42\\101\\0\\a', 'ABA\u0000\u0007'), 'hex, octal and \\a escapes');
  t.ok(m('\\Aab\\z', 'ab'));
  t.ok(compileRe2('(?m)^b$', 'p').test('a\nb\nc'), '(?m) anchors at \\n');
  t.notOk(compileRe2('(?m)^b$', 'p').test('a\rb\rc'), '... and only at \\n');
  t.ok(m('[\\d-]+', '1-2'));
  t.equal(compileRe2('x', 'p', 'g').flags, 'gu', 'extra flags');
});

t.test('patterns Envoy rejects, and RE2 features JavaScript lacks', async (t) => {
  rejects(t, 'a(?=b)', /invalid RE2 regex "a\(\?=b\)": invalid perl operator/, 'invalid');
  rejects(t, '(a)\\1', /invalid escape sequence: \\1/, 'invalid');
  rejects(t, '(', /missing \)/, 'invalid');
  rejects(t, 'x{1001}', /invalid repetition size/, 'invalid');
  rejects(t, 'a**', /bad repetition operator/, 'invalid');
  rejects(t, '\\u0041', /invalid escape sequence: \\u/, 'invalid');
  rejects(t, '\\cA', /invalid escape sequence: \\c/, 'invalid');
  rejects(t, '\\Z', /invalid escape/, 'invalid');
  rejects(t, '\\C', /\\C \(any byte\)/, 'unsupported');
  rejects(t, '(?U)a*', /\(\?U\)/, 'unsupported');
  rejects(t, 'a(?i)b', /flags are only supported at the very start/, 'unsupported');
  rejects(t, '(?i:ab)', /flags are only supported at the very start/, 'unsupported');
  rejects(t, '(?P<1a>x)', /group name "1a"/, 'unsupported');
});

t.test('validation results are cached and stay correct', async (t) => {
  const a = compileRe2('^cached[0-9]$', 'p');
  const b = compileRe2('^cached[0-9]$', 'q');
  t.not(a, b, 'each call returns its own RegExp (lastIndex is per object)');
  t.equal(a.source, b.source);
  rejects(t, 'a(?=b)', /invalid perl operator/, 'invalid');
});

t.test('many patterns do not exhaust the wasm heap', async (t) => {
  // Each check frees its RE2 object; leaking them aborts re2-wasm after ~13k such patterns.
  for (let i = 0; i < 15_000; i++) compileRe2(`p${i}`, 'p');
  t.ok(compileRe2('^still-working$', 'p').test('still-working'));
});

t.test('rewrites', async (t) => {
  const rw = (regex: string, substitution: string, input: string) => {
    const r = compileRegexRewrite({ pattern: { google_re2: {}, regex }, substitution }, 'rr');
    return input.replace(r.pattern, r.substitution);
  };
  t.equal(rw('^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api'), '/v1/api/instance/foo');
  t.equal(rw('one', 'two', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/two/zzz', 'global replace');
  t.equal(rw('^(.*?)one(.*)$', '\\1two\\2', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/one/zzz');
  t.equal(rw('(?i)/xxx/', '/yyy/', '/aaa/XxX/bbb'), '/aaa/yyy/bbb');
  t.equal(rw('(a)', '\\12$', 'a'), 'a2$', '\\12 is \\1 then 2; $ is literal');
  t.equal(rw('b', '[\\0]\\\\', 'abc'), 'a[b]\\c', '\\0 is the whole match, \\\\ a backslash');
  t.equal(translateSubstitution('x', 0, 's'), 'x');
  t.equal(captureGroups(/(a)(?:b)(?<n>c)/u), 2);
  expectConfigError(t, () => translateSubstitution('\\x', 1, 'rr.substitution'), {
    path: 'rr.substitution',
    problem: /must be followed by a digit/,
  });
  expectConfigError(t, () => translateSubstitution('\\1', 0, 'rr.substitution'), {
    path: 'rr.substitution',
    problem: /refers to \\1 but the pattern has 0/,
  });
});
