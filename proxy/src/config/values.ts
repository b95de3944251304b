// Decoders for the proto3-JSON scalar forms Envoy accepts (Duration strings, wrapper types,
// FractionalPercent). Each one names the field path when the value is wrong.
import { ConfigError } from './errors.ts';

const DURATION = /^(-?\d+)(?:\.(\d{1,9}))?s$/;

/** google.protobuf.Duration in JSON (`"1.5s"`) or object (`{seconds, nanos}`) form → milliseconds. */
export function durationMs(value: unknown, path: string): number {
  if (typeof value === 'string') {
    const m = DURATION.exec(value);
    if (!m) throw new ConfigError(path, `invalid duration ${JSON.stringify(value)}: expected e.g. "1.5s"`);
    const seconds = Number(m[1]);
    const nanos = m[2] ? Number(m[2].padEnd(9, '0')) : 0;
    if (seconds < 0) throw new ConfigError(path, `duration must not be negative: ${value}`);
    return seconds * 1000 + nanos / 1e6;
  }
  if (value && typeof value === 'object') {
    const { seconds = 0, nanos = 0 } = value as { seconds?: number | string; nanos?: number };
    const ms = Number(seconds) * 1000 + Number(nanos) / 1e6;
    if (!Number.isFinite(ms) || ms < 0) throw new ConfigError(path, 'duration must be a non-negative number');
    return ms;
  }
  throw new ConfigError(path, `invalid duration ${JSON.stringify(value)}: expected e.g. "1.5s"`);
}

export function optionalDurationMs(value: unknown, path: string, fallback: number): number;
export function optionalDurationMs(value: unknown, path: string): number | undefined;
export function optionalDurationMs(value: unknown, path: string, fallback?: number): number | undefined {
  return value === undefined || value === null ? fallback : durationMs(value, path);
}

/** google.protobuf.UInt32Value / UInt64Value: a plain number, a numeric string, or `{value}`. */
export function uint(value: unknown, path: string): number {
  const raw =
    value && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new ConfigError(path, `expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function optionalUint(value: unknown, path: string, fallback: number): number;
export function optionalUint(value: unknown, path: string): number | undefined;
export function optionalUint(value: unknown, path: string, fallback?: number): number | undefined {
  return value === undefined || value === null ? fallback : uint(value, path);
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** envoy.type.v3.FractionalPercent → a fraction in [0, 1]. Absent → `fallback`. */
export function fractionalPercent(value: unknown, path: string, fallback = 1): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'object') throw new ConfigError(path, 'expected a FractionalPercent object');
  const { numerator = 0, denominator = 'HUNDRED' } = value as { numerator?: unknown; denominator?: unknown };
  const den =
    typeof denominator === 'number'
      ? [100, 10_000, 1_000_000][denominator]
      : DENOMINATORS[String(denominator)];
  if (!den)
    throw new ConfigError(`${path}.denominator`, `unknown denominator ${JSON.stringify(denominator)}`);
  return Math.min(1, uint(numerator, `${path}.numerator`) / den);
}
