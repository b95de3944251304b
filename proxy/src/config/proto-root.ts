// Envoy's API protos, parsed once and kept. The protos come from the copy shipped inside
// @grpc/grpc-js-xds (DESIGN §2: never copied into this repo). Parsing the bootstrap closure takes
// ~200 ms, so it happens on first use rather than at import time; a type outside that closure (an
// Any naming, say, the CORS filter) pulls in its own package on demand, so that every real Envoy type
// can be validated and then reported as unsupported rather than as unknown.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf, { type Root, type Type } from 'protobufjs';

const INITIAL_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/buffer/v3/buffer.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
];

const DEP_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'];

let cachedRoot: Root | undefined;
let includeDirs: string[] = [];
/** Packages already tried on demand, so a miss costs a directory probe only once. */
const probedPackages = new Set<string>();

export function protoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const xdsDir = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  // protobufjs ships google/protobuf/descriptor.proto (needed by the option protos); the other
  // google/protobuf types (Any, Duration, Struct, wrappers) are built into protobufjs.
  const protobufDir = path.dirname(require.resolve('protobufjs/package.json'));
  return [...DEP_DIRS.map((dir) => path.join(xdsDir, 'deps', dir)), protobufDir];
}

function envoyRoot(): Root {
  if (cachedRoot) return cachedRoot;
  includeDirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(INITIAL_FILES, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

function lookupLoaded(root: Root, fullName: string): Type | undefined {
  const found = root.lookup(fullName.startsWith('.') ? fullName : `.${fullName}`);
  return found instanceof protobuf.Type ? found : undefined;
}

/**
 * Loads every .proto of the package that would hold `fullName` (`a.b.v3.Msg` → `a/b/v3/*.proto`,
 * trying shorter prefixes for nested messages). Envoy keeps one package per directory.
 */
function loadPackageOf(root: Root, fullName: string): void {
  const parts = fullName.split('.');
  for (let end = parts.length - 1; end > 0; end--) {
    const pkg = parts.slice(0, end).join('.');
    if (probedPackages.has(pkg)) continue;
    probedPackages.add(pkg);
    const relativeDir = parts.slice(0, end).join('/');
    for (const dir of includeDirs) {
      const packageDir = path.join(dir, relativeDir);
      if (!existsSync(packageDir)) continue;
      const files = readdirSync(packageDir)
        .filter((name) => name.endsWith('.proto'))
        .map((name) => `${relativeDir}/${name}`);
      if (files.length === 0) continue;
      root.loadSync(files, { keepCase: true });
      root.resolveAll();
      return;
    }
  }
}

/** The message type `fullName` (no leading dot), loading its package if it is not loaded yet. */
export function findMessageType(fullName: string): Type | undefined {
  const root = envoyRoot();
  const loaded = lookupLoaded(root, fullName);
  if (loaded || !/^[A-Za-z_][\w.]*$/.test(fullName)) return loaded;
  try {
    loadPackageOf(root, fullName);
  } catch {
    // A package that does not parse is as good as absent: the caller reports the type as unknown.
    return undefined;
  }
  return lookupLoaded(root, fullName);
}

/** Full names (no leading dot) of every message type loaded so far; used for "did you mean". */
export function loadedMessageTypeNames(): string[] {
  const names: string[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) names.push(nested.fullName.slice(1));
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(envoyRoot());
  return names;
}

/** Full name of a type or enum without protobufjs's leading dot. */
export function fullNameOf(type: { readonly fullName: string }): string {
  return type.fullName.replace(/^\./, '');
}
