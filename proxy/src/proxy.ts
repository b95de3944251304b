// The proxy process's owner object: holds the current runtime config and every long-running part
// (listeners, cluster pools, access logs, admin) and swaps config versions atomically.
import { ClusterManager } from './cluster/index.ts';
import type { RuntimeConfig } from './compile/index.ts';
import { AccessLogger } from './http/index.ts';
import type { ListenerDeps } from './listeners/index.ts';
import { ListenerRegistry, ProxyListener } from './listeners/index.ts';
import { StatsStore } from './metrics/index.ts';

export interface ListenerAddress {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** false for bind_to_port: false listeners, which only take connections handed over. */
  readonly bound: boolean;
}

export class WeftProxy {
  readonly clusters = new ClusterManager();
  readonly stats = new StatsStore();
  private listeners = new Map<string, ProxyListener>();
  /** Where use_original_dst listeners find the listener of a connection's original destination. */
  private readonly registry = new ListenerRegistry<ProxyListener>();
  private readonly accessLogs = new Map<string, AccessLogger>();
  private current: RuntimeConfig | undefined;
  private stopping: Promise<void> | undefined;

  get config(): RuntimeConfig | undefined {
    return this.current;
  }

  get ready(): boolean {
    return this.current !== undefined && this.stopping === undefined;
  }

  listenerAddresses(): ListenerAddress[] {
    return [...this.listeners.values()].map((l) => ({
      name: l.name,
      address: l.address,
      port: l.port,
      bound: l.bound,
    }));
  }

  /**
   * Applies a config version: new connections and requests see it whole; those in flight finish on
   * the one they started with. A listener whose address and binding are unchanged keeps its socket.
   */
  async apply(config: RuntimeConfig): Promise<void> {
    await this.clusters.prepare(config.clusters); // DNS clusters warm first, as in Envoy
    const clusters = this.clusters.update(config.clusters);
    const deps: ListenerDeps = { clusters, stats: this.stats, accessLog: (path) => this.accessLog(path) };
    const next = new Map<string, ProxyListener>();
    const created: ProxyListener[] = [];
    try {
      for (const table of config.listeners) {
        const existing = this.listeners.get(table.name);
        if (existing?.sameSocket(table)) {
          existing.update(table, deps);
          next.set(table.name, existing);
          continue;
        }
        if (existing) {
          this.listeners.delete(table.name);
          await existing.drain(existing.table.drainTimeoutMs);
        }
        const listener = new ProxyListener(table, deps, this.registry);
        created.push(listener);
        await listener.listen();
        next.set(table.name, listener);
      }
    } catch (err) {
      // leave nothing bound from a version that did not apply
      await Promise.all(created.map((l) => l.drain(0)));
      throw err;
    }
    for (const [name, listener] of this.listeners) {
      if (!next.has(name)) void listener.drain(listener.table.drainTimeoutMs);
    }
    this.listeners = next;
    this.registry.replace(next.values());
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
      this.registry.replace([]);
      await this.clusters.destroy();
      await Promise.all([...this.accessLogs.values()].map((l) => l.close()));
    })();
    return this.stopping;
  }
}
