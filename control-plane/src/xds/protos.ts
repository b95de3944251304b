// Envoy's protos for the ADS server: the gRPC service definition (through proto-loader) and the
// resource message types (through protobufjs) used to encode each resource into its Any. Both come
// from the copy shipped inside @grpc/grpc-js-xds (DESIGN §2: never copied into this repo), resolved
// the same way as proxy/src/config/proto-root.ts; the control plane does not import proxy internals.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import protobuf, { type Root, type Type } from 'protobufjs';

const DEP_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'];
const ADS_PROTO = 'envoy/service/discovery/v3/ads.proto';

/** Resource protos loaded up front; Listener's filters are Anys, so HCM and the router come too. */
const RESOURCE_FILES = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
];

/** The loader options of the brief: field names as on the wire, 64-bit ints and enums as strings. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
} as const;

export const TYPE_PREFIX = 'type.googleapis.com/';

let includeDirs: string[] | undefined;
let resourceRoot: Root | undefined;
let adsService: ServiceDefinition | undefined;

export function protoIncludeDirs(): string[] {
  if (includeDirs) return includeDirs;
  const require = createRequire(import.meta.url);
  const xdsDir = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  // protobufjs ships google/protobuf/descriptor.proto, which the validate/annotation protos import.
  const protobufDir = path.dirname(require.resolve('protobufjs/package.json'));
  includeDirs = [...DEP_DIRS.map((dir) => path.join(xdsDir, 'deps', dir)), protobufDir];
  return includeDirs;
}

/** The AggregatedDiscoveryService definition, shared by the server and by test clients. */
export function adsServiceDefinition(): ServiceDefinition {
  if (adsService) return adsService;
  const definition = loadSync(ADS_PROTO, { ...PROTO_LOADER_OPTIONS, includeDirs: protoIncludeDirs() });
  const grpcObject = loadPackageDefinition(definition);
  const service = lookupPath(grpcObject, 'envoy.service.discovery.v3.AggregatedDiscoveryService');
  if (typeof service !== 'function' || !('service' in service)) {
    throw new Error('ads.proto did not define envoy.service.discovery.v3.AggregatedDiscoveryService');
  }
  adsService = service.service as ServiceDefinition;
  return adsService;
}

function lookupPath(root: unknown, dotted: string): unknown {
  let node = root;
  for (const part of dotted.split('.')) {
    if ((typeof node !== 'object' && typeof node !== 'function') || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function root(): Root {
  if (resourceRoot) return resourceRoot;
  const dirs = protoIncludeDirs();
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) => {
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  loaded.loadSync(RESOURCE_FILES, { keepCase: true });
  loaded.resolveAll();
  resourceRoot = loaded;
  return loaded;
}

/** The message type a type URL names, loading its package on demand; throws if there is none. */
export function messageTypeFor(typeUrl: string): Type {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const loaded = root();
  let found = loaded.lookup(`.${name}`);
  if (!(found instanceof protobuf.Type) && /^[A-Za-z_][\w.]*$/.test(name)) {
    loadPackageOf(loaded, name);
    found = loaded.lookup(`.${name}`);
  }
  if (!(found instanceof protobuf.Type)) throw new Error(`no protobuf message type for type URL ${typeUrl}`);
  return found;
}

/**
 * Loads the .proto files of the directory that holds `fullName`'s package (Envoy keeps one package
 * per directory: `envoy.extensions.filters.http.fault.v3.HTTPFault` → `envoy/extensions/filters/
 * http/fault/v3/`), trying shorter prefixes for nested messages.
 */
function loadPackageOf(loaded: Root, fullName: string): void {
  const parts = fullName.split('.');
  for (let end = parts.length - 1; end > 0; end--) {
    const relativeDir = parts.slice(0, end).join('/');
    for (const dir of protoIncludeDirs()) {
      const packageDir = path.join(dir, relativeDir);
      if (!existsSync(packageDir)) continue;
      const files = readdirSync(packageDir).filter((file) => file.endsWith('.proto'));
      if (files.length === 0) continue;
      loaded.loadSync(
        files.map((file) => `${relativeDir}/${file}`),
        { keepCase: true },
      );
      loaded.resolveAll();
      return;
    }
  }
}

/**
 * protobufjs silently encodes an `{ '@type': url }` Any whose type it does not know as an empty
 * Any, so every nested `@type` is resolved (loading its package) before encoding, or rejected.
 */
function resolveNestedAnys(value: unknown, depth = 0): void {
  if (depth > 64 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) resolveNestedAnys(item, depth + 1);
    return;
  }
  for (const [key, field] of Object.entries(value)) {
    if (key === '@type' && typeof field === 'string') messageTypeFor(field);
    else resolveNestedAnys(field, depth + 1);
  }
}

/**
 * Encodes one resource (a proto3 JSON-like object with snake_case fields; nested Anys may be given
 * as `{ '@type': url, ...fields }`) into the bytes of an Any's value. Enums may be names, 64-bit
 * integers strings. `Type.verify` is not used: it rejects enum names, which fromObject accepts.
 */
export function encodeResource(typeUrl: string, resource: object): Buffer {
  const type = messageTypeFor(typeUrl);
  resolveNestedAnys(resource);
  const bytes = type.encode(type.fromObject(resource as Record<string, unknown>)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes an Any value back into a plain object (used by tests and debug endpoints). */
export function decodeResource(typeUrl: string, value: Uint8Array): Record<string, unknown> {
  const type = messageTypeFor(typeUrl);
  return type.toObject(type.decode(value), { longs: String, enums: String, json: true }) as Record<
    string,
    unknown
  >;
}
