// The proxy process's owner object: holds the current runtime config and every long-running part
// (listeners, cluster pools, access logs, admin) and swaps config versions atomically.
import { ClusterManager } from './cluster/index.ts';
import type { ListenerTable, RuntimeConfig } from './compile/index.ts';
import { AccessLogger } from './http/stream/index.ts';
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

/** Two bound listeners on one fixed port: the new one may need the old one's socket released. */
function samePort(a: ListenerTable, b: ListenerTable): boolean {
  return a.bindToPort && b.bindToPort && a.port !== 0 && a.port === b.port;
}

export class WeftProxy {
  readonly clusters = new ClusterManager();
  readonly stats = new StatsStore();
  private listeners = new Map<string, ProxyListener>();
  /** Where use_original_dst listeners find the listener of a connection's original destination. */
  private readonly registry = new ListenerRegistry<ProxyListener>();
  private readonly accessLogs = new Map<string, AccessLogger>();
  private current: RuntimeConfig | undefined;
  /** The tail of the apply queue. */
  private applying: Promise<void> = Promise.resolve();
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
   * Applies a config version atomically: new connections and requests see it whole, those in flight
   * finish on the one they started with, and a version that fails to apply (a port already taken,
   * say) changes nothing. The order: build the clusters (DNS warming, new pools), bind the new
   * listeners (held, not serving), then swap, then close what the version no longer has. A listener
   * whose address and binding are unchanged keeps its socket. Versions apply one at a time.
   */
  apply(config: RuntimeConfig): Promise<void> {
    const run = this.applying.then(() => this.applyNow(config));
    this.applying = run.catch(() => {});
    return run;
  }

  private async applyNow(config: RuntimeConfig): Promise<void> {
    if (this.stopping) throw new Error('the proxy is stopping');
    const stage = await this.clusters.prepare(config.clusters);
    const deps: ListenerDeps = {
      clusters: stage.clusters,
      stats: this.stats,
      accessLog: (path) => this.accessLog(path),
    };
    const next = new Map<string, ProxyListener>();
    const kept: Array<[ProxyListener, ListenerTable]> = [];
    const created: ProxyListener[] = [];
    const released: ProxyListener[] = [];
    try {
      for (const table of config.listeners) {
        const existing = this.listeners.get(table.name);
        if (existing?.sameSocket(table)) {
          kept.push([existing, table]);
          next.set(table.name, existing);
          continue;
        }
        const listener = new ProxyListener(table, deps, this.registry);
        created.push(listener);
        next.set(table.name, listener);
      }
      const leaving = [...this.listeners.values()].filter((l) => next.get(l.name) !== l);
      // Ports a leaving listener holds are bound last, after releasing them: a failure before that
      // point has not touched a live socket.
      const takesPortOf = (l: ProxyListener) => leaving.filter((old) => samePort(old.table, l.table));
      created.sort((a, b) => takesPortOf(a).length - takesPortOf(b).length);
      for (const listener of created) {
        for (const old of takesPortOf(listener)) {
          if (released.includes(old)) continue;
          old.release();
          released.push(old);
        }
        await listener.listen();
      }
      if (this.stopping) throw new Error('the proxy is stopping');
    } catch (err) {
      await Promise.all(created.map((l) => l.drain(0)));
      await Promise.all(released.map((l) => l.rebind().catch(() => {})));
      stage.abort();
      throw err;
    }
    stage.commit();
    for (const [listener, table] of kept) listener.update(table, deps);
    const previous = this.listeners;
    this.listeners = next;
    this.registry.replace(next.values());
    this.current = config;
    for (const listener of created) listener.activate();
    for (const [name, listener] of previous) {
      if (next.get(name) !== listener) void listener.drain(listener.table.drainTimeoutMs);
    }
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
