// Owns every endpoint pool and builds the Cluster objects for each config version. Hosts, their
// stats, the circuit-breaker counters and outlier detection outlive versions, so a push never
// resets a breaker or forgets an ejection; a host that disappears from the config is closed
// gracefully (in-flight requests finish first).
import type { ClusterTable, EndpointTable } from '../compile/index.ts';
import { log } from '../log.ts';
import { Admission, ClusterBreakers } from './breaker/index.ts';
import { Cluster, type ClusterState, newClusterStats } from './cluster.ts';
import { DnsClusters } from './dns-clusters.ts';
import { Endpoint, poolKey } from './endpoint.ts';
import { HealthChecker } from './health/index.ts';
import { OriginalDstHosts } from './original-dst.ts';
import { OutlierDetector, type OutlierEvent } from './outlier/index.ts';

interface KeptState extends ClusterState {
  /** The config the breakers and detector were built from, to rebuild them only when it changes. */
  readonly breakersConfig: string;
  readonly outlierConfig: string;
  readonly healthConfig: string;
  readonly originalDstConfig: string;
}

/** Stands in for an endpoint when keying what an ORIGINAL_DST cluster's pools depend on. */
const NO_ENDPOINT: EndpointTable = { address: '', port: 0, id: '', weight: 1, priority: 0 };

/** A config version's clusters, built but not live (see ClusterManager.prepare). */
export interface ClusterStage {
  /** The version's clusters by name: empty until `commit` fills it (listeners may hold it before). */
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** Makes the version live, then closes the pools and watchers it no longer has. */
  commit(): void;
  /** Drops the version: closes the pools, resolvers and watchers it created; the live ones stay. */
  abort(): void;
}

/** Points a cluster state's watchers at the version's hosts (done at commit: they are shared). */
function attachHosts(state: KeptState, endpoints: readonly Endpoint[]): void {
  if (!state.outlier) for (const endpoint of endpoints) endpoint.ejected = false;
  state.outlier?.setHosts(endpoints);
  const checker = state.healthChecker;
  if (checker) {
    // Hosts new to the checker fail until their first check passes (Envoy's FAILED_ACTIVE_HC).
    for (const endpoint of endpoints) endpoint.failedHealthCheck = !checker.isHealthy(endpoint);
    checker.setHosts(endpoints);
  } else for (const endpoint of endpoints) endpoint.failedHealthCheck = false;
}

/** Closes the watchers and original-destination pools of `from` that `to` does not keep. */
function closeReplaced(from: ReadonlyMap<string, KeptState>, to: ReadonlyMap<string, KeptState>): void {
  for (const [name, state] of from) {
    const next = to.get(name);
    if (next?.outlier !== state.outlier) state.outlier?.close();
    if (next?.healthChecker !== state.healthChecker) state.healthChecker?.close();
    if (next?.originalDst !== state.originalDst) void state.originalDst?.close();
  }
}

export class ClusterManager {
  private endpoints = new Map<string, Endpoint>();
  private states = new Map<string, KeptState>();
  private clusters = new Map<string, Cluster>();
  private tables: ReadonlyMap<string, ClusterTable> = new Map();
  /** STRICT_DNS / LOGICAL_DNS hosts change between config versions: such a cluster is rebuilt alone. */
  private readonly dns = new DnsClusters((name) => this.rebuildDnsCluster(name));
  /** Versions being built (prepare → commit/abort); DNS rebuilds wait for them. */
  private staging = 0;
  private readonly deferredRebuilds = new Set<string>();

  /**
   * Builds a config version's clusters without touching the live ones: starts the resolvers of its
   * DNS clusters and waits (at most `dnsWarmingMs`) for their first answers, so that the version
   * goes live with their hosts (Envoy's warming), and creates the pools of hosts new to it. Nothing
   * serves from the stage until `commit`; `abort` closes what it created and leaves all as it was.
   */
  async prepare(tables: ReadonlyMap<string, ClusterTable>, dnsWarmingMs = 5000): Promise<ClusterStage> {
    this.staging++;
    const dns = this.dns.stage(tables);
    const endpoints = new Map<string, Endpoint>();
    const created: Endpoint[] = [];
    const planned: Array<{ table: ClusterTable; endpoints: Endpoint[] }> = [];
    const states = new Map<string, KeptState>();
    try {
      await dns.warmed(dnsWarmingMs);
      for (const configured of tables.values()) {
        const table = dns.withHosts(configured);
        const eps = table.endpoints.map((ep) => {
          const key = poolKey(table, ep);
          let endpoint = endpoints.get(key) ?? this.endpoints.get(key);
          if (!endpoint) {
            endpoint = new Endpoint(ep, key, table);
            created.push(endpoint);
          }
          endpoints.set(key, endpoint);
          return endpoint;
        });
        states.set(table.name, this.stateFor(table));
        planned.push({ table, endpoints: eps });
      }
    } catch (err) {
      this.staging--;
      dns.abort();
      for (const endpoint of created) void endpoint.destroy().catch(() => {});
      closeReplaced(states, this.states);
      this.rebuildDeferred();
      throw err;
    }
    const clusters = new Map<string, Cluster>();
    let settled = false;
    const settle = (): void => {
      if (settled) throw new Error('a cluster stage is committed or aborted once');
      settled = true;
      this.staging--;
    };
    return {
      clusters,
      commit: () => {
        settle();
        dns.commit();
        for (const { table, endpoints: eps } of planned) {
          eps.forEach((endpoint, i) => {
            endpoint.weight = table.endpoints[i]!.weight;
          });
          const state = states.get(table.name)!;
          attachHosts(state, eps);
          clusters.set(table.name, new Cluster(table, eps, state));
        }
        const oldEndpoints = this.endpoints;
        const oldStates = this.states;
        this.endpoints = endpoints;
        this.states = states;
        this.clusters = clusters;
        this.tables = tables;
        // swapped: now close what the new version no longer has
        for (const [key, endpoint] of oldEndpoints) {
          if (!endpoints.has(key)) void endpoint.close().catch(() => {});
        }
        closeReplaced(oldStates, states);
        this.rebuildDeferred();
      },
      abort: () => {
        settle();
        dns.abort();
        for (const endpoint of created) void endpoint.destroy().catch(() => {});
        closeReplaced(states, this.states);
        this.rebuildDeferred();
      },
    };
  }

  /** A cluster's state for a table: the live one's parts where their config is unchanged, else new. */
  private stateFor(table: ClusterTable): KeptState {
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
    // Original destination hosts keep their pools across versions while nothing they depend on changes.
    const originalDstConfig = table.originalDst
      ? poolKey(table, NO_ENDPOINT) + JSON.stringify(table.originalDst)
      : '';
    let originalDst = previous?.originalDstConfig === originalDstConfig ? previous.originalDst : undefined;
    if (!originalDst && table.originalDst) originalDst = new OriginalDstHosts(table);
    return {
      stats,
      admission,
      outlier,
      healthChecker,
      originalDst,
      breakersConfig,
      outlierConfig,
      healthConfig,
      originalDstConfig,
    };
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
    await Promise.allSettled([
      ...[...this.endpoints.values()].map((e) => e.close()),
      ...[...this.states.values()].map((s) => s.originalDst?.close()),
    ]);
  }

  async destroy(): Promise<void> {
    this.closeWatchers();
    await Promise.allSettled([
      ...[...this.endpoints.values()].map((e) => e.destroy()),
      ...[...this.states.values()].map((s) => s.originalDst?.destroy()),
    ]);
  }

  /**
   * A DNS cluster's hosts changed: rebuild that cluster alone, keeping the pools of hosts that stay.
   * The map handed to the connection managers is updated in place, so new requests see it whole and
   * requests in flight finish on the Cluster they started with.
   */
  private rebuildDnsCluster(name: string): void {
    if (this.staging > 0) {
      // a version is being built from the live endpoints: rebuild once it is committed or dropped
      this.deferredRebuilds.add(name);
      return;
    }
    const configured = this.tables.get(name);
    const old = this.clusters.get(name);
    if (!configured || !old) return;
    const table = this.dns.withHosts(configured);
    const eps = table.endpoints.map((ep) => {
      const key = poolKey(table, ep);
      const endpoint = this.endpoints.get(key) ?? new Endpoint(ep, key, table);
      endpoint.weight = ep.weight;
      this.endpoints.set(key, endpoint);
      return endpoint;
    });
    for (const endpoint of old.endpoints) {
      if (eps.includes(endpoint)) continue;
      this.endpoints.delete(endpoint.poolKey);
      void endpoint.close().catch(() => {});
    }
    const state = this.stateFor(table);
    attachHosts(state, eps);
    this.states.set(name, state);
    this.clusters.set(name, new Cluster(table, eps, state));
    log.info({ cluster: name, hosts: eps.map((e) => e.id) }, 'dns hosts changed');
  }

  private rebuildDeferred(): void {
    if (this.staging > 0) return;
    const names = [...this.deferredRebuilds];
    this.deferredRebuilds.clear();
    for (const name of names) this.rebuildDnsCluster(name);
  }

  private closeWatchers(): void {
    this.dns.close();
    for (const state of this.states.values()) {
      state.outlier?.close();
      state.healthChecker?.close();
    }
  }
}
