// One response's resources, decoded and validated one by one (as grpc-js-xds does): a resource that
// fails is reported by name and keeps its last good version, while the others of the same response
// go ahead. A resource whose bytes (or, failing that, decoded form) equal the one held is not
// validated again: the held entry is reused as is, and the compile cache keys on that identity.
import type { Obj } from '../config/index.ts';
import { ConfigErrors, checkSupported, validateEnvoyMessage } from '../config/index.ts';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './ads-client.ts';
import { decodeAny, type EncodedAny } from './decode.ts';

export interface ResourceKind {
  /** How error_detail names the resource type, e.g. `cluster "outbound|80||reviews"`. */
  readonly label: string;
  /** Envoy's message name, which also prefixes field paths: `Cluster(name).connect_timeout`. */
  readonly kind: string;
  readonly message: string;
  readonly nameField: string;
}

export const KINDS: Readonly<Record<string, ResourceKind>> = {
  [LISTENER_TYPE]: {
    label: 'listener',
    kind: 'Listener',
    message: 'envoy.config.listener.v3.Listener',
    nameField: 'name',
  },
  [ROUTE_TYPE]: {
    label: 'route_configuration',
    kind: 'RouteConfiguration',
    message: 'envoy.config.route.v3.RouteConfiguration',
    nameField: 'name',
  },
  [CLUSTER_TYPE]: {
    label: 'cluster',
    kind: 'Cluster',
    message: 'envoy.config.cluster.v3.Cluster',
    nameField: 'name',
  },
  [ENDPOINT_TYPE]: {
    label: 'cluster_load_assignment',
    kind: 'ClusterLoadAssignment',
    message: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
    nameField: 'cluster_name',
  },
};

/** A resource as accepted: validated proto3 JSON, and what it arrived as (to spot repeats). */
export interface HeldResource {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The decoded form before validation, as JSON text (a second, encoding-independent equality). */
  readonly decoded: string;
  readonly value: Obj;
}

/** One rejected resource: its name (or `#index` when it has none) and every problem found. */
export interface ResourceError {
  readonly name: string;
  readonly problems: readonly string[];
}

export interface DecodedResponse {
  /** The type's resources after this response: new valid ones, held ones for repeats and rejects. */
  readonly next: Map<string, HeldResource>;
  readonly errors: ResourceError[];
  /** How many resources were validated (not reused as byte- or deep-equal repeats). */
  readonly validated: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

export function problemsOf(err: unknown): string[] {
  if (err instanceof ConfigErrors) return err.errors.map((e) => e.message);
  if (err instanceof Error) return [err.message];
  return [String(err)];
}

/**
 * Decodes and validates each resource of one state-of-the-world response against what is held. A
 * resource left out of the response is gone; one that fails keeps its held version (none if new).
 */
export function decodeResponse(
  kind: ResourceKind,
  encoded: readonly EncodedAny[],
  held: ReadonlyMap<string, HeldResource>,
): DecodedResponse {
  const next = new Map<string, HeldResource>();
  const errors: ResourceError[] = [];
  let validated = 0;
  const reject = (name: string, problems: string[]): void => {
    errors.push({ name, problems });
    const previous = held.get(name);
    if (previous) next.set(name, previous);
    else next.delete(name);
  };
  const seen = new Set<string>();
  for (const [i, any] of encoded.entries()) {
    let json: Obj;
    try {
      json = decodeAny(any);
    } catch (err) {
      errors.push({ name: `#${i}`, problems: problemsOf(err) });
      continue;
    }
    const { '@type': _type, ...fields } = json;
    const rawName = fields[kind.nameField];
    if (typeof rawName !== 'string' || rawName === '') {
      errors.push({ name: `#${i}`, problems: [`${kind.nameField} is required`] });
      continue;
    }
    const name = rawName;
    if (seen.has(name)) {
      reject(name, [`the response holds more than one ${kind.label} named "${name}"`]);
      continue;
    }
    seen.add(name);
    const previous = held.get(name);
    const decoded =
      previous && sameBytes(previous.bytes, any.value) ? previous.decoded : JSON.stringify(fields);
    if (previous && previous.decoded === decoded) {
      next.set(name, previous);
      continue;
    }
    validated++;
    const path = `${kind.kind}(${name})`;
    const { value, errors: invalid } = validateEnvoyMessage(fields, kind.message, path);
    const unsupported = invalid.length === 0 ? checkSupported(value, kind.message, path) : [];
    const problems = [...invalid, ...unsupported].map((e) => e.message);
    if (problems.length > 0) reject(name, problems);
    else next.set(name, { name, bytes: Buffer.from(any.value), decoded, value });
  }
  return { next, errors, validated };
}

/** error_detail for a NACK: one line per problem, each naming its resource. */
export function formatResourceErrors(kind: ResourceKind, errors: readonly ResourceError[]): string {
  return errors
    .flatMap((e) => e.problems.map((problem) => `${kind.label} "${e.name}": ${problem}`))
    .join('\n');
}
