// One config version of a listener: for each filter chain, what serves its connections — an HTTP
// server with this version's connection manager, a tcp_proxy bound to this version's clusters, or
// nothing (close). A connection keeps the version it was accepted under; HTTP codec servers are
// carried over between versions (their connection manager swapped) while the chain and the codec
// settings stay, so keep-alive connections and HTTP/2 sessions survive a push.
import type { Cluster } from '../cluster/index.ts';
import type { FilterChainTable, ListenerTable } from '../compile/index.ts';
import type { AccessLogger } from '../http/index.ts';
import { ConnectionManager } from '../http/index.ts';
import type { StatsStore } from '../metrics/index.ts';
import type { TcpProxyChain } from '../tcp/index.ts';
import { HttpChainServer, httpServerKey } from './http-listener.ts';

/** What the listeners of one config version are built from. */
export interface ListenerDeps {
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly stats: StatsStore;
  accessLog(path: string): AccessLogger;
}

export type ChainRuntime =
  | { readonly kind: 'http'; readonly server: HttpChainServer }
  | { readonly kind: 'tcp'; readonly chain: TcpProxyChain }
  | { readonly kind: 'close' };

const CLOSE: ChainRuntime = { kind: 'close' };

export interface ListenerVersion {
  readonly table: ListenerTable;
  readonly runtimes: ReadonlyMap<FilterChainTable, ChainRuntime>;
  /** Set when every connection gets this chain without looking at it (no filters, no hand-off). */
  readonly direct: FilterChainTable | undefined;
}

/**
 * Builds a version. `servers` are the HTTP servers of the previous version by key; the result says
 * which to keep (`servers`) and which no chain uses any more (`retired`, for the caller to drain).
 */
export function buildListenerVersion(
  table: ListenerTable,
  deps: ListenerDeps,
  servers: ReadonlyMap<string, HttpChainServer>,
): { version: ListenerVersion; servers: Map<string, HttpChainServer>; retired: HttpChainServer[] } {
  const runtimes = new Map<FilterChainTable, ChainRuntime>();
  const kept = new Map<string, HttpChainServer>();
  const chains = table.defaultFilterChain
    ? [...table.filterChains, table.defaultFilterChain]
    : table.filterChains;
  for (const chain of chains) {
    if (chain.http) {
      const hcm = chain.http;
      const stats = deps.stats.httpStats(hcm.statPrefix);
      const accessLogs = hcm.accessLogs.map((l) => deps.accessLog(l.path));
      const manager = new ConnectionManager({ table: hcm, clusters: deps.clusters, stats, accessLogs });
      // chain names need not be unique: a repeated key gets its own server
      let key = `${chain.key}|${httpServerKey(hcm)}`;
      while (kept.has(key)) key += '+';
      let server = servers.get(key);
      if (server) server.update(manager, stats);
      else server = new HttpChainServer(hcm, manager, stats);
      kept.set(key, server);
      runtimes.set(chain, { kind: 'http', server });
    } else if (chain.tcp) {
      const tcp = chain.tcp;
      runtimes.set(chain, {
        kind: 'tcp',
        chain: {
          table: tcp,
          clusters: deps.clusters,
          stats: deps.stats.tcpStats(tcp.statPrefix),
          accessLogs: tcp.accessLogs.map((l) => deps.accessLog(l.path)),
        },
      });
    } else runtimes.set(chain, CLOSE);
  }
  const retired = [...servers].filter(([key]) => !kept.has(key)).map(([, server]) => server);
  const direct =
    table.listenerFilters.length === 0 && !table.useOriginalDst ? table.onlyFilterChain : undefined;
  return { version: { table, runtimes, direct }, servers: kept, retired };
}
