// Turns the four xDS resource types into one consistent RuntimeConfig. Each response is validated
// whole (schema, supported fields) and compiled together with the other types before it is
// accepted, so a bad update is NACKed and the last good config keeps running. Listeners wait
// (warm) until their RDS route configuration has arrived; EDS clusters start without endpoints.

import type { ClusterTable, ListenerTable, RuntimeConfig } from '../compile/index.ts';
import { compileCluster, compileListener, MissingRouteConfig } from '../compile/index.ts';
import type { Obj } from '../config/index.ts';
import { type ConfigError, ConfigErrors, checkSupported, validateEnvoyMessage } from '../config/index.ts';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './ads-client.ts';
import { decodeAny, type EncodedAny } from './decode.ts';

const KIND: Record<string, { kind: string; message: string; nameField: string }> = {
  [LISTENER_TYPE]: { kind: 'Listener', message: 'envoy.config.listener.v3.Listener', nameField: 'name' },
  [ROUTE_TYPE]: {
    kind: 'RouteConfiguration',
    message: 'envoy.config.route.v3.RouteConfiguration',
    nameField: 'name',
  },
  [CLUSTER_TYPE]: { kind: 'Cluster', message: 'envoy.config.cluster.v3.Cluster', nameField: 'name' },
  [ENDPOINT_TYPE]: {
    kind: 'ClusterLoadAssignment',
    message: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
    nameField: 'cluster_name',
  },
};

type ResourceMaps = Record<string, ReadonlyMap<string, Obj>>;

export interface Subscriptions {
  routeNames: string[];
  edsNames: string[];
}

export class XdsConfig {
  private resources: ResourceMaps = {
    [LISTENER_TYPE]: new Map(),
    [ROUTE_TYPE]: new Map(),
    [CLUSTER_TYPE]: new Map(),
    [ENDPOINT_TYPE]: new Map(),
  };
  private readonly versions: Record<string, string> = {};

  /**
   * Validates and compiles one response's resources with everything else held; throws
   * ConfigErrors (→ NACK) and changes nothing when any resource is invalid.
   */
  accept(
    typeUrl: string,
    encoded: readonly EncodedAny[],
    version: string,
  ): { config: RuntimeConfig; subscriptions: Subscriptions } {
    const spec = KIND[typeUrl];
    if (!spec) throw new Error(`unexpected resource type ${typeUrl}`);
    const next = new Map<string, Obj>();
    const errors: ConfigError[] = [];
    encoded.forEach((any, i) => {
      let json: Obj;
      try {
        json = decodeAny(any);
      } catch (err) {
        errors.push(...asErrors(err));
        return;
      }
      const { '@type': _type, ...fields } = json;
      const name = String(fields[spec.nameField] ?? `#${i}`);
      const path = `${spec.kind}(${name})`;
      const { value, errors: invalid } = validateEnvoyMessage(fields, spec.message, path);
      errors.push(...invalid);
      if (invalid.length === 0) errors.push(...checkSupported(value, spec.message, path));
      next.set(name, value);
    });
    if (errors.length > 0) throw new ConfigErrors(errors);
    const candidate = { ...this.resources, [typeUrl]: next };
    const versions = { ...this.versions, [spec.kind]: version };
    const config = compileAll(candidate, versions);
    this.resources = candidate;
    Object.assign(this.versions, versions);
    return { config, subscriptions: subscriptionsOf(candidate) };
  }
}

function asErrors(err: unknown): ConfigError[] {
  if (err instanceof ConfigErrors) return [...err.errors];
  throw err;
}

function compileAll(resources: ResourceMaps, versions: Record<string, string>): RuntimeConfig {
  const assignments = resources[ENDPOINT_TYPE]!;
  const clusters = new Map<string, ClusterTable>();
  for (const [name, c] of resources[CLUSTER_TYPE]!)
    clusters.set(name, compileCluster(c, `Cluster(${name})`, assignments));
  const clusterNames = new Set(clusters.keys());
  const listeners: ListenerTable[] = [];
  for (const [name, l] of resources[LISTENER_TYPE]!) {
    try {
      listeners.push(compileListener(l, `Listener(${name})`, clusterNames, resources[ROUTE_TYPE]));
    } catch (err) {
      if (err instanceof MissingRouteConfig) continue; // warming: serves once its routes arrive
      throw err;
    }
  }
  const version = Object.entries(versions)
    .map(([kind, v]) => `${kind}:${v}`)
    .join(',');
  return { version, listeners, clusters, source: dumpOf(resources) };
}

function subscriptionsOf(resources: ResourceMaps): Subscriptions {
  const routeNames = new Set<string>();
  for (const l of resources[LISTENER_TYPE]!.values()) {
    const chains = (l.filter_chains as Obj[] | undefined) ?? [];
    const fallback = l.default_filter_chain as Obj | undefined;
    for (const chain of fallback ? [...chains, fallback] : chains) {
      for (const filter of (chain.filters as Obj[] | undefined) ?? []) {
        const rds = (filter.typed_config as Obj | undefined)?.rds as Obj | undefined;
        if (rds?.route_config_name) routeNames.add(String(rds.route_config_name));
      }
    }
  }
  const edsNames = new Set<string>();
  for (const [name, c] of resources[CLUSTER_TYPE]!) {
    if (c.type === 'EDS')
      edsNames.add(String((c.eds_cluster_config as Obj | undefined)?.service_name || name));
  }
  return { routeNames: [...routeNames], edsNames: [...edsNames] };
}

/** /config_dump for xDS: the accepted resources by type, as proto3 JSON. */
function dumpOf(resources: ResourceMaps): unknown {
  return Object.fromEntries(Object.entries(resources).map(([type, map]) => [type, [...map.values()]]));
}
