// protoc-gen-validate constraints (`[(validate.rules).uint32 = {lte: 65535}]` and friends), read from
// the options protobufjs keeps on each parsed field. Envoy rejects a config that breaks them, so we
// do too, with the rule spelled out. Covered: required messages/oneofs, list and map sizes, string
// length/pattern/header-safety/in, number ranges/in, enum in/not_in, duration ranges, Any in.
import type { Field, OneOf } from 'protobufjs';
import { isRecord } from './scalars.ts';

export type Rules = Readonly<Record<string, unknown>>;

const rulesCache = new WeakMap<Field, Rules | null>();

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (isRecord(existing) && isRecord(value)) deepMerge(existing, value);
    else into[key] = isRecord(value) ? { ...value } : value;
  }
}

/** The field's `(validate.rules)`, merged across option statements; undefined when it has none. */
export function validateRulesOf(field: Field): Rules | undefined {
  let rules = rulesCache.get(field);
  if (rules === undefined) {
    const merged: Record<string, unknown> = {};
    const parsed: unknown = (field as { parsedOptions?: unknown }).parsedOptions;
    if (Array.isArray(parsed)) {
      for (const option of parsed) {
        if (isRecord(option) && isRecord(option['(validate.rules)']))
          deepMerge(merged, option['(validate.rules)']);
      }
    }
    rules = Object.keys(merged).length > 0 ? merged : null;
    rulesCache.set(field, rules);
  }
  return rules ?? undefined;
}

export function oneofIsRequired(oneof: OneOf): boolean {
  return oneof.options?.['(validate.required)'] === true;
}

function sub(rules: Rules, key: string): Rules | undefined {
  const value = rules[key];
  return isRecord(value) ? value : undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function durationSeconds(value: unknown): number {
  if (typeof value === 'string') return Number.parseFloat(value);
  if (isRecord(value)) return Number(value.seconds ?? 0) + Number(value.nanos ?? 0) / 1e9;
  return 0;
}

function formatDuration(value: unknown): string {
  return `${durationSeconds(value)}s`;
}

/** Range checks shared by numbers and durations; PGV reads lt < gt as "outside the range". */
function rangeProblem(
  rules: Rules,
  n: number,
  toNumber: (v: unknown) => number,
  show: (v: unknown) => string,
) {
  const parts: string[] = [];
  const failures: boolean[] = [];
  const bound = (key: string, symbol: string, passes: (limit: number) => boolean) => {
    if (rules[key] === undefined) return;
    parts.push(`${symbol} ${show(rules[key])}`);
    failures.push(!passes(toNumber(rules[key])));
  };
  bound('gt', '>', (limit) => n > limit);
  bound('gte', '>=', (limit) => n >= limit);
  bound('lt', '<', (limit) => n < limit);
  bound('lte', '<=', (limit) => n <= limit);
  if (parts.length === 0) return undefined;
  const upper = rules.lt ?? rules.lte;
  const lower = rules.gt ?? rules.gte;
  const outside = upper !== undefined && lower !== undefined && toNumber(upper) < toNumber(lower);
  if (outside) return failures.every(Boolean) ? `must be ${parts.join(' or ')}` : undefined;
  return failures.some(Boolean) ? `must be ${parts.join(' and ')}` : undefined;
}

function membershipProblem(rules: Rules, value: unknown, show: (v: unknown) => string): string | undefined {
  if (rules.const !== undefined && value !== rules.const) return `must be ${show(rules.const)}`;
  const allowed = list(rules.in);
  if (allowed.length > 0 && !allowed.includes(value)) return `must be one of ${allowed.map(show).join(', ')}`;
  if (list(rules.not_in).includes(value)) return `must not be ${show(value)}`;
  return undefined;
}

// PGV's header regexes: strict follows RFC 7230; non-strict only forbids NUL, CR and LF.
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these rules exist to reject control characters
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these rules exist to reject control characters
const HEADER_NON_STRICT = /^[^\u0000\u000A\u000D]*$/;
const patternCache = new Map<string, RegExp | null>();

function compiledPattern(source: string): RegExp | null {
  if (!patternCache.has(source)) {
    try {
      patternCache.set(source, new RegExp(source, 'u'));
    } catch {
      patternCache.set(source, null); // an RE2-only construct; leave it to the compilers
    }
  }
  return patternCache.get(source) ?? null;
}

function stringProblem(rules: Rules, value: string): string | undefined {
  if (rules.ignore_empty === true && value === '') return undefined;
  const chars = [...value].length;
  const bytes = Buffer.byteLength(value);
  const min = Number(rules.min_len ?? rules.len ?? 0);
  const max = Number(rules.max_len ?? rules.len ?? Number.POSITIVE_INFINITY);
  if (chars < min) return min === 1 ? 'must not be empty' : `must be at least ${min} characters long`;
  if (chars > max) return `must be at most ${max} characters long`;
  if (rules.min_bytes !== undefined && bytes < Number(rules.min_bytes))
    return `must be at least ${rules.min_bytes} bytes`;
  if (rules.max_bytes !== undefined && bytes > Number(rules.max_bytes))
    return `must be at most ${rules.max_bytes} bytes`;
  if (typeof rules.prefix === 'string' && !value.startsWith(rules.prefix))
    return `must start with "${rules.prefix}"`;
  if (typeof rules.suffix === 'string' && !value.endsWith(rules.suffix))
    return `must end with "${rules.suffix}"`;
  if (typeof rules.contains === 'string' && !value.includes(rules.contains))
    return `must contain "${rules.contains}"`;
  if (typeof rules.pattern === 'string' && compiledPattern(rules.pattern)?.test(value) === false) {
    return `must match the pattern ${rules.pattern}`;
  }
  const strict = rules.strict !== false;
  if (
    rules.well_known_regex === 'HTTP_HEADER_NAME' &&
    !(strict ? HEADER_NAME_STRICT : HEADER_NON_STRICT).test(value)
  ) {
    return 'must be a valid HTTP header name';
  }
  if (
    rules.well_known_regex === 'HTTP_HEADER_VALUE' &&
    !(strict ? HEADER_VALUE_STRICT : HEADER_NON_STRICT).test(value)
  ) {
    return 'must be a valid HTTP header value (no NUL, CR or LF)';
  }
  return membershipProblem(rules, value, (v) => JSON.stringify(v));
}

const NUMBER_RULE_KEYS = [
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
];

/**
 * What is wrong with a scalar (or wrapped scalar, or enum number) under these rules, if anything.
 * `enumNumber` turns an enum value name back into its number, since PGV states enum rules in numbers.
 */
export function scalarProblem(
  rules: Rules,
  value: unknown,
  enumNumber?: (name: string) => number,
): string | undefined {
  for (const key of NUMBER_RULE_KEYS) {
    const numberRules = sub(rules, key);
    if (numberRules && typeof value === 'number') {
      return (
        rangeProblem(numberRules, value, Number, String) ?? membershipProblem(numberRules, value, String)
      );
    }
  }
  const stringRules = sub(rules, 'string');
  if (stringRules && typeof value === 'string') return stringProblem(stringRules, value);
  const boolRules = sub(rules, 'bool');
  if (boolRules && typeof value === 'boolean') return membershipProblem(boolRules, value, String);
  const bytesRules = sub(rules, 'bytes');
  if (bytesRules && typeof value === 'string') {
    const length = Buffer.from(value, 'base64').length;
    if (length < Number(bytesRules.min_len ?? 0)) return `must be at least ${bytesRules.min_len} bytes`;
    if (length > Number(bytesRules.max_len ?? Number.POSITIVE_INFINITY))
      return `must be at most ${bytesRules.max_len} bytes`;
  }
  const enumRules = sub(rules, 'enum');
  if (enumRules && typeof value === 'string' && enumNumber) {
    return membershipProblem(enumRules, enumNumber(value), String);
  }
  return undefined;
}

export const MISSING_FIELD = 'required field is missing';

/** Rules on a message-typed field: `required` and, for Duration and Any, their value constraints. */
export function messageProblem(rules: Rules, value: unknown, present: boolean): string | undefined {
  const kinds = ['message', 'duration', 'timestamp', 'any'].map((key) => sub(rules, key));
  if (!present)
    return kinds.some((kind) => kind?.required === true) ? 'required field is missing' : undefined;
  const durationRules = sub(rules, 'duration');
  if (durationRules) {
    const problem =
      rangeProblem(durationRules, durationSeconds(value), durationSeconds, formatDuration) ??
      (durationRules.const !== undefined && durationSeconds(value) !== durationSeconds(durationRules.const)
        ? `must be ${formatDuration(durationRules.const)}`
        : undefined);
    if (problem) return problem;
  }
  const anyRules = sub(rules, 'any');
  if (anyRules && isRecord(value))
    return membershipProblem(anyRules, value['@type'], (v) => JSON.stringify(v));
  return undefined;
}

/** Size rules of a repeated or map field (`min_items`, `max_items`, `min_pairs`, `max_pairs`). */
export function sizeProblem(rules: Rules, size: number): string | undefined {
  const repeated = sub(rules, 'repeated');
  const map = sub(rules, 'map');
  const min = Number(repeated?.min_items ?? map?.min_pairs ?? 0);
  const max = Number(repeated?.max_items ?? map?.max_pairs ?? Number.POSITIVE_INFINITY);
  const noun = map ? 'entr' : 'item';
  const plural = (n: number) => `${n} ${noun}${n === 1 ? (map ? 'y' : '') : map ? 'ies' : 's'}`;
  if (size < min) return `must have at least ${plural(min)}`;
  if (size > max) return `must have at most ${plural(max)}`;
  return undefined;
}

/** The rules for each element of a repeated field, or for each value of a map. */
export function elementRules(rules: Rules): Rules | undefined {
  return sub(sub(rules, 'repeated') ?? {}, 'items') ?? sub(sub(rules, 'map') ?? {}, 'values');
}

/** The rules for each key of a map. */
export function keyRules(rules: Rules): Rules | undefined {
  return sub(sub(rules, 'map') ?? {}, 'keys');
}

/** Whether a repeated field's rules ask for distinct scalar elements. */
export function wantsUnique(rules: Rules): boolean {
  return sub(rules, 'repeated')?.unique === true;
}
