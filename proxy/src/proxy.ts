// The proxy process's owner object: holds the current runtime config and every long-running part
// (listeners, cluster pools, access logs, admin) and swaps config versions atomically.
import { ClusterManager } from './cluster/manager.ts';
import type { RuntimeConfig } from './compile/types.ts';
import { AccessLogger } from './http/access-log.ts';
import { ConnectionManager } from './http/connection-manager.ts';
import { HttpListener } from './listeners/http-listener.ts';
import { StatsStore } from './metrics/stats.ts';

export class WeftProxy {
  readonly clusters = new ClusterManager();
  readonly stats = new StatsStore();
  private readonly listeners = new Map<string, HttpListener>();
  private readonly accessLogs = new Map<string, AccessLogger>();
  private current: RuntimeConfig | undefined;
  private stopping: Promise<void> | undefined;

  get config(): RuntimeConfig | undefined {
    return this.current;
  }

  get ready(): boolean {
    return this.current !== undefined && this.stopping === undefined;
  }

  listenerAddresses(): Array<{ name: string; address: string; port: number }> {
    return [...this.listeners.values()].map((l) => ({
      name: l.table.name,
      address: l.address.address,
      port: l.address.port,
    }));
  }

  /** Applies a config version: new requests see it whole; requests in flight finish on the old one. */
  async apply(config: RuntimeConfig): Promise<void> {
    const clusters = this.clusters.update(config.clusters);
    const next = new Set<string>();
    for (const table of config.listeners) {
      next.add(table.name);
      const logs = table.http.accessLogs.map((l) => this.accessLog(l.path));
      const stats = this.stats.httpStats(table.http.statPrefix);
      const manager = new ConnectionManager({ table: table.http, clusters, stats, accessLogs: logs });
      const existing = this.listeners.get(table.name);
      if (existing && existing.table.address === table.address && existing.table.port === table.port) {
        existing.update(manager);
        continue;
      }
      if (existing) await existing.drain(table.http.drainTimeoutMs);
      const listener = new HttpListener(table, manager, stats);
      await listener.listen();
      this.listeners.set(table.name, listener);
    }
    for (const [name, listener] of this.listeners) {
      if (!next.has(name)) {
        this.listeners.delete(name);
        void listener.drain(listener.table.http.drainTimeoutMs);
      }
    }
    this.current = config;
  }

  private accessLog(path: string): AccessLogger {
    let log = this.accessLogs.get(path);
    if (!log) {
      log = new AccessLogger(path);
      this.accessLogs.set(path, log);
    }
    return log;
  }

  /** Graceful shutdown: stop accepting, let in-flight requests finish within `drainMs`, close pools. */
  stop(drainMs: number): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.listeners.values()].map((l) => l.drain(drainMs)));
      this.listeners.clear();
      await this.clusters.destroy();
      await Promise.all([...this.accessLogs.values()].map((l) => l.close()));
    })();
    return this.stopping;
  }
}
