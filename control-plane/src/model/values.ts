// Value rules shared by every kind: Istio's duration strings, percentages, RE2 regexes, names, and
// "did you mean" suggestions for misspelt field names.
import { compileRe2 } from '../../../proxy/src/config/index.ts';

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** A Go-style duration (`1h30m`, `1.5s`, `500ms`) in nanoseconds, or undefined when malformed. */
export function parseDurationNs(text: string): number | undefined {
  const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h)/;
  if (text === '0') return 0;
  let rest = text;
  let total = 0;
  if (rest === '') return undefined;
  while (rest !== '') {
    const hit = m.exec(rest);
    if (!hit) return undefined;
    const [, num, unit] = /^([\d.]+)(.*)$/.exec(hit[0])!;
    total += Number(num) * UNIT_NS[unit!]!;
    rest = rest.slice(hit[0].length);
  }
  return total;
}

/**
 * Istio's rule for durations: at least 1 ms, and whole milliseconds (Envoy's timers are ms). Returns the
 * problem, or undefined. `allowZero` is for the few fields where 0s means "disabled" (tcp idleTimeout).
 */
export function durationProblem(value: unknown, allowZero = false): string | undefined {
  if (typeof value !== 'string') {
    return `expected a duration string such as "1s", "500ms" or "1m", got ${describe(value)}`;
  }
  const ns = parseDurationNs(value);
  if (ns === undefined) {
    return `invalid duration ${JSON.stringify(value)}: write a number with a unit (h, m, s, ms), e.g. "1.5s" or "500ms"`;
  }
  if (ns === 0 && allowZero) return undefined;
  if (ns < 1e6) return `duration ${JSON.stringify(value)} is below the minimum of 1ms: use at least "1ms"`;
  if (ns % 1e6 !== 0) {
    return `duration ${JSON.stringify(value)} is finer than millisecond precision: round it to whole milliseconds`;
  }
  return undefined;
}

/** Envoy keeps percentages as parts per million, so 0.0001 % is the smallest non-zero fraction. */
export function percentProblem(value: number): string | undefined {
  if (value === 0 || (value >= 0.0001 && value <= 100)) return undefined;
  return `percentage ${value} is out of range: use 0 or a value from 0.0001 to 100`;
}

/** Istio caps regexes at 1024 characters (a proxy for Envoy's RE2 program size limit). */
export function regexProblem(pattern: string): string | undefined {
  if (pattern === '') return 'regex must not be empty: remove the field or write a pattern';
  if (pattern.length > 1024) return `regex is ${pattern.length} characters long; the maximum is 1024`;
  try {
    compileRe2(pattern, '');
    return undefined;
  } catch (err) {
    const problem = (err as { problem?: string }).problem ?? (err as Error).message;
    return `${problem} (patterns use RE2 syntax: https://github.com/google/re2/wiki/Syntax)`;
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The allowed name closest to a misspelt one (edit distance, or the camelCase form of snake_case). */
export function suggest(name: string, allowed: readonly string[]): string | undefined {
  const camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const lower = name.toLowerCase();
  for (const a of allowed) if (a === camel || a.toLowerCase() === lower) return a;
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const a of allowed) {
    const d = distance(lower, a.toLowerCase());
    if (d < bestD) {
      best = a;
      bestD = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** gRPC status names in code order (the index is the numeric status), as Istio's grpcStatus takes them. */
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];
