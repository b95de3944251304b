// For unit tests of the request path only: a ConnectionManager built from a real bootstrap by the
// real compiler and cluster manager, served by a real node:http server on 127.0.0.1:0, with the
// clock and random source the test injects. Upstreams are the test's own real servers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClusterManager } from '../cluster/index.ts';
import type { HttpConnectionManagerTable } from '../compile/index.ts';
import { compileBootstrap } from '../compile/index.ts';
import { StatsStore } from '../metrics/index.ts';
import type { Clock, Random } from '../time/index.ts';
import { ConnectionManager } from './connection-manager.ts';

export interface ManagerHarness {
  readonly manager: ConnectionManager;
  readonly clusters: ClusterManager;
  readonly stats: StatsStore;
  readonly port: number;
  close(): Promise<void>;
}

export async function startManager(
  bootstrap: Record<string, unknown>,
  env: { clock?: Clock; random?: Random } = {},
): Promise<ManagerHarness> {
  const config = compileBootstrap(bootstrap);
  const clusters = new ClusterManager();
  const stage = await clusters.prepare(config.clusters);
  stage.commit();
  const live = stage.clusters;
  const table: HttpConnectionManagerTable | undefined = config.listeners[0]?.filterChains[0]?.http;
  if (!table) throw new Error('the bootstrap needs a listener with an http_connection_manager');
  const stats = new StatsStore();
  const manager = new ConnectionManager({
    table,
    clusters: live,
    stats: stats.httpStats(table.statPrefix),
    accessLogs: [],
    ...env,
  });
  const server = http.createServer((req, res) => manager.handle(req, res, false));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    manager,
    clusters,
    stats,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await clusters.destroy();
    },
  };
}
