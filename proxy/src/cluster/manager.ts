// Owns every endpoint pool and builds the Cluster objects for each config version. A pool whose
// endpoint disappears from the config is closed gracefully: in-flight requests finish first.
import type { ClusterTable } from '../compile/types.ts';
import { Cluster, type ClusterStats, newClusterStats } from './cluster.ts';
import { Endpoint, poolKey } from './endpoint.ts';

export class ClusterManager {
  private endpoints = new Map<string, Endpoint>();
  private stats = new Map<string, ClusterStats>();
  private clusters = new Map<string, Cluster>();

  /** Applies a config version's clusters; returns the new name → Cluster map. */
  update(tables: ReadonlyMap<string, ClusterTable>): ReadonlyMap<string, Cluster> {
    const nextEndpoints = new Map<string, Endpoint>();
    const nextClusters = new Map<string, Cluster>();
    for (const table of tables.values()) {
      const eps: Endpoint[] = [];
      for (const ep of table.endpoints) {
        const key = poolKey(table, ep);
        let endpoint = nextEndpoints.get(key) ?? this.endpoints.get(key);
        if (!endpoint) endpoint = new Endpoint(ep, key, table);
        endpoint.weight = ep.weight;
        nextEndpoints.set(key, endpoint);
        eps.push(endpoint);
      }
      let stats = this.stats.get(table.name);
      if (!stats) {
        stats = newClusterStats();
        this.stats.set(table.name, stats);
      }
      nextClusters.set(table.name, new Cluster(table, eps, stats));
    }
    for (const [key, endpoint] of this.endpoints) {
      if (!nextEndpoints.has(key)) void endpoint.close().catch(() => {});
    }
    for (const name of this.stats.keys()) if (!tables.has(name)) this.stats.delete(name);
    this.endpoints = nextEndpoints;
    this.clusters = nextClusters;
    return nextClusters;
  }

  get current(): ReadonlyMap<string, Cluster> {
    return this.clusters;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.endpoints.values()].map((e) => e.close()));
  }

  async destroy(): Promise<void> {
    await Promise.allSettled([...this.endpoints.values()].map((e) => e.destroy()));
  }
}
