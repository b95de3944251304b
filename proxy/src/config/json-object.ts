// A JSON object whose message type is not known to the reader. The compilers read Envoy messages
// through the generated types (proxy/src/compile/envoy-types.ts); this is left for the readers that
// still take untyped objects (http/cors/config.ts, cluster/lb/hash-policy.ts, cluster/breaker).
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
