// One upstream endpoint: its connection pool and its counters. Pools outlive config versions as long
// as the endpoint (address, port, protocol) stays, so a config push never drops warm connections.
import { Pool } from 'undici';
import type { ClusterTable, EndpointTable } from '../compile/index.ts';
import type { LbHost } from './lb/index.ts';

export interface EndpointStats {
  rqTotal: number;
  rqActive: number;
  rqError: number;
  rqTimeout: number;
  cxConnectFail: number;
  /** tcp_proxy connections open to this host (HTTP requests are in rqActive). */
  cxActive: number;
  /** responses by class: index 1..5 → 1xx..5xx */
  rqByClass: [number, number, number, number, number, number];
}

export class Endpoint implements LbHost {
  readonly id: string;
  readonly hostname: string | undefined;
  /** Ejected by outlier detection. */
  ejected = false;
  /** Failing active health checks. */
  failedHealthCheck = false;
  readonly pool: Pool;
  readonly stats: EndpointStats = {
    rqTotal: 0,
    rqActive: 0,
    rqError: 0,
    rqTimeout: 0,
    cxConnectFail: 0,
    cxActive: 0,
    rqByClass: [0, 0, 0, 0, 0, 0],
  };
  weight: number;

  constructor(
    readonly table: EndpointTable,
    readonly poolKey: string,
    cluster: ClusterTable,
  ) {
    this.id = table.id;
    this.hostname = table.hostname;
    this.weight = table.weight;
    const h2c = cluster.protocol === 'h2c';
    this.pool = new Pool(
      `http://${table.address.includes(':') ? `[${table.address}]` : table.address}:${table.port}`,
      {
        // undici's Pool builds its connector from `connect`, so h2c prior knowledge is requested there.
        connect: {
          timeout: cluster.connectTimeoutMs,
          noDelay: true,
          ...(h2c ? { useH2c: true } : {}),
        },
        // upstream_bind_config: undici binds from the client option, not from `connect`
        ...(cluster.bindAddress ? { localAddress: cluster.bindAddress } : {}),
        keepAliveTimeout: cluster.idleTimeoutMs ?? 60 * 60_000,
        keepAliveMaxTimeout: cluster.idleTimeoutMs ?? 60 * 60_000,
        // The proxy's own route timeouts govern; undici's would fire first and mis-attribute the failure.
        headersTimeout: 0,
        bodyTimeout: 0,
        allowH2: h2c,
        useH2c: h2c,
        // For HTTP/2, undici reads `pipelining` as the streams it multiplexes on one connection.
        pipelining: h2c ? 100 : 1,
        maxRequestsPerClient: cluster.maxRequestsPerConnection,
      } as Pool.Options,
    );
  }

  get address(): string {
    return this.table.address;
  }

  get port(): number {
    return this.table.port;
  }

  get healthy(): boolean {
    return !this.ejected && !this.failedHealthCheck;
  }

  activeRequests(): number {
    return this.stats.rqActive;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

/**
 * The identity of a host and its pool across config versions. Hosts belong to one cluster, as in
 * Envoy: their stats, health and weight are the cluster's view of the address.
 */
export function poolKey(cluster: ClusterTable, ep: EndpointTable): string {
  return `${cluster.name}|${ep.hostname ?? ''}|${cluster.protocol}|${cluster.connectTimeoutMs}|${cluster.idleTimeoutMs ?? ''}|${cluster.maxRequestsPerConnection ?? ''}|${cluster.bindAddress ?? ''}|${ep.address}|${ep.port}`;
}
