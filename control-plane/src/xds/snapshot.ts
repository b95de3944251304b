// A snapshot is everything one proxy (or every proxy, under '*') should have: resources keyed by type
// URL then by name, under one version. Snapshots are treated as immutable once handed to the server;
// a change is a new snapshot with a new version.

export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

export type TypeUrl = string;
export type ResourceName = string;

export interface Snapshot {
  version: string;
  resources: Map<TypeUrl, Map<ResourceName, object>>;
}

/**
 * Types for which an empty resource_names list means "everything" (xDS "wildcard"). RDS and EDS are
 * always subscribed by name: their names come out of the listeners and clusters already received.
 */
export const WILDCARD_TYPES: ReadonlySet<TypeUrl> = new Set([LISTENER_TYPE, CLUSTER_TYPE]);

/** Resources given as lists, each named by its `name` (or `cluster_name` for a load assignment). */
export interface SnapshotResources {
  listeners?: readonly object[];
  routes?: readonly object[];
  clusters?: readonly object[];
  endpoints?: readonly object[];
}

export function resourceName(resource: object): string {
  const record = resource as { name?: unknown; cluster_name?: unknown };
  if (typeof record.name === 'string' && record.name !== '') return record.name;
  if (typeof record.cluster_name === 'string' && record.cluster_name !== '') return record.cluster_name;
  throw new Error('xDS resource has neither a name nor a cluster_name');
}

function byName(list: readonly object[] | undefined): Map<ResourceName, object> {
  const map = new Map<ResourceName, object>();
  for (const resource of list ?? []) {
    const name = resourceName(resource);
    if (map.has(name)) throw new Error(`duplicate xDS resource name ${name}`);
    map.set(name, resource);
  }
  return map;
}

/** Builds a snapshot holding all four types (an absent list is an empty type, not a missing one). */
export function createSnapshot(version: string, resources: SnapshotResources): Snapshot {
  return {
    version,
    resources: new Map([
      [LISTENER_TYPE, byName(resources.listeners)],
      [ROUTE_TYPE, byName(resources.routes)],
      [CLUSTER_TYPE, byName(resources.clusters)],
      [ENDPOINT_TYPE, byName(resources.endpoints)],
    ]),
  };
}

/** The resources of one type, empty if the snapshot does not hold that type. */
export function resourcesOf(snapshot: Snapshot, typeUrl: TypeUrl): ReadonlyMap<ResourceName, object> {
  return snapshot.resources.get(typeUrl) ?? new Map();
}

/**
 * The resources a subscription selects: all of them for a wildcard subscription, otherwise the
 * subscribed names that exist (state of the world for RDS/EDS sends only what was asked for).
 */
export function selectResources(
  snapshot: Snapshot,
  typeUrl: TypeUrl,
  names: ReadonlySet<ResourceName> | 'wildcard',
): Array<[ResourceName, object]> {
  const all = resourcesOf(snapshot, typeUrl);
  if (names === 'wildcard') return [...all];
  const selected: Array<[ResourceName, object]> = [];
  for (const name of names) {
    const resource = all.get(name);
    if (resource) selected.push([name, resource]);
  }
  return selected;
}
