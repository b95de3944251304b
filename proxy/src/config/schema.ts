// Validates a proto3-JSON value (as parsed from YAML or JSON) against an Envoy API message and
// normalizes it for the compilers: snake_case keys, enums by name, integers as numbers. Like
// grpc-js-xds's decoders it returns errors as data and keeps going, so one run reports every problem.
import protobuf, { type Enum, type Field, type Type } from 'protobufjs';
import { ConfigError, joinMapKey, joinPath } from './errors.ts';
import { didYouMean, jsonNameOf, snakeCaseOf } from './names.ts';
import { findMessageType, fullNameOf, loadedMessageTypeNames } from './proto-root.ts';
import { decodeScalar, describe, isRecord, wellKnownDecoder } from './scalars.ts';
import {
  elementRules,
  keyRules,
  MISSING_FIELD,
  messageProblem,
  oneofIsRequired,
  type Rules,
  scalarProblem,
  sizeProblem,
  validateRulesOf,
  wantsUnique,
} from './validate-rules.ts';

export interface ValidatedMessage {
  /**
   * The input with snake_case keys, enum values by name and integers as numbers (64-bit ones beyond
   * 2^53 stay strings). Only meaningful when `errors` is empty: invalid parts are left out.
   */
  readonly value: Record<string, unknown>;
  readonly errors: ConfigError[];
}

/**
 * Checks `value` against the Envoy message `typeName` (e.g. `envoy.config.bootstrap.v3.Bootstrap`);
 * error paths start at `basePath`. Throws only if `typeName` is not a message in Envoy's API.
 */
export function validateEnvoyMessage(value: unknown, typeName: string, basePath: string): ValidatedMessage {
  const type = findMessageType(typeName);
  if (!type) throw new Error(`validateEnvoyMessage: ${typeName} is not a message type of Envoy's API`);
  const errors: ConfigError[] = [];
  const normalized = validateMessage(value, type, basePath, errors);
  return { value: isRecord(normalized) ? normalized : {}, errors };
}

const ANY = 'google.protobuf.Any';
const fieldIndexes = new WeakMap<Type, Map<string, Field>>();

/** Both spellings proto3 JSON allows for each field: `port_value` and `portValue`. */
function fieldIndex(type: Type): Map<string, Field> {
  let index = fieldIndexes.get(type);
  if (!index) {
    index = new Map();
    for (const field of type.fieldsArray) {
      index.set(field.name, field);
      index.set(jsonNameOf(field.name), field);
    }
    fieldIndexes.set(type, index);
  }
  return index;
}

function validateMessage(value: unknown, type: Type, path: string, errors: ConfigError[]): unknown {
  const fullName = fullNameOf(type);
  if (fullName === ANY) return validateAny(value, path, errors);
  const decode = wellKnownDecoder(fullName);
  if (decode) {
    const decoded = decode(value);
    if (decoded.ok) return decoded.value;
    errors.push(new ConfigError(path, decoded.problem));
    return undefined;
  }
  if (!isRecord(value)) {
    errors.push(new ConfigError(path, `expected an object (${fullName}), got ${describe(value)}`));
    return undefined;
  }
  return validateFields(value, type, path, errors);
}

function validateFields(
  value: Record<string, unknown>,
  type: Type,
  path: string,
  errors: ConfigError[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();
  const present: string[] = [];
  const failed = new Set<string>();
  for (const [key, raw] of Object.entries(value)) {
    const field = fieldIndex(type).get(key);
    if (!field) {
      errors.push(unknownField(type, key, path));
      continue;
    }
    const fieldPath = joinPath(path, field.name);
    const earlier = spelledAs.get(field.name);
    if (earlier !== undefined) {
      errors.push(new ConfigError(fieldPath, `set twice, as "${earlier}" and as "${key}"`));
      continue;
    }
    spelledAs.set(field.name, key);
    // proto3 JSON: null means "not set", except for google.protobuf.Value where it is a value.
    if (raw === null && field.resolvedType?.fullName !== '.google.protobuf.Value') continue;
    present.push(field.name);
    const normalized = validateField(raw, field, fieldPath, errors);
    if (normalized === undefined) failed.add(field.name);
    else out[field.name] = normalized;
  }
  checkOneofs(type, present, path, errors);
  for (const field of type.fieldsArray) {
    const rules = validateRulesOf(field);
    if (rules && !failed.has(field.name))
      checkRules(field, rules, out[field.name], joinPath(path, field.name), errors);
  }
  return out;
}

function unknownField(type: Type, key: string, path: string): ConfigError {
  const fullName = fullNameOf(type);
  const fieldPath = joinMapKey(path, key);
  const names = type.fieldsArray.map((field) => field.name);
  if (key === '@type') {
    return new ConfigError(
      fieldPath,
      `"@type" belongs only in a google.protobuf.Any, and ${fullName} is not one`,
      'unknown-field',
    );
  }
  if (type.reserved?.includes(snakeCaseOf(key))) {
    const removed = `field "${key}" was removed from ${fullName} in Envoy's v3 API`;
    return new ConfigError(fieldPath, `${removed}${didYouMean(snakeCaseOf(key), names)}`, 'unknown-field');
  }
  const problem = `unknown field "${key}" in ${fullName}${didYouMean(snakeCaseOf(key), names)}`;
  return new ConfigError(fieldPath, problem, 'unknown-field');
}

function validateField(raw: unknown, field: Field, path: string, errors: ConfigError[]): unknown {
  if (field instanceof protobuf.MapField) {
    const keyType = field.keyType;
    if (!isRecord(raw)) {
      errors.push(
        new ConfigError(path, `expected a map (an object with ${keyType} keys), got ${describe(raw)}`),
      );
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [key, element] of Object.entries(raw)) {
      const elementPath = joinMapKey(path, key);
      const keyProblem = mapKeyProblem(key, keyType);
      if (keyProblem) errors.push(new ConfigError(elementPath, keyProblem));
      else if (element === null) errors.push(new ConfigError(elementPath, 'map values must not be null'));
      else out[key] = validateSingle(element, field, elementPath, errors);
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(raw)) {
      errors.push(new ConfigError(path, `expected a list, got ${describe(raw)}`));
      return undefined;
    }
    // A failed element leaves null behind so that later indexes still match the document.
    return raw.map((element, index) => {
      if (element !== null) return validateSingle(element, field, joinPath(path, index), errors) ?? null;
      errors.push(new ConfigError(joinPath(path, index), 'list elements must not be null'));
      return null;
    });
  }
  return validateSingle(raw, field, path, errors);
}

function mapKeyProblem(key: string, keyType: string): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool')
    return key === 'true' || key === 'false' ? undefined : `map key must be true or false, got "${key}"`;
  const decoded = decodeScalar(key, keyType);
  return decoded.ok ? undefined : `map key: ${decoded.problem}`;
}

function validateSingle(raw: unknown, field: Field, path: string, errors: ConfigError[]): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return decodeEnum(raw, resolved, path, errors);
  if (resolved instanceof protobuf.Type) return validateMessage(raw, resolved, path, errors);
  const decoded = decodeScalar(raw, field.type);
  if (decoded.ok) return decoded.value;
  errors.push(new ConfigError(path, decoded.problem));
  return undefined;
}

/** Names a user may write; Envoy's placeholders for removed values are accepted but not advertised. */
function advertisedNames(enumType: Enum): string[] {
  return Object.keys(enumType.values).filter(
    (name) => !/^(hidden_envoy_deprecated_|DEPRECATED_AND_UNAVAILABLE)/.test(name),
  );
}

function decodeEnum(raw: unknown, enumType: Enum, path: string, errors: ConfigError[]): string | undefined {
  const enumName = fullNameOf(enumType);
  if (typeof raw === 'string' && Object.hasOwn(enumType.values, raw)) return raw;
  if (typeof raw === 'number' && Number.isInteger(raw) && enumType.valuesById[raw] !== undefined) {
    return enumType.valuesById[raw];
  }
  const names = advertisedNames(enumType);
  const hint = typeof raw === 'string' ? didYouMean(raw, names) : '';
  const what =
    typeof raw === 'string' || typeof raw === 'number' ? 'invalid value' : 'expected an enum value name, got';
  errors.push(
    new ConfigError(
      path,
      `${what} ${describe(raw)} for enum ${enumName}${hint}; expected one of ${names.join(', ')}`,
    ),
  );
  return undefined;
}

function validateAny(value: unknown, path: string, errors: ConfigError[]): unknown {
  const example = '"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"';
  if (!isRecord(value)) {
    errors.push(
      new ConfigError(path, `expected an object with "@type" (google.protobuf.Any), got ${describe(value)}`),
    );
    return undefined;
  }
  const { '@type': url, ...fields } = value;
  const urlPath = joinMapKey(path, '@type');
  if (url === undefined) {
    errors.push(
      new ConfigError(path, `missing "@type": a google.protobuf.Any must name its type, e.g. ${example}`),
    );
    return undefined;
  }
  if (typeof url !== 'string' || !url.includes('/')) {
    errors.push(new ConfigError(urlPath, `expected a type URL such as ${example}, got ${describe(url)}`));
    return undefined;
  }
  const name = url.slice(url.lastIndexOf('/') + 1);
  const inner = findMessageType(name);
  if (!inner) {
    const hint = didYouMean(name, loadedMessageTypeNames());
    errors.push(
      new ConfigError(urlPath, `unknown @type "${url}": no such message type in Envoy's API${hint}`),
    );
    return undefined;
  }
  if (name !== ANY && !wellKnownDecoder(name))
    return { '@type': url, ...validateFields(fields, inner, path, errors) };
  // A well-known type with its own JSON form sits under "value" (proto3 JSON mapping for Any).
  for (const key of Object.keys(fields)) {
    if (key !== 'value')
      errors.push(
        new ConfigError(
          joinMapKey(path, key),
          `unknown field "${key}" in an Any of ${name} (only "value")`,
          'unknown-field',
        ),
      );
  }
  const inside = validateMessage(fields.value, inner, joinPath(path, 'value'), errors);
  return inside === undefined ? undefined : { '@type': url, value: inside };
}

function quoted(names: readonly string[], conjunction: string): string {
  const list = names.map((name) => `"${name}"`);
  return list.length < 2 ? list.join('') : `${list.slice(0, -1).join(', ')} ${conjunction} ${list.at(-1)}`;
}

function checkOneofs(type: Type, present: readonly string[], path: string, errors: ConfigError[]): void {
  for (const oneof of type.oneofsArray) {
    const members = present.filter((name) => oneof.oneof.includes(name));
    const where = `oneof ${oneof.name} in ${fullNameOf(type)}`;
    if (members.length > 1) {
      const problem = `${quoted(members, 'and')} are alternatives (${where}): set only one of them`;
      errors.push(new ConfigError(joinPath(path, members[1]!), problem));
    } else if (members.length === 0 && oneofIsRequired(oneof)) {
      errors.push(new ConfigError(path, `one of ${quoted(oneof.oneof, 'or')} is required (${where})`));
    }
  }
}

const SCALAR_DEFAULTS: Record<string, unknown> = { string: '', bytes: '', bool: false };

/** A broken rule as an error: an absent field is reported as missing, a present one with its value. */
function ruleError(path: string, problem: string, value: unknown, present: boolean): ConfigError {
  if (present) return new ConfigError(path, `${problem}, got ${describe(value)}`);
  return new ConfigError(path, problem === MISSING_FIELD ? problem : `${MISSING_FIELD} (${problem})`);
}

/** protoc-gen-validate rules; an absent scalar is checked as its default value, as Envoy does. */
function checkRules(field: Field, rules: Rules, value: unknown, path: string, errors: ConfigError[]): void {
  const present = value !== undefined;
  if (field.partOf && !present) return; // rules on a oneof member (or proto3 optional) apply only when set
  if (field.map || field.repeated) {
    checkCollectionRules(field, rules, value, path, errors);
    return;
  }
  const resolved = field.resolvedType;
  let problem: string | undefined;
  if (resolved instanceof protobuf.Type) {
    // A wrapper type (UInt32Value...) carries the scalar rules of what it wraps.
    problem =
      messageProblem(rules, value, present) ??
      (present && !isRecord(value) ? scalarProblem(rules, value) : undefined);
  } else if (resolved instanceof protobuf.Enum) {
    problem = scalarProblem(rules, present ? value : resolved.valuesById[0], enumNumberOf(resolved));
  } else {
    problem = scalarProblem(rules, present ? value : (SCALAR_DEFAULTS[field.type] ?? 0));
  }
  if (problem) errors.push(ruleError(path, problem, value, present));
}

function enumNumberOf(enumType: Enum): (name: string) => number {
  return (name) => enumType.values[name] ?? -1;
}

function checkCollectionRules(
  field: Field,
  rules: Rules,
  value: unknown,
  path: string,
  errors: ConfigError[],
): void {
  const present = value !== undefined;
  const entries: Array<[path: string, element: unknown, key: string]> = field.map
    ? Object.entries(isRecord(value) ? value : {}).map(([key, element]) => [
        joinMapKey(path, key),
        element,
        key,
      ])
    : (Array.isArray(value) ? value : []).map((element, index) => [joinPath(path, index), element, '']);
  const size = sizeProblem(rules, entries.length);
  if (size) errors.push(ruleError(path, size, entries.length, present));
  const perElement = elementRules(rules);
  const perKey = keyRules(rules);
  const enumNumber =
    field.resolvedType instanceof protobuf.Enum ? enumNumberOf(field.resolvedType) : undefined;
  for (const [at, element, key] of entries) {
    const elementProblem = perElement && scalarProblem(perElement, element, enumNumber);
    if (elementProblem) errors.push(ruleError(at, elementProblem, element, true));
    const keyProblem = perKey && field.map && scalarProblem(perKey, key);
    if (keyProblem) errors.push(ruleError(at, `map key ${keyProblem}`, key, true));
  }
  if (
    wantsUnique(rules) &&
    new Set(entries.map(([, element]) => JSON.stringify(element))).size < entries.length
  ) {
    errors.push(new ConfigError(path, 'list elements must be unique'));
  }
}
