// Turns the four xDS resource types into one consistent RuntimeConfig, resource by resource. Each
// response is decoded and validated per resource (resources.ts), then whatever it changed is
// compiled: a cluster with its load assignment, a listener with its RDS route configurations. A
// resource that fails is NACKed by name and keeps its last good version; the rest of the response
// goes ahead. Compiled tables are cached by the identity of the held resources they came from, so a
// resource re-sent unchanged is neither validated nor compiled again.
//
// `prepare` builds a candidate and changes nothing; the caller applies its config and then calls
// `commit`, or drops it (a failed apply leaves this state exactly as it was).

import type { ClusterTable, ListenerTable, RuntimeConfig } from '../compile/index.ts';
import { compileCluster, compileListener, MissingRouteConfig } from '../compile/index.ts';
import type { Obj } from '../config/index.ts';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './ads-client.ts';
import type { EncodedAny } from './decode.ts';
import {
  decodeResponse,
  formatResourceErrors,
  type HeldResource,
  KINDS,
  problemsOf,
  type ResourceError,
} from './resources.ts';

type ResourceMaps = Record<string, ReadonlyMap<string, HeldResource>>;

interface CompiledCluster {
  readonly resource: HeldResource;
  readonly assignment: HeldResource | undefined;
  readonly table: ClusterTable;
}

interface CompiledListener {
  readonly resource: HeldResource;
  readonly routes: readonly (HeldResource | undefined)[];
  /** undefined while warming: a route configuration it names has not arrived. */
  readonly table: ListenerTable | undefined;
}

export interface Subscriptions {
  routeNames: string[];
  edsNames: string[];
}

/** Counts since start, for tests and debugging: what was validated and compiled, not reused. */
export interface XdsConfigCounters {
  validated: number;
  clustersCompiled: number;
  listenersCompiled: number;
}

/** A candidate state after one response; nothing changes until `commit`. */
export interface XdsUpdate {
  readonly config: RuntimeConfig;
  readonly subscriptions: Subscriptions;
  /** The resources rejected (each keeps its last good version); empty when all were accepted. */
  readonly errors: readonly ResourceError[];
  /** The NACK's error_detail ('' when nothing was rejected): one line per problem, by resource. */
  readonly errorDetail: string;
  /** false when the response changes nothing held (a repeat): there is nothing to apply. */
  readonly changed: boolean;
  commit(): void;
}

/** Thrown (as a bug, not a NACK of one resource) when the held state itself does not compile. */
class Uncompilable extends Error {}

export class XdsConfig {
  private held: ResourceMaps = {
    [LISTENER_TYPE]: new Map(),
    [ROUTE_TYPE]: new Map(),
    [CLUSTER_TYPE]: new Map(),
    [ENDPOINT_TYPE]: new Map(),
  };
  private clusters: ReadonlyMap<string, CompiledCluster> = new Map();
  private listeners: ReadonlyMap<string, CompiledListener> = new Map();
  /** Per kind, the last version accepted whole (what ACKs and NACKs report). */
  private versions: Record<string, string> = {};
  readonly counters: XdsConfigCounters = { validated: 0, clustersCompiled: 0, listenersCompiled: 0 };

  prepare(typeUrl: string, encoded: readonly EncodedAny[], version: string): XdsUpdate {
    const kind = KINDS[typeUrl];
    if (!kind) throw new Error(`unexpected resource type ${typeUrl}`);
    const decoded = decodeResponse(kind, encoded, this.held[typeUrl]!);
    this.counters.validated += decoded.validated;
    const mine = decoded.next;
    const resources: ResourceMaps = { ...this.held, [typeUrl]: mine };
    const errors = decoded.errors;
    /** Puts a resource of this response back to its held version; false if it already was. */
    const restore = (name: string, err: unknown): void => {
      const held = this.held[typeUrl]!.get(name);
      if (mine.get(name) === held) throw new Uncompilable(problemsOf(err).join('; '));
      errors.push({ name, problems: problemsOf(err) });
      if (held) mine.set(name, held);
      else mine.delete(name);
    };
    const clusters = this.compileClusters(typeUrl, resources, restore);
    const listeners = this.compileListeners(typeUrl, resources, new Set(clusters.keys()), restore);
    const changed = !sameEntries(mine, this.held[typeUrl]!);
    const versions = errors.length === 0 ? { ...this.versions, [kind.kind]: version } : this.versions;
    return {
      config: runtimeConfig(resources, clusters, listeners, versions),
      subscriptions: subscriptionsOf(resources),
      errors,
      errorDetail: formatResourceErrors(kind, errors),
      changed,
      commit: () => {
        this.held = resources;
        this.clusters = clusters;
        this.listeners = listeners;
        this.versions = versions;
      },
    };
  }

  /**
   * All or nothing, for callers that take a response whole (tools, tests): throws with every
   * problem (one per line) and changes nothing if any resource fails, else commits at once.
   */
  accept(
    typeUrl: string,
    encoded: readonly EncodedAny[],
    version: string,
  ): { config: RuntimeConfig; subscriptions: Subscriptions } {
    const update = this.prepare(typeUrl, encoded, version);
    if (update.errors.length > 0) throw new Error(update.errors.flatMap((e) => e.problems).join('\n'));
    update.commit();
    return { config: update.config, subscriptions: update.subscriptions };
  }

  private compileClusters(
    typeUrl: string,
    resources: ResourceMaps,
    restore: (name: string, err: unknown) => void,
  ): Map<string, CompiledCluster> {
    const fresh = new Map<string, CompiledCluster>();
    for (;;) {
      const out = new Map<string, CompiledCluster>();
      let retry = false;
      for (const [name, resource] of resources[CLUSTER_TYPE]!) {
        const serviceName = edsServiceName(resource.value);
        const assignment = serviceName === undefined ? undefined : resources[ENDPOINT_TYPE]!.get(serviceName);
        const known = [this.clusters.get(name), fresh.get(name)].find(
          (c) => c?.resource === resource && c.assignment === assignment,
        );
        if (known) {
          out.set(name, known);
          continue;
        }
        let table: ClusterTable;
        try {
          const assignments = assignment ? new Map([[serviceName!, assignment.value]]) : undefined;
          table = compileCluster(resource.value, `Cluster(${name})`, assignments);
          this.counters.clustersCompiled++;
        } catch (err) {
          // only this response's resources changed, so one of them is the cause
          if (typeUrl === CLUSTER_TYPE) restore(name, err);
          else if (typeUrl === ENDPOINT_TYPE && serviceName !== undefined) restore(serviceName, err);
          else throw err;
          retry = true;
          break;
        }
        const compiled = { resource, assignment, table };
        fresh.set(name, compiled);
        out.set(name, compiled);
      }
      if (!retry) return out;
    }
  }

  private compileListeners(
    typeUrl: string,
    resources: ResourceMaps,
    clusterNames: ReadonlySet<string>,
    restore: (name: string, err: unknown) => void,
  ): Map<string, CompiledListener> {
    const fresh = new Map<string, CompiledListener>();
    const routeMap = resources[ROUTE_TYPE]!;
    for (;;) {
      const out = new Map<string, CompiledListener>();
      let retry = false;
      for (const [name, resource] of resources[LISTENER_TYPE]!) {
        const routeNames = routeNamesOf(resource.value);
        const routes = routeNames.map((n) => routeMap.get(n));
        const known = [this.listeners.get(name), fresh.get(name)].find(
          (l) => l?.resource === resource && sameList(l.routes, routes),
        );
        if (known) {
          out.set(name, known);
          continue;
        }
        // A route configuration not received yet stands in as an empty one: the listener is
        // checked now (and NACKed now if wrong) but serves only once its routes arrive (warming).
        const given = new Map<string, Obj>(routeNames.map((n, i) => [n, routes[i]?.value ?? { name: n }]));
        let table: ListenerTable | undefined;
        try {
          table = compileListener(resource.value, `Listener(${name})`, clusterNames, given);
          this.counters.listenersCompiled++;
        } catch (err) {
          if (err instanceof MissingRouteConfig) table = undefined;
          else {
            if (typeUrl === LISTENER_TYPE) restore(name, err);
            else if (typeUrl === ROUTE_TYPE) {
              const changed = routeNames.filter((n) => routeMap.get(n) !== this.held[ROUTE_TYPE]!.get(n));
              if (changed.length === 0) throw err;
              for (const n of changed) restore(n, err);
            } else throw err;
            retry = true;
            break;
          }
        }
        const compiled = { resource, routes, table: routes.every(Boolean) ? table : undefined };
        fresh.set(name, compiled);
        out.set(name, compiled);
      }
      if (!retry) return out;
    }
  }
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function edsServiceName(cluster: Obj): string | undefined {
  if (cluster.type !== 'EDS') return undefined;
  const name = (cluster.eds_cluster_config as Obj | undefined)?.service_name;
  return typeof name === 'string' && name !== '' ? name : String(cluster.name ?? '');
}

/** The RDS route configuration names a listener's connection managers use. */
function routeNamesOf(listener: Obj): string[] {
  const names = new Set<string>();
  const chains = (listener.filter_chains as Obj[] | undefined) ?? [];
  const fallback = listener.default_filter_chain as Obj | undefined;
  for (const chain of fallback ? [...chains, fallback] : chains) {
    for (const filter of (chain.filters as Obj[] | undefined) ?? []) {
      const rds = (filter.typed_config as Obj | undefined)?.rds as Obj | undefined;
      if (rds?.route_config_name) names.add(String(rds.route_config_name));
    }
  }
  return [...names];
}

function subscriptionsOf(resources: ResourceMaps): Subscriptions {
  const routeNames = new Set<string>();
  for (const l of resources[LISTENER_TYPE]!.values())
    for (const n of routeNamesOf(l.value)) routeNames.add(n);
  const edsNames = new Set<string>();
  for (const c of resources[CLUSTER_TYPE]!.values()) {
    const service = edsServiceName(c.value);
    if (service !== undefined) edsNames.add(service);
  }
  return { routeNames: [...routeNames], edsNames: [...edsNames] };
}

function runtimeConfig(
  resources: ResourceMaps,
  clusters: ReadonlyMap<string, CompiledCluster>,
  listeners: ReadonlyMap<string, CompiledListener>,
  versions: Record<string, string>,
): RuntimeConfig {
  const clusterTables = new Map<string, ClusterTable>();
  for (const [name, c] of clusters) clusterTables.set(name, c.table);
  const listenerTables: ListenerTable[] = [];
  for (const l of listeners.values()) if (l.table) listenerTables.push(l.table);
  const version = Object.entries(versions)
    .map(([kind, v]) => `${kind}:${v}`)
    .join(',');
  return { version, listeners: listenerTables, clusters: clusterTables, source: dumpOf(resources) };
}

/** /config_dump for xDS: the accepted resources by type, as proto3 JSON. */
function dumpOf(resources: ResourceMaps): unknown {
  return Object.fromEntries(
    Object.entries(resources).map(([type, map]) => [type, [...map.values()].map((r) => r.value)]),
  );
}
