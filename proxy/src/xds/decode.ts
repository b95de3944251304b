// xDS resources arrive protobuf-encoded inside google.protobuf.Any. The compilers read proto3 JSON
// (snake_case, Durations as "1.5s", wrappers as bare scalars, Any as {"@type", ...}) — the same form
// a bootstrap file has — so each resource is turned into exactly that before validation.
import protobuf, { type Field, type Type } from 'protobufjs';
import { ConfigError, findMessageType } from '../config/index.ts';

const TYPE_PREFIX = 'type.googleapis.com/';
const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

type Msg = Record<string, unknown>;

export interface EncodedAny {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export function messageTypeOf(typeUrl: string): Type {
  const name = typeUrl.startsWith(TYPE_PREFIX) ? typeUrl.slice(TYPE_PREFIX.length) : typeUrl;
  const type = findMessageType(name);
  if (!type) throw new ConfigError('@type', `unknown resource type ${typeUrl}`, 'unknown-field');
  return type;
}

/** Decodes one Any into proto3 JSON with `@type` (the form validateEnvoyMessage takes). */
export function decodeAny(any: EncodedAny): Msg {
  const type = messageTypeOf(any.type_url);
  const message = type.decode(any.value) as unknown as Msg;
  return { '@type': any.type_url, ...toJson(type, message) };
}

function fullName(type: { fullName: string }): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

function toJson(type: Type, message: Msg): Msg {
  const out: Msg = {};
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(message, field.name)) continue;
    const value = message[field.name];
    if (value === null || value === undefined) continue;
    if (field.map) {
      const entries = Object.entries(value as Msg);
      if (entries.length === 0) continue;
      out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, convert(field, v)]));
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[field.name] = list.map((v) => convert(field, v));
    } else out[field.name] = convert(field, value);
  }
  return out;
}

function convert(field: Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    return typeof value === 'number' ? (resolved.valuesById[value] ?? value) : value;
  }
  if (resolved instanceof protobuf.Type) return convertMessage(resolved, value as Msg);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    return Number(String(value)); // protobufjs Long
  }
  return value;
}

function convertMessage(type: Type, message: Msg): unknown {
  const name = fullName(type);
  if (name === 'google.protobuf.Duration') {
    const seconds = Number(String(message.seconds ?? 0));
    const nanos = Number(message.nanos ?? 0);
    return nanos === 0 ? `${seconds}s` : `${seconds}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}s`;
  }
  if (WRAPPERS.has(name)) return convert(type.fields.value!, message.value ?? defaultOf(name));
  if (name === 'google.protobuf.Any') return decodeAny(message as unknown as EncodedAny);
  if (name === 'google.protobuf.Struct') return structToJson(message);
  if (name === 'google.protobuf.Value') return valueToJson(message);
  if (name === 'google.protobuf.ListValue')
    return ((message.values as Msg[] | undefined) ?? []).map(valueToJson);
  return toJson(type, message);
}

function defaultOf(wrapper: string): unknown {
  if (wrapper === 'google.protobuf.BoolValue') return false;
  if (wrapper === 'google.protobuf.StringValue') return '';
  if (wrapper === 'google.protobuf.BytesValue') return new Uint8Array();
  return 0;
}

function structToJson(message: Msg): Msg {
  const fields = (message.fields as Record<string, Msg> | undefined) ?? {};
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueToJson(v)]));
}

function valueToJson(v: Msg): unknown {
  if ('struct_value' in v) return structToJson(v.struct_value as Msg);
  if ('list_value' in v) return ((v.list_value as Msg).values as Msg[] | undefined)?.map(valueToJson) ?? [];
  if ('string_value' in v) return v.string_value;
  if ('number_value' in v) return v.number_value;
  if ('bool_value' in v) return v.bool_value;
  return null;
}
