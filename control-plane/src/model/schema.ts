// A small schema language for Istio's messages: field names and value types, checked generically so
// that every kind rejects unknown fields, wrong types and bad durations the same way. Rules that relate
// fields to each other live in the per-kind validators.
import type { Path, Reporter } from './report.ts';
import { describe, durationProblem, percentProblem, suggest } from './values.ts';

export type Schema =
  | { readonly kind: 'string' | 'bool' | 'number' | 'any' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'duration'; readonly allowZero?: boolean }
  | { readonly kind: 'percent' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'list' | 'map'; readonly of: Schema }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Schema>>;
      /** Field → what to use instead; the field is still accepted, with a warning. */
      readonly deprecated?: Readonly<Record<string, string>>;
    };

export const str: Schema = { kind: 'string' };
export const bool: Schema = { kind: 'bool' };
export const num: Schema = { kind: 'number' };
export const any: Schema = { kind: 'any' };
export const dur: Schema = { kind: 'duration' };
export const percent: Schema = { kind: 'percent' };
export const int = (min: number, max: number): Schema => ({ kind: 'int', min, max });
export const uint32 = int(0, 4294967295);
export const int32 = int(-2147483648, 2147483647);
export const port = int(1, 65535);
export const enumOf = (...values: string[]): Schema => ({ kind: 'enum', values });
export const list = (of: Schema): Schema => ({ kind: 'list', of });
export const map = (of: Schema): Schema => ({ kind: 'map', of });
export const obj = (
  fields: Record<string, Schema>,
  deprecated?: Record<string, string>,
): Schema & { kind: 'object' } => ({ kind: 'object', fields, ...(deprecated ? { deprecated } : {}) });

/** Checks `value` against `schema`, reporting every problem. */
export function checkShape(r: Reporter, path: Path, value: unknown, schema: Schema): void {
  switch (schema.kind) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') r.error(path, `expected a string, got ${describe(value)}`);
      return;
    case 'bool':
      if (typeof value !== 'boolean') r.error(path, `expected true or false, got ${describe(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') r.error(path, `expected a number, got ${describe(value)}`);
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        r.error(path, `expected a whole number, got ${describe(value)}`);
      } else if (value < schema.min || value > schema.max) {
        r.error(path, `${value} is out of range: use a whole number from ${schema.min} to ${schema.max}`);
      }
      return;
    case 'duration': {
      const problem = durationProblem(value, schema.allowZero);
      if (problem) r.error(path, problem);
      return;
    }
    case 'percent':
      return checkPercent(r, path, value);
    case 'enum':
      if (typeof value !== 'string' || !schema.values.includes(value)) {
        r.error(path, `${describe(value)} is not allowed: use one of ${schema.values.join(', ')}`);
      }
      return;
    case 'list':
      if (!Array.isArray(value)) r.error(path, `expected a list, got ${describe(value)}`);
      else
        value.forEach((item, i) => {
          checkShape(r, [...path, i], item, schema.of);
        });
      return;
    case 'map':
      if (!isPlainObject(value)) r.error(path, `expected a map, got ${describe(value)}`);
      else for (const [k, v] of Object.entries(value)) checkShape(r, [...path, k], v, schema.of);
      return;
    case 'object':
      return checkObject(r, path, value, schema);
  }
}

function checkObject(r: Reporter, path: Path, value: unknown, schema: Schema & { kind: 'object' }): void {
  if (!isPlainObject(value)) {
    r.error(path, `expected an object, got ${describe(value)}`);
    return;
  }
  const allowed = Object.keys(schema.fields);
  for (const [k, v] of Object.entries(value)) {
    // Own keys only: `constructor` or `toString` would otherwise find Object.prototype's members.
    const field = Object.hasOwn(schema.fields, k) ? schema.fields[k] : undefined;
    if (!field) {
      const hint = suggest(k, allowed);
      r.error(
        [...path, k],
        `unknown field ${JSON.stringify(k)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}: ` +
          `remove it or use one of ${allowed.join(', ')}`,
      );
      continue;
    }
    const instead =
      schema.deprecated && Object.hasOwn(schema.deprecated, k) ? schema.deprecated[k] : undefined;
    if (instead) r.warn([...path, k], `${JSON.stringify(k)} is deprecated: ${instead}`);
    if (v === null) continue; // YAML `key:` with no value: treated as unset, as Kubernetes does.
    checkShape(r, [...path, k], v, field);
  }
}

function checkPercent(r: Reporter, path: Path, value: unknown): void {
  if (!isPlainObject(value)) {
    r.error(path, `expected an object like {value: 10}, got ${describe(value)}`);
    return;
  }
  for (const k of Object.keys(value)) {
    if (k !== 'value')
      r.error([...path, k], `unknown field ${JSON.stringify(k)}: a percentage has only "value"`);
  }
  const v = value.value;
  if (v === undefined || v === null) return;
  if (typeof v !== 'number') r.error([...path, 'value'], `expected a number, got ${describe(v)}`);
  else {
    const problem = percentProblem(v);
    if (problem) r.error([...path, 'value'], problem);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Type-guarded reads for the cross-field rules, which run after checkShape has reported type errors:
// a value of the wrong type reads as absent, so one mistake is reported once.
export const asObj = (v: unknown): Record<string, unknown> | undefined => (isPlainObject(v) ? v : undefined);
export const asList = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
export const asStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const asNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
/** Set means present and not null (YAML `key:` with no value is unset). */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;
