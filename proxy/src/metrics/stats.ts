// Counters the hot path bumps with plain field increments; exposition happens only in the admin
// handler (metrics/prometheus.ts). One HttpStats per connection manager stat_prefix, kept across
// config versions so counters never reset on a push.
import { ALL_FLAG_CODES, forEachFlag } from './response-flags.ts';

export interface HttpStats {
  readonly prefix: string;
  rqTotal: number;
  rqActive: number;
  cxTotal: number;
  cxActive: number;
  cxProtocolError: number;
  rqByClass: [number, number, number, number, number, number];
  rqHttp1: number;
  rqHttp2: number;
  upgrades: number;
  faultDelays: number;
  faultAborts: number;
  faultsActive: number;
  faultsOverflow: number;
  /** CORS filter: requests whose Origin the route's policy allowed / did not allow. */
  corsOriginValid: number;
  corsOriginInvalid: number;
  /** downstream_rq_timeout: the whole request did not arrive within request_timeout. */
  rqTimeout: number;
  /** Not an Envoy stat: unexpected errors caught in one stream (a bug; the stream ended, the process did not). */
  rqInternalError: number;
  /** request_headers_timeout fired: answered 408 and closed (Envoy's downstream_rq_header_timeout). */
  rqHeaderTimeout: number;
  /**
   * A header block still incomplete at stream_idle_timeout (request_headers_timeout disabled); the
   * exposition adds it to the streams flagged SI (downstream_rq_idle_timeout).
   */
  rqHeaderIdleTimeout: number;
  /** Connections closed at idle_timeout with no request in flight (downstream_cx_idle_timeout). */
  cxIdleTimeout: number;
  /** Requests refused with 431 by max_request_headers_kb or max_headers_count. */
  rqHeadersRefused: number;
  readonly flags: Map<string, number>;
}

/** tcp_proxy counters per stat_prefix (Envoy's `tcp.<stat_prefix>.*`). */
export interface TcpStats {
  readonly prefix: string;
  cxTotal: number;
  /** Not an Envoy stat: connections being proxied right now. */
  cxActive: number;
  /** The cluster does not exist. */
  cxNoRoute: number;
  rxBytes: number;
  txBytes: number;
  idleTimeout: number;
  maxDurationReached: number;
  /** Connections refused by the cluster's max_connections (flag UO). */
  upstreamOverflow: number;
  /** No host to connect to (flag UH): an empty cluster such as Istio's BlackHoleCluster. */
  noHealthyUpstream: number;
  /** Every connect attempt failed (flag UF). */
  upstreamConnectFail: number;
}

/** Per-listener counters (Envoy's `listener.<address>.*`), labelled with the traffic direction. */
export interface ListenerStats {
  readonly name: string;
  direction: string;
  cxTotal: number;
  cxActive: number;
  /** No filter chain (and no default chain) matched: the connection was closed. */
  noFilterChainMatch: number;
  /** Connections this listener handed to the listener of their original destination. */
  handedOff: number;
  /** Listener filters timed out (listener_filters_timeout). */
  filtersTimeout: number;
}

export class StatsStore {
  private readonly http = new Map<string, HttpStats>();
  private readonly tcp = new Map<string, TcpStats>();
  private readonly listeners = new Map<string, ListenerStats>();

  tcpStats(prefix: string): TcpStats {
    let stats = this.tcp.get(prefix);
    if (!stats) {
      stats = {
        prefix,
        cxTotal: 0,
        cxActive: 0,
        cxNoRoute: 0,
        rxBytes: 0,
        txBytes: 0,
        idleTimeout: 0,
        maxDurationReached: 0,
        upstreamOverflow: 0,
        noHealthyUpstream: 0,
        upstreamConnectFail: 0,
      };
      this.tcp.set(prefix, stats);
    }
    return stats;
  }

  listenerStats(name: string, direction: string): ListenerStats {
    let stats = this.listeners.get(name);
    if (!stats) {
      stats = {
        name,
        direction,
        cxTotal: 0,
        cxActive: 0,
        noFilterChainMatch: 0,
        handedOff: 0,
        filtersTimeout: 0,
      };
      this.listeners.set(name, stats);
    }
    stats.direction = direction;
    return stats;
  }

  get allTcp(): IterableIterator<TcpStats> {
    return this.tcp.values();
  }

  get allListeners(): IterableIterator<ListenerStats> {
    return this.listeners.values();
  }

  httpStats(prefix: string): HttpStats {
    let stats = this.http.get(prefix);
    if (!stats) {
      stats = {
        prefix,
        rqTotal: 0,
        rqActive: 0,
        cxTotal: 0,
        cxActive: 0,
        cxProtocolError: 0,
        rqByClass: [0, 0, 0, 0, 0, 0],
        rqHttp1: 0,
        rqHttp2: 0,
        upgrades: 0,
        faultDelays: 0,
        faultAborts: 0,
        faultsActive: 0,
        faultsOverflow: 0,
        corsOriginValid: 0,
        corsOriginInvalid: 0,
        rqTimeout: 0,
        rqInternalError: 0,
        rqHeaderTimeout: 0,
        rqHeaderIdleTimeout: 0,
        cxIdleTimeout: 0,
        rqHeadersRefused: 0,
        flags: new Map(ALL_FLAG_CODES.map((code) => [code, 0])),
      };
      this.http.set(prefix, stats);
    }
    return stats;
  }

  get allHttp(): IterableIterator<HttpStats> {
    return this.http.values();
  }
}

export function countResponse(stats: HttpStats, status: number, flags: number): void {
  const cls = (status / 100) | 0;
  if (cls >= 1 && cls <= 5) stats.rqByClass[cls]!++;
  if (flags !== 0) forEachFlag(flags, (code) => stats.flags.set(code, (stats.flags.get(code) ?? 0) + 1));
}
