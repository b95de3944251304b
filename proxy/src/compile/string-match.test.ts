import t from 'tap';
import { expectConfigError } from '../../../test/lib/expect-config-error.ts';
import type { HeaderMatcher, StringMatcher } from '../config/index.ts';
import { compileHeaderMatcher, compileStringMatcher } from './string-match.ts';

t.test('StringMatcher kinds and ignore_case', async (t) => {
  const m = (spec: StringMatcher, v: string) => compileStringMatcher(spec, 'sm').match(v);
  t.ok(m({ exact: 'abc' }, 'abc'));
  t.notOk(m({ exact: 'abc' }, 'ABC'));
  t.ok(m({ exact: 'abc', ignore_case: true }, 'aBc'));
  t.notOk(m({ exact: 'abc', ignore_case: true }, 'abcd'));
  t.ok(m({ exact: '' }, ''), 'an empty exact value is allowed');
  t.ok(m({ prefix: 'abc' }, 'abc.xyz'));
  t.notOk(m({ prefix: 'abc' }, 'ab'));
  t.ok(m({ prefix: 'ABC', ignore_case: true }, 'abc.xyz'));
  t.ok(m({ suffix: 'abc' }, 'xyz.abc'));
  t.ok(m({ suffix: 'ABC', ignore_case: true }, 'xyz.aBc'));
  t.notOk(m({ suffix: 'abc', ignore_case: true }, 'bc'));
  t.ok(m({ contains: 'bcd' }, 'abcde'));
  t.ok(m({ contains: 'BCD', ignore_case: true }, 'aBcDe'));
  t.notOk(m({ contains: 'bcd', ignore_case: true }, 'abce'));
  t.notOk(m({ exact: 'é', ignore_case: true }, 'É'), 'ignore_case folds ASCII only, as Envoy');
  t.ok(m({ safe_regex: { regex: '\\d{3}' } }, '123'));
  t.notOk(m({ safe_regex: { regex: '\\d{3}' } }, '1234'), 'safe_regex is a full match');
  t.notOk(
    m({ safe_regex: { regex: 'a' }, ignore_case: true }, 'A'),
    'ignore_case does not apply to safe_regex',
  );
});

t.test('StringMatcher errors', async (t) => {
  expectConfigError(t, () => compileStringMatcher({}, 'sm'), { path: 'sm', problem: /one of exact, prefix/ });
  expectConfigError(t, () => compileStringMatcher({ prefix: '' }, 'sm'), {
    path: 'sm.prefix',
    problem: /empty prefix is not allowed/,
  });
  expectConfigError(t, () => compileStringMatcher({ exact: 'a', prefix: 'b' }, 'sm'), {
    path: 'sm.prefix',
    problem: /only one of/,
  });
  expectConfigError(t, () => compileStringMatcher({ custom: {} }, 'sm'), {
    path: 'sm.custom',
    kind: 'unsupported',
  });
  expectConfigError(t, () => compileStringMatcher({ safe_regex: { regex: '(' } }, 'sm'), {
    path: 'sm.safe_regex.regex',
    problem: /missing \)/,
  });
});

// [spec, value (undefined = absent), expected]
type Row = [HeaderMatcher, string | undefined, boolean];

interface Equal {
  equal(found: unknown, wanted: unknown, message: string): boolean;
}

function truthTable(tt: Equal, rows: Row[]): void {
  for (const [spec, value, expected] of rows) {
    const h = compileHeaderMatcher({ name: 'X-H', ...spec }, 'hm');
    tt.equal(h.matches(value), expected, `${JSON.stringify(spec)} on ${JSON.stringify(value)}`);
  }
}

t.test('HeaderMatcher: present / absent / invert', async (t) => {
  t.equal(compileHeaderMatcher({ name: 'X-H' }, 'hm').name, 'x-h', 'names are lower-cased');
  truthTable(t, [
    [{ present_match: true }, 'v', true],
    [{ present_match: true }, '', true],
    [{ present_match: true }, undefined, false],
    [{ present_match: false }, 'v', false],
    [{ present_match: false }, undefined, true],
    [{ present_match: true, invert_match: true }, 'v', false],
    [{ present_match: true, invert_match: true }, undefined, true],
    [{ present_match: false, invert_match: true }, undefined, false],
    [{ present_match: false, invert_match: true }, 'v', true],
    [{ present_match: false, treat_missing_header_as_empty: true }, undefined, true],
    [{}, 'anything', true],
    [{}, undefined, false],
    [{ invert_match: true }, 'v', false],
  ]);
});

t.test('HeaderMatcher: value matchers with missing headers', async (t) => {
  const exact = { string_match: { exact: 'v' } };
  const emptyRe = { string_match: { safe_regex: { regex: '^$' } } };
  const range = { range_match: { start: 0, end: 10 } };
  truthTable(t, [
    [exact, 'v', true],
    [exact, 'w', false],
    [exact, undefined, false],
    [{ ...exact, invert_match: true }, 'w', true],
    [{ ...exact, invert_match: true }, 'v', false],
    [{ ...exact, invert_match: true }, undefined, false],
    [{ ...exact, treat_missing_header_as_empty: true }, undefined, false],
    [{ ...exact, invert_match: true, treat_missing_header_as_empty: true }, undefined, true],
    // Envoy's documented examples
    [{ ...range, invert_match: true, treat_missing_header_as_empty: true }, undefined, true],
    [{ ...range, invert_match: true }, undefined, false],
    [{ ...emptyRe, treat_missing_header_as_empty: true }, undefined, true],
    [emptyRe, undefined, false],
    [{ string_match: { safe_regex: { regex: '\\d{3}' } }, invert_match: true }, '1234', true],
    [{ string_match: { exact: 'a,b' } }, 'a,b', true],
  ]);
});

t.test('HeaderMatcher: range_match and deprecated forms', async (t) => {
  const range = { range_match: { start: -10, end: 0 } };
  truthTable(t, [
    [range, '-1', true],
    [range, '-10', true],
    [range, '0', false],
    [range, 'somestring', false],
    [range, '10.9', false],
    [range, '-1somestring', false],
    [range, '', false],
    [range, '+5', false],
    [range, ' -1', false],
    [{ range_match: { start: 0, end: 10 } }, '+5', true],
    [{ range_match: { start: 0, end: 10 }, invert_match: true }, '5', false],
    [{ range_match: { start: '9007199254740993', end: '9223372036854775807' } }, '9007199254740993', true],
    [{ range_match: { start: '9007199254740993', end: '9223372036854775807' } }, '9007199254740992', false],
    [{ range_match: { start: 0, end: '9223372036854775807' } }, '99999999999999999999', false],
    [{ exact_match: 'v' }, 'v', true],
    [{ exact_match: '' }, 'anything', true],
    [{ prefix_match: 'ab' }, 'abc', true],
    [{ suffix_match: 'bc' }, 'abc', true],
    [{ contains_match: 'b' }, 'abc', true],
    [{ safe_regex_match: { regex: 'a.c' } }, 'abc', true],
    [{ safe_regex_match: { regex: 'a' } }, 'abc', false],
  ]);
  expectConfigError(t, () => compileHeaderMatcher({ name: '' }, 'hm'), {
    path: 'hm.name',
    problem: /header name is required/,
  });
  expectConfigError(t, () => compileHeaderMatcher({ name: 'a', prefix_match: '' }, 'hm'), {
    path: 'hm.prefix_match',
    problem: /use present_match/,
  });
  expectConfigError(
    t,
    () => compileHeaderMatcher({ name: 'a', exact_match: 'x', present_match: true }, 'hm'),
    {
      path: 'hm.exact_match',
      problem: /only one of present_match, exact_match/,
    },
  );
  expectConfigError(t, () => compileHeaderMatcher({ name: 'a', range_match: { start: 1.5 } }, 'hm'), {
    path: 'hm.range_match.start',
    problem: /int64/,
  });
});
