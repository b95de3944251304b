// proto3-JSON scalars and the well-known types with a custom JSON form (Duration, wrappers, Struct,
// Timestamp, FieldMask, Empty). Each decoder returns the normalized value, or a problem to report.
// Any is not here: it needs the message walker (schema.ts).

export type Decoded =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: string };

const ok = (value: unknown): Decoded => ({ ok: true, value });
const fail = (problem: string): Decoded => ({ ok: false, problem });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a value reads in an error message: `"abc"`, `12`, `a list`, `an object`. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/** Integers arrive as JSON numbers or (always allowed by proto3 JSON, usual for 64-bit) decimal strings. */
function decodeInteger(value: unknown, protoType: string, range: readonly [bigint, bigint]): Decoded {
  let integer: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) integer = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) integer = BigInt(value);
  else return fail(`expected ${article(protoType)} ${protoType} (an integer), got ${describe(value)}`);
  const [min, max] = range;
  if (integer < min && min === 0n) return fail(`${protoType} must not be negative, got ${describe(value)}`);
  if (integer < min || integer > max) {
    return fail(`${protoType} out of range (${min} to ${max}), got ${describe(value)}`);
  }
  // Downstream code reads numbers; only a 64-bit value beyond 2^53 stays a string to keep its digits.
  const asNumber = Number(integer);
  return ok(Number.isSafeInteger(asNumber) ? asNumber : String(integer));
}

function article(word: string): string {
  return /^[aeio]/i.test(word) ? 'an' : 'a'; // "a uint32", "an int64"
}

function decodeFloat(value: unknown, protoType: string): Decoded {
  if (typeof value === 'number') return ok(value);
  if (typeof value === 'string') {
    if (value === 'NaN') return ok(Number.NaN);
    if (value === 'Infinity') return ok(Number.POSITIVE_INFINITY);
    if (value === '-Infinity') return ok(Number.NEGATIVE_INFINITY);
    if (value.trim() !== '' && Number.isFinite(Number(value))) return ok(Number(value));
  }
  return fail(`expected a ${protoType} (a number), got ${describe(value)}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const BASE64_URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** A proto scalar field type (`uint32`, `string`, ...) in proto3-JSON form. */
export function decodeScalar(value: unknown, protoType: string): Decoded {
  const range = INTEGER_RANGES[protoType];
  if (range) return decodeInteger(value, protoType, range);
  switch (protoType) {
    case 'double':
    case 'float':
      return decodeFloat(value, protoType);
    case 'bool':
      return typeof value === 'boolean' ? ok(value) : fail(`expected true or false, got ${describe(value)}`);
    case 'string':
      return typeof value === 'string' ? ok(value) : fail(`expected a string, got ${describe(value)}`);
    case 'bytes':
      if (typeof value === 'string' && (BASE64.test(value) || BASE64_URL.test(value))) return ok(value);
      return fail(`expected base64-encoded bytes (a string), got ${describe(value)}`);
    default:
      return fail(`cannot validate a field of proto type ${protoType}`);
  }
}

const WRAPPER_SCALARS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
/** ±10,000 years, the range google.protobuf.Duration allows. */
const MAX_DURATION_SECONDS = 315_576_000_000;

function decodeDuration(value: unknown): Decoded {
  const expectation = 'expected a duration such as "1.5s" or {seconds: 1, nanos: 500000000}';
  if (typeof value === 'string') {
    if (!DURATION.test(value)) return fail(`${expectation}, got ${describe(value)}`);
    if (Math.abs(Number.parseFloat(value)) > MAX_DURATION_SECONDS)
      return fail(`duration out of range: ${value}`);
    return ok(value);
  }
  if (!isRecord(value)) return fail(`${expectation}, got ${describe(value)}`);
  const extra = Object.keys(value).find((key) => key !== 'seconds' && key !== 'nanos');
  if (extra !== undefined) return fail(`unknown field "${extra}" in a duration (only seconds and nanos)`);
  const seconds = decodeInteger(value.seconds ?? 0, 'int64', [
    BigInt(-MAX_DURATION_SECONDS),
    BigInt(MAX_DURATION_SECONDS),
  ]);
  if (!seconds.ok) return fail(`duration seconds: ${seconds.problem}`);
  const nanos = decodeInteger(value.nanos ?? 0, 'int32', [-999_999_999n, 999_999_999n]);
  if (!nanos.ok) return fail(`duration nanos: ${nanos.problem}`);
  if (Number(seconds.value) * Number(nanos.value) < 0)
    return fail('duration seconds and nanos must have the same sign');
  return ok({ seconds: seconds.value, nanos: nanos.value });
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  return isRecord(value) && Object.values(value).every(isJsonValue);
}

/**
 * Decoder for a well-known type with a custom JSON form, by full name; undefined for ordinary
 * messages (and for Any, which schema.ts handles).
 */
export function wellKnownDecoder(fullName: string): ((value: unknown) => Decoded) | undefined {
  const wrapped = WRAPPER_SCALARS[fullName];
  if (wrapped) {
    return (value) => {
      if (isRecord(value))
        return fail(`expected a bare ${wrapped} for ${fullName} (write 5, not {value: 5})`);
      return decodeScalar(value, wrapped);
    };
  }
  switch (fullName) {
    case 'google.protobuf.Duration':
      return decodeDuration;
    case 'google.protobuf.Timestamp':
      return (value) =>
        typeof value === 'string' && TIMESTAMP.test(value)
          ? ok(value)
          : fail(`expected an RFC 3339 timestamp such as "2024-01-02T03:04:05Z", got ${describe(value)}`);
    case 'google.protobuf.FieldMask':
      return (value) =>
        typeof value === 'string' ? ok(value) : fail(`expected a field mask string, got ${describe(value)}`);
    case 'google.protobuf.Empty':
      return (value) =>
        isRecord(value) && Object.keys(value).length === 0 ? ok({}) : fail('expected an empty object {}');
    case 'google.protobuf.Struct':
      return (value) =>
        isRecord(value) && isJsonValue(value)
          ? ok(value)
          : fail(`expected an object (Struct), got ${describe(value)}`);
    case 'google.protobuf.ListValue':
      return (value) =>
        Array.isArray(value) && isJsonValue(value)
          ? ok(value)
          : fail(`expected a list (ListValue), got ${describe(value)}`);
    case 'google.protobuf.Value':
      return (value) =>
        isJsonValue(value) ? ok(value) : fail(`expected a JSON value, got ${describe(value)}`);
    default:
      return undefined;
  }
}
