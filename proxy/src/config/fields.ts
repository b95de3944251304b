// Readers for fields of an already schema-validated message (proto3 JSON, snake_case keys, enums by
// name, integers as numbers), typed by the generated Envoy types (envoy-types.ts). Validation has
// run, so these mostly guard against a caller that skipped it; each one still names the field path
// when the value has the wrong shape.
import { ConfigError, joinPath } from './errors.ts';
import { isJsonObject, type JsonObject } from './json-object.ts';

/** An object of no known message type, for the readers not yet on the generated types. */
export type Obj = JsonObject;
export const isObj = isJsonObject;

/** A message field; absent → `{}` (proto3: an unset message reads as its defaults). */
export function message<T extends object>(value: T | undefined, path: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(path, 'expected an object');
  return value;
}

/** A repeated field; absent → `[]`. */
export function repeated<T>(value: readonly T[] | undefined, path: string): readonly T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(path, 'expected a list');
  return value;
}

/** An untyped object field (see Obj); absent → `{}`. */
export function obj(value: unknown, path: string): Obj {
  if (value === undefined || value === null) return {};
  if (!isObj(value)) throw new ConfigError(path, 'expected an object');
  return value;
}

/** An untyped repeated field; absent → `[]`. */
export function list(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(path, 'expected a list');
  return value;
}

/** A string field; absent → `fallback`. */
export function str(value: unknown, path: string, fallback = ''): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string')
    throw new ConfigError(path, `expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A bool or google.protobuf.BoolValue field; absent → `fallback`. */
export function bool(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  const raw = isObj(value) && 'value' in value ? value.value : value;
  if (typeof raw !== 'boolean')
    throw new ConfigError(path, `expected true or false, got ${JSON.stringify(value)}`);
  return raw;
}

/** An enum field by name (or number); absent → the first name, proto3's default. */
export function enumName(value: unknown, names: readonly string[], path: string): string {
  if (value === undefined || value === null) return names[0]!;
  if (typeof value === 'number' && names[value] !== undefined) return names[value]!;
  if (typeof value === 'string' && names.includes(value)) return value;
  throw new ConfigError(path, `expected one of ${names.join(', ')}, got ${JSON.stringify(value)}`);
}

/** True when a proto3 field is set to something other than its default. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** Exactly one of `names` may be set (a proto oneof); returns the one set, or undefined. */
export function oneOf<T extends object, K extends keyof T & string>(
  o: T,
  names: readonly K[],
  path: string,
): K | undefined {
  const present = names.filter((n) => o[n] !== undefined && o[n] !== null);
  if (present.length > 1) {
    throw new ConfigError(joinPath(path, present[1]!), `only one of ${present.join(', ')} may be set`);
  }
  return present[0];
}

/** At most one of `names` may be set to a non-default value (fields that exclude each other without
 * being a proto oneof, so an explicit default does not count); returns the one set, or undefined. */
export function onlyOneSet<T extends object, K extends keyof T & string>(
  o: T,
  names: readonly K[],
  path: string,
): K | undefined {
  const present = names.filter((n) => isSet(o[n]));
  if (present.length > 1) {
    throw new ConfigError(joinPath(path, present[1]!), `only one of ${present.join(', ')} may be set`);
  }
  return present[0];
}

/** An already-validated optional message: the object, or an empty one when absent. */
export function optionalObj<T extends object>(value: T | undefined): Partial<T> {
  return value ?? {};
}

const NONE: readonly never[] = Object.freeze([]);

/** An already-validated repeated message field: its objects, or none when absent. */
export function objList<T extends object>(value: readonly T[] | null | undefined): readonly T[] {
  return value ?? NONE;
}
