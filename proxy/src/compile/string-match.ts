// envoy.type.matcher.v3.StringMatcher and envoy.config.route.v3.HeaderMatcher, compiled into small
// monomorphic matcher objects. Matching allocates nothing (a range match on a 17+ digit value aside).

import type { HeaderMatcher, StringMatcher } from '../config/index.ts';
import { bool, ConfigError, compileRegexMatcher, joinPath, message, oneOf, str } from '../config/index.ts';
import type { HeaderMatcherTable } from './types.ts';

export interface StringMatcherTable {
  match(value: string): boolean;
}

const ASCII_UPPER = /[A-Z]/;

/** ASCII-only lower-casing, as Envoy's ignore_case (absl::AsciiStrToLower) does. Compile time only. */
export function asciiLower(s: string): string {
  if (!ASCII_UPPER.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

/** Does `s` contain `lower` (already ASCII-lower-case) at `at`, comparing ASCII case-insensitively? */
export function regionMatchesIgnoreCase(s: string, at: number, lower: string): boolean {
  if (at < 0 || at + lower.length > s.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = s.charCodeAt(at + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

class Exact implements StringMatcherTable {
  constructor(private readonly v: string) {}
  match(value: string): boolean {
    return value === this.v;
  }
}
class ExactIgnoreCase implements StringMatcherTable {
  constructor(private readonly lower: string) {}
  match(value: string): boolean {
    return value.length === this.lower.length && regionMatchesIgnoreCase(value, 0, this.lower);
  }
}
class Prefix implements StringMatcherTable {
  constructor(private readonly v: string) {}
  match(value: string): boolean {
    return value.startsWith(this.v);
  }
}
class PrefixIgnoreCase implements StringMatcherTable {
  constructor(private readonly lower: string) {}
  match(value: string): boolean {
    return regionMatchesIgnoreCase(value, 0, this.lower);
  }
}
class Suffix implements StringMatcherTable {
  constructor(private readonly v: string) {}
  match(value: string): boolean {
    return value.endsWith(this.v);
  }
}
class SuffixIgnoreCase implements StringMatcherTable {
  constructor(private readonly lower: string) {}
  match(value: string): boolean {
    return regionMatchesIgnoreCase(value, value.length - this.lower.length, this.lower);
  }
}
class Contains implements StringMatcherTable {
  constructor(private readonly v: string) {}
  match(value: string): boolean {
    return value.includes(this.v);
  }
}
class ContainsIgnoreCase implements StringMatcherTable {
  constructor(private readonly lower: string) {}
  match(value: string): boolean {
    for (let at = 0; at + this.lower.length <= value.length; at++) {
      if (regionMatchesIgnoreCase(value, at, this.lower)) return true;
    }
    return false;
  }
}
class Regex implements StringMatcherTable {
  constructor(private readonly re: RegExp) {}
  match(value: string): boolean {
    return this.re.test(value);
  }
}

const STRING_KINDS = ['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const;

/** envoy.type.matcher.v3.StringMatcher. `ignore_case` applies to all but safe_regex, as in Envoy. */
export function compileStringMatcher(m: StringMatcher, path: string): StringMatcherTable {
  const kind = oneOf(m, [...STRING_KINDS, 'custom'], path);
  if (kind === undefined) throw new ConfigError(path, `one of ${STRING_KINDS.join(', ')} is required`);
  if (kind === 'custom')
    throw new ConfigError(joinPath(path, kind), 'custom string matchers are not supported', 'unsupported');
  const at = joinPath(path, kind);
  if (kind === 'safe_regex') return new Regex(compileRegexMatcher(message(m.safe_regex, at), at));
  const value = str(m[kind], at);
  if (value === '' && kind !== 'exact')
    throw new ConfigError(at, `an empty ${kind} is not allowed (use safe_regex)`);
  if (bool(m.ignore_case, joinPath(path, 'ignore_case'), false)) {
    const lower = asciiLower(value);
    if (kind === 'exact') return new ExactIgnoreCase(lower);
    if (kind === 'prefix') return new PrefixIgnoreCase(lower);
    if (kind === 'suffix') return new SuffixIgnoreCase(lower);
    return new ContainsIgnoreCase(lower);
  }
  if (kind === 'exact') return new Exact(value);
  if (kind === 'prefix') return new Prefix(value);
  if (kind === 'suffix') return new Suffix(value);
  return new Contains(value);
}

const INTEGER = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Int64Range [start, end): the whole value must be a base-10 integer, as Envoy documents. */
class Range implements StringMatcherTable {
  constructor(
    private readonly start: bigint,
    private readonly end: bigint,
  ) {}
  match(value: string): boolean {
    if (!INTEGER.test(value)) return false;
    // Up to 15 digits is exact as a double; only longer values need a BigInt (and an int64 check).
    if (value.length <= 15) {
      const n = Number(value);
      return n >= this.start && n < this.end;
    }
    const n = BigInt(value);
    return n >= this.start && n < this.end && n >= INT64_MIN && n <= INT64_MAX;
  }
}

/** Present match: compares presence; `treat_missing_header_as_empty` does not apply to it. */
class PresentMatcher implements HeaderMatcherTable {
  constructor(
    readonly name: string,
    private readonly whenPresent: boolean,
  ) {}
  matches(value: string | undefined): boolean {
    return (value !== undefined) === this.whenPresent;
  }
}

/**
 * Value matchers: a missing header never matches (even inverted) unless treat_missing_header_as_empty,
 * which matches "" instead; otherwise the result is XORed with invert_match. A null `value` matcher is
 * Envoy's "no specifier": the header only has to be present.
 */
class ValueMatcher implements HeaderMatcherTable {
  constructor(
    readonly name: string,
    private readonly value: StringMatcherTable | null,
    private readonly invert: boolean,
    private readonly missingAsEmpty: boolean,
  ) {}
  matches(value: string | undefined): boolean {
    if (value === undefined) {
      if (!this.missingAsEmpty) return false;
      value = '';
    }
    return (this.value === null || this.value.match(value)) !== this.invert;
  }
}

const HEADER_KINDS = [
  'string_match',
  'present_match',
  'range_match',
  'exact_match',
  'prefix_match',
  'suffix_match',
  'contains_match',
  'safe_regex_match',
] as const;

function int64(value: unknown, path: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (
    (typeof value === 'number' && Number.isInteger(value)) ||
    (typeof value === 'string' && INTEGER.test(value))
  ) {
    return BigInt(value);
  }
  throw new ConfigError(path, `expected an int64, got ${JSON.stringify(value)}`);
}

function headerValueMatcher(
  h: HeaderMatcher,
  kind: (typeof HEADER_KINDS)[number],
  path: string,
): StringMatcherTable | null {
  const at = joinPath(path, kind);
  switch (kind) {
    case 'string_match':
      return compileStringMatcher(message(h.string_match, at), at);
    case 'range_match': {
      const r = message(h.range_match, at);
      return new Range(int64(r.start, joinPath(at, 'start')), int64(r.end, joinPath(at, 'end')));
    }
    case 'safe_regex_match':
      return new Regex(compileRegexMatcher(message(h.safe_regex_match, at), at));
    case 'exact_match': {
      // Deprecated exact_match "" behaves like Envoy's legacy empty value: presence only.
      const v = str(h.exact_match, at);
      return v === '' ? null : new Exact(v);
    }
    default: {
      const v = str(h[kind], at);
      if (v === '') throw new ConfigError(at, `an empty ${kind} is not allowed (use present_match)`);
      return kind === 'prefix_match'
        ? new Prefix(v)
        : kind === 'suffix_match'
          ? new Suffix(v)
          : new Contains(v);
    }
  }
}

/**
 * envoy.config.route.v3.HeaderMatcher → a matcher of the header's value (undefined = absent). The
 * caller passes all values of a multi-valued header joined with ",", as Envoy matches them.
 */
export function compileHeaderMatcher(h: HeaderMatcher, path: string): HeaderMatcherTable {
  const name = str(h.name, joinPath(path, 'name')).toLowerCase();
  if (name === '') throw new ConfigError(joinPath(path, 'name'), 'a header name is required');
  const invert = bool(h.invert_match, joinPath(path, 'invert_match'), false);
  const kind = oneOf(h, HEADER_KINDS, path);
  if (kind === 'present_match') {
    return new PresentMatcher(name, bool(h.present_match, joinPath(path, 'present_match'), false) !== invert);
  }
  const value = kind === undefined ? null : headerValueMatcher(h, kind, path);
  const missingAsEmpty = bool(
    h.treat_missing_header_as_empty,
    joinPath(path, 'treat_missing_header_as_empty'),
    false,
  );
  return new ValueMatcher(name, value, invert, missingAsEmpty);
}
