// Typed readers for fields of an already schema-validated message (proto3 JSON, snake_case keys,
// enums by name, integers as numbers). Validation has run, so these mostly guard against a caller
// that skipped it; each one still names the field path when the value has the wrong shape.
import { ConfigError, joinPath } from './errors.ts';

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A message field; absent → `{}` (proto3: an unset message reads as its defaults). */
export function obj(value: unknown, path: string): Obj {
  if (value === undefined || value === null) return {};
  if (!isObj(value)) throw new ConfigError(path, 'expected an object');
  return value;
}

/** A repeated field; absent → `[]`. */
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
export function oneOf(o: Obj, names: readonly string[], path: string): string | undefined {
  const present = names.filter((n) => o[n] !== undefined && o[n] !== null);
  if (present.length > 1) {
    throw new ConfigError(joinPath(path, present[1]!), `only one of ${present.join(', ')} may be set`);
  }
  return present[0];
}

/** At most one of `names` may be set to a non-default value (fields that exclude each other without
 * being a proto oneof, so an explicit default does not count); returns the one set, or undefined. */
export function onlyOneSet(o: Obj, names: readonly string[], path: string): string | undefined {
  const present = names.filter((n) => isSet(o[n]));
  if (present.length > 1) {
    throw new ConfigError(joinPath(path, present[1]!), `only one of ${present.join(', ')} may be set`);
  }
  return present[0];
}

/** An already-validated optional message: the object, or an empty one when absent. */
export function optionalObj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

/** An already-validated repeated message field: its objects, or none when absent. */
export function objList(value: unknown): Obj[] {
  return Array.isArray(value) ? (value.filter(isObj) as Obj[]) : [];
}
