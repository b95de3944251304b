// Runtime tables of the listener model: filter chains and their matches, listener filters,
// tcp_proxy, and the listener itself (see types.ts for the HTTP side they contain).
import type { AccessLogTable, HttpConnectionManagerTable } from './types.ts';

/** Listener.traffic_direction: marks stats and access logs as inbound or outbound. */
export type TrafficDirection = 'UNSPECIFIED' | 'INBOUND' | 'OUTBOUND';

/** envoy.config.core.v3.CidrRange, compiled (cidr.ts). */
export interface CidrRangeTable {
  readonly family: 4 | 6;
  readonly prefixLen: number;
  /** The network address with the bits past the prefix cleared: one word for IPv4, four for IPv6. */
  readonly words: readonly number[];
  /** `10.0.0.0/8`: the canonical form, for errors and de-duplication. */
  readonly text: string;
}

/** What filter chain matching knows about a connection once the listener filters have run. */
export interface ConnectionFacts {
  /** The address the client dialled (restored by original_dst), IPv4-mapped IPv6 as plain IPv4. */
  readonly destinationAddress: string;
  readonly destinationPort: number;
  readonly sourceAddress: string;
  readonly sourcePort: number;
  /** `raw_buffer` unless a listener filter detected otherwise. */
  readonly transportProtocol: string;
  /** Set by http_inspector: `http/1.0`, `http/1.1` or `h2c`; empty when unknown or not HTTP. */
  readonly applicationProtocols: readonly string[];
}

export type SourceType = 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';

/** envoy.config.listener.v3.FilterChainMatch, compiled; an empty criterion matches anything. */
export interface FilterChainMatchTable {
  readonly destinationPort?: number;
  readonly prefixRanges: readonly CidrRangeTable[];
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
  readonly directSourcePrefixRanges: readonly CidrRangeTable[];
  readonly sourceType: SourceType;
  readonly sourcePrefixRanges: readonly CidrRangeTable[];
  readonly sourcePorts: readonly number[];
}

/** envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, compiled. */
export interface TcpProxyTable {
  readonly statPrefix: string;
  readonly cluster?: string;
  readonly weighted?: {
    readonly clusters: ReadonlyArray<{ readonly name: string; readonly weight: number }>;
    readonly totalWeight: number;
  };
  /** No bytes either way for this long closes both connections; 0 disables (Envoy's default 1 h). */
  readonly idleTimeoutMs: number;
  /** Upstream connection attempts before giving up (Envoy's default 1). */
  readonly maxConnectAttempts: number;
  /** max_downstream_connection_duration; 0 = unlimited. */
  readonly maxDownstreamConnectionDurationMs: number;
  readonly accessLogs: readonly AccessLogTable[];
  readonly trafficDirection: TrafficDirection;
}

/** One filter chain: its match and its terminal network filter (none: close the connection). */
export interface FilterChainTable {
  /** FilterChain.name, or where it is in the listener (`filter_chains[2]`, `default_filter_chain`). */
  readonly name: string;
  /** Identity across config versions within a listener: the name, or else the match. */
  readonly key: string;
  readonly match: FilterChainMatchTable;
  readonly http?: HttpConnectionManagerTable;
  readonly tcp?: TcpProxyTable;
}

/** A ListenerFilterChainMatchPredicate (filter_disabled) over the destination port. */
export type ListenerFilterPredicate =
  | { readonly kind: 'any' }
  | { readonly kind: 'port'; readonly start: number; readonly end: number }
  | { readonly kind: 'not'; readonly rule: ListenerFilterPredicate }
  | { readonly kind: 'or' | 'and'; readonly rules: readonly ListenerFilterPredicate[] };

export interface ListenerFilterTable {
  readonly kind: 'original_dst' | 'http_inspector' | 'tls_inspector';
  /** filter_disabled: the filter is skipped for connections this matches. */
  readonly disabled?: ListenerFilterPredicate;
}

export interface ListenerTable {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** An IPv6 address bound without socket_address.ipv4_compat takes IPv6 connections only. */
  readonly ipv6Only: boolean;
  /** bind_to_port: false → no socket; the listener only receives connections handed over. */
  readonly bindToPort: boolean;
  /** use_original_dst: hand connections to the listener of their original destination. */
  readonly useOriginalDst: boolean;
  readonly trafficDirection: TrafficDirection;
  /** listener_filters in order. */
  readonly listenerFilters: readonly ListenerFilterTable[];
  /** listener_filters_timeout; 0 disables (Envoy's default 15 s). */
  readonly listenerFiltersTimeoutMs: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  readonly filterChains: readonly FilterChainTable[];
  readonly defaultFilterChain?: FilterChainTable;
  /** Envoy's filter chain match (filter-chain-match.ts), falling back to defaultFilterChain. */
  selectFilterChain(connection: ConnectionFacts): FilterChainTable | undefined;
  /** The one chain every connection gets, when matching cannot depend on the connection. */
  readonly onlyFilterChain?: FilterChainTable;
  readonly perConnectionBufferLimitBytes: number;
  /** How long in-flight work may take when the listener goes away: its longest HCM drain_timeout. */
  readonly drainTimeoutMs: number;
}
