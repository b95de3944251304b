// Owns every endpoint pool and builds the Cluster objects for each config version. Hosts, their
// stats, the circuit-breaker counters and outlier detection outlive versions, so a push never
// resets a breaker or forgets an ejection; a host that disappears from the config is closed
// gracefully (in-flight requests finish first).
import type { ClusterTable } from '../compile/types.ts';
import { log } from '../log.ts';
import { Admission } from './admission.ts';
import { ClusterBreakers } from './breaker/index.ts';
import { Cluster, type ClusterState, newClusterStats } from './cluster.ts';
import { Endpoint, poolKey } from './endpoint.ts';
import { HealthChecker } from './health/index.ts';
import { OutlierDetector, type OutlierEvent } from './outlier/index.ts';

interface KeptState extends ClusterState {
  /** The config the breakers and detector were built from, to rebuild them only when it changes. */
  readonly breakersConfig: string;
  readonly outlierConfig: string;
  readonly healthConfig: string;
}

export class ClusterManager {
  private endpoints = new Map<string, Endpoint>();
  private states = new Map<string, KeptState>();
  private clusters = new Map<string, Cluster>();

  /** Applies a config version's clusters; returns the new name → Cluster map. */
  update(tables: ReadonlyMap<string, ClusterTable>): ReadonlyMap<string, Cluster> {
    const nextEndpoints = new Map<string, Endpoint>();
    const nextClusters = new Map<string, Cluster>();
    const nextStates = new Map<string, KeptState>();
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
      const state = this.stateFor(table, eps);
      nextStates.set(table.name, state);
      nextClusters.set(table.name, new Cluster(table, eps, state));
    }
    for (const [key, endpoint] of this.endpoints) {
      if (!nextEndpoints.has(key)) void endpoint.close().catch(() => {});
    }
    for (const [name, state] of this.states) {
      const next = nextStates.get(name);
      if (next?.outlier !== state.outlier) state.outlier?.close();
      if (next?.healthChecker !== state.healthChecker) state.healthChecker?.close();
    }
    this.endpoints = nextEndpoints;
    this.states = nextStates;
    this.clusters = nextClusters;
    return nextClusters;
  }

  private stateFor(table: ClusterTable, endpoints: readonly Endpoint[]): KeptState {
    const previous = this.states.get(table.name);
    const breakersConfig = JSON.stringify(table.breakers);
    const outlierConfig = JSON.stringify(table.outlier ?? null);
    const admission =
      previous && previous.breakersConfig === breakersConfig
        ? previous.admission
        : new Admission(new ClusterBreakers(table.breakers).forPriority('DEFAULT'), table.protocol === 'h1');
    let outlier = previous?.outlierConfig === outlierConfig ? previous.outlier : undefined;
    if (!outlier && table.outlier) {
      outlier = new OutlierDetector<Endpoint>(table.outlier, {
        onEvent: (e) => this.onOutlierEvent(table.name, e),
      });
    }
    if (!outlier) for (const endpoint of endpoints) endpoint.ejected = false;
    outlier?.setHosts(endpoints);
    const stats = previous?.stats ?? newClusterStats();
    const healthConfig = JSON.stringify(table.healthCheck ?? null);
    let healthChecker = previous?.healthConfig === healthConfig ? previous.healthChecker : undefined;
    if (!healthChecker && table.healthCheck) {
      healthChecker = new HealthChecker<Endpoint>(table.healthCheck, {
        clusterName: table.name,
        hasTraffic: () => stats.rqTotal > 0,
        onChange: (host, healthy, reason) => this.onHealthChange(table.name, host, healthy, reason),
      });
    }
    if (healthChecker) {
      // Hosts new to the checker fail until their first check passes (Envoy's FAILED_ACTIVE_HC).
      for (const endpoint of endpoints) endpoint.failedHealthCheck = !healthChecker.isHealthy(endpoint);
      healthChecker.setHosts(endpoints);
    } else for (const endpoint of endpoints) endpoint.failedHealthCheck = false;
    return { stats, admission, outlier, healthChecker, breakersConfig, outlierConfig, healthConfig };
  }

  private onHealthChange(cluster: string, host: Endpoint, healthy: boolean, reason: string): void {
    host.failedHealthCheck = !healthy;
    log.info({ cluster, host: host.id, healthy, reason }, 'active health check');
    this.clusters.get(cluster)?.healthChanged();
  }

  private onOutlierEvent(cluster: string, event: OutlierEvent<Endpoint>): void {
    const host = event.host;
    if (event.action === 'eject') {
      if (!event.enforced) return;
      host.ejected = true;
      log.info(
        {
          cluster,
          host: host.id,
          type: event.type,
          ejections: event.numEjections,
          durationMs: event.durationMs,
        },
        'outlier ejected',
      );
    } else {
      host.ejected = false;
      log.info({ cluster, host: host.id, ejectedForMs: event.ejectedForMs }, 'outlier returned');
    }
    this.clusters.get(cluster)?.healthChanged();
  }

  get current(): ReadonlyMap<string, Cluster> {
    return this.clusters;
  }

  async close(): Promise<void> {
    this.closeWatchers();
    await Promise.allSettled([...this.endpoints.values()].map((e) => e.close()));
  }

  async destroy(): Promise<void> {
    this.closeWatchers();
    await Promise.allSettled([...this.endpoints.values()].map((e) => e.destroy()));
  }

  private closeWatchers(): void {
    for (const state of this.states.values()) {
      state.outlier?.close();
      state.healthChecker?.close();
    }
  }
}
