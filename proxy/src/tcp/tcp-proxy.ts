// envoy.filters.network.tcp_proxy: splice a downstream connection to a host of a cluster. The
// cluster comes from `cluster` or a weighted pick; max_connections is the gate (overflow → the
// connection is reset, flag UO); the host comes from the cluster's balancer (an ORIGINAL_DST
// cluster: the connection's original destination); a cluster without hosts (Istio's BlackHoleCluster)
// resets the connection (UH). Connect failures are retried on a new pick up to
// max_connect_attempts, then the downstream is reset (UF). Once connected, bytes flow both ways
// with back-pressure, a half-close (FIN) on one side is passed to the other, a reset on one side
// resets the other, and idle_timeout / max_downstream_connection_duration close both.
import net from 'node:net';
import type { Cluster, Endpoint } from '../cluster/index.ts';
import type { OriginalDestinationView } from '../cluster/lb/index.ts';
import type { TcpProxyTable } from '../compile/index.ts';
import type { AccessLogEntry, AccessLogger } from '../http/index.ts';
import type { TcpStats } from '../metrics/index.ts';
import { RF } from '../metrics/index.ts';

/**
 * The downstream connection as tcp_proxy reads it; the listener's AcceptedConnection is one. Stated
 * here, not imported, because listeners/ sits above tcp/ (it hands connections to it).
 */
export interface DownstreamConnection extends OriginalDestinationView {
  readonly socket: net.Socket;
  /** Bytes a listener filter already read from the socket: sent upstream first, then cleared. */
  head: Buffer | undefined;
  /** The peer half-closed while a listener filter was reading. */
  readonly ended: boolean;
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly destinationAddress: string;
  readonly destinationPort: number;
}

/** One tcp_proxy filter chain for one config version. */
export interface TcpProxyChain {
  readonly table: TcpProxyTable;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly stats: TcpStats;
  readonly accessLogs: readonly AccessLogger[];
}

type Phase = 'connecting' | 'connected' | 'done';

function pickClusterName(table: TcpProxyTable): string {
  const weighted = table.weighted;
  if (!weighted) return table.cluster!;
  let r = Math.random() * weighted.totalWeight;
  for (const c of weighted.clusters) {
    r -= c.weight;
    if (r < 0) return c.name;
  }
  return weighted.clusters[weighted.clusters.length - 1]!.name;
}

export class TcpProxySession {
  private readonly startTime = Date.now();
  private readonly startHr = performance.now();
  private phase: Phase = 'connecting';
  private flags = 0;
  private attempts = 0;
  private clusterName: string;
  private cluster: Cluster | undefined;
  private endpoint: Endpoint | undefined;
  private upstream: net.Socket | undefined;
  private holdsConnectionSlot = false;
  private durationTimer: NodeJS.Timeout | undefined;
  private finished = false;

  /** `onDone` runs once, when both connections are closed. */
  constructor(
    private readonly chain: TcpProxyChain,
    private readonly conn: DownstreamConnection,
    private readonly onDone: (session: TcpProxySession) => void,
  ) {
    const { stats, table } = chain;
    stats.cxTotal++;
    stats.cxActive++;
    const downstream = conn.socket;
    downstream.on('error', () => {
      // while connecting, downstreamClosed drops the attempt
      if (this.phase === 'connected' && this.upstream) reset(this.upstream);
    });
    downstream.once('close', (hadError) => this.downstreamClosed(hadError));
    if (table.maxDownstreamConnectionDurationMs > 0) {
      this.durationTimer = setTimeout(() => {
        stats.maxDurationReached++;
        this.destroy();
      }, table.maxDownstreamConnectionDurationMs);
    }
    this.clusterName = pickClusterName(table);
    this.start();
  }

  /** Closes both connections now (listener drain deadline, duration limit). */
  destroy(): void {
    this.upstream?.destroy();
    this.conn.socket.destroy();
  }

  private start(): void {
    const { stats, clusters } = this.chain;
    const cluster = clusters.get(this.clusterName);
    if (!cluster) {
      stats.cxNoRoute++;
      return this.refuse(RF.NO_CLUSTER);
    }
    this.cluster = cluster;
    if (cluster.admission.limits.tryAcquire('connections') !== undefined) {
      stats.upstreamOverflow++;
      return this.refuse(RF.UPSTREAM_OVERFLOW);
    }
    this.holdsConnectionSlot = true;
    this.connect(cluster);
  }

  /** Resets the downstream connection: the client sees the refusal at once. */
  private refuse(flag: number): void {
    this.flags |= flag;
    this.phase = 'done';
    reset(this.conn.socket);
  }

  private connect(cluster: Cluster): void {
    const endpoint = cluster.pick({ originalDestination: this.conn });
    if (!endpoint) {
      this.chain.stats.noHealthyUpstream++;
      return this.refuse(RF.NO_HEALTHY_UPSTREAM);
    }
    this.attempts++;
    this.endpoint = endpoint;
    endpoint.stats.cxActive++;
    const bindAddress = cluster.table.bindAddress;
    const upstream = net.connect({
      host: endpoint.address,
      port: endpoint.port,
      noDelay: true,
      allowHalfOpen: true,
      ...(bindAddress ? { localAddress: bindAddress } : {}),
    });
    // inactivity while connecting is the connect timeout; cleared once connected
    upstream.setTimeout(cluster.table.connectTimeoutMs);
    const failed = (): void => {
      upstream.destroy();
      // not when the client left first: downstreamClosed already gave this attempt up
      if (this.upstream === upstream) this.connectFailed(cluster, endpoint);
    };
    upstream.once('timeout', failed);
    upstream.once('error', failed);
    upstream.once('connect', () => {
      upstream.off('timeout', failed);
      upstream.off('error', failed);
      upstream.setTimeout(0);
      this.connected(cluster, upstream);
    });
    this.upstream = upstream;
  }

  private connectFailed(cluster: Cluster, endpoint: Endpoint): void {
    endpoint.stats.cxActive--;
    endpoint.stats.cxConnectFail++;
    cluster.stats.cxConnectFail++;
    cluster.report(endpoint, 'connect-failure');
    this.upstream = undefined;
    if (this.phase !== 'connecting') return;
    if (this.attempts < this.chain.table.maxConnectAttempts) return this.connect(cluster);
    this.chain.stats.upstreamConnectFail++;
    this.refuse(RF.UPSTREAM_CONNECT_FAILURE);
  }

  private connected(cluster: Cluster, upstream: net.Socket): void {
    const downstream = this.conn.socket;
    if (this.phase !== 'connecting') return void upstream.destroy();
    this.phase = 'connected';
    cluster.report(this.endpoint!, 200);
    upstream.on('error', () => {
      this.flags |= RF.UPSTREAM_CONNECTION_TERMINATION;
      reset(downstream);
    });
    upstream.once('close', (hadError) => this.upstreamClosed(hadError));
    const head = this.conn.head;
    if (head) {
      upstream.write(head);
      this.conn.head = undefined;
    }
    // the inspector saw the client's FIN already: pass it on; otherwise pipe() passes it on
    if (this.conn.ended) upstream.end();
    else downstream.pipe(upstream);
    upstream.pipe(downstream);
    const idle = this.chain.table.idleTimeoutMs;
    if (idle > 0) {
      // every byte either way is a read or a write on the downstream socket, which refreshes this
      downstream.setTimeout(idle, () => {
        this.chain.stats.idleTimeout++;
        this.destroy();
      });
    }
  }

  private downstreamClosed(hadError: boolean): void {
    const upstream = this.upstream;
    if (this.phase === 'connecting') {
      // the client gave up before the upstream answered
      this.flags |= RF.DOWNSTREAM_CONNECTION_TERMINATION;
      this.phase = 'done';
      if (upstream) {
        upstream.destroy();
        this.endpoint!.stats.cxActive--;
        this.upstream = undefined;
      }
      return this.finish();
    }
    if (!upstream || upstream.destroyed) return this.finish();
    // A clean close means both directions ended; the upstream closes once it has flushed.
    if (hadError) reset(upstream);
  }

  private upstreamClosed(hadError: boolean): void {
    this.endpoint!.stats.cxActive--;
    this.upstream = undefined;
    const downstream = this.conn.socket;
    if (downstream.destroyed) this.finish();
    else if (hadError) reset(downstream);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.phase = 'done';
    if (this.durationTimer) clearTimeout(this.durationTimer);
    if (this.holdsConnectionSlot) this.cluster!.admission.limits.release('connections');
    const { stats, accessLogs } = this.chain;
    const downstream = this.conn.socket;
    stats.cxActive--;
    stats.rxBytes += downstream.bytesRead;
    stats.txBytes += downstream.bytesWritten;
    if (accessLogs.length > 0) {
      const entry = this.logEntry();
      for (const log of accessLogs) log.write(entry);
    }
    this.onDone(this);
  }

  private logEntry(): AccessLogEntry {
    const conn = this.conn;
    const downstream = conn.socket;
    return {
      start_time: new Date(this.startTime).toISOString(),
      method: '',
      path: '',
      authority: '',
      protocol: 'TCP',
      response_code: 0,
      response_flags: this.flags,
      bytes_received: downstream.bytesRead,
      bytes_sent: downstream.bytesWritten,
      duration: Math.round(performance.now() - this.startHr),
      upstream_host: this.endpoint?.id,
      upstream_cluster: this.clusterName,
      route_name: undefined,
      request_id: '',
      downstream_remote_address: hostPort(conn.sourceAddress, conn.sourcePort),
      user_agent: undefined,
      x_forwarded_for: undefined,
      attempts: this.attempts,
      traffic_direction:
        this.chain.table.trafficDirection === 'UNSPECIFIED' ? undefined : this.chain.table.trafficDirection,
      downstream_local_address: hostPort(conn.destinationAddress, conn.destinationPort),
    };
  }
}

/** Closes with a TCP RST, so the peer sees the failure rather than a clean end of stream. */
function reset(socket: net.Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
