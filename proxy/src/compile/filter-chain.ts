// envoy.config.listener.v3.FilterChain → FilterChainTable: its filter_chain_match and its one
// terminal network filter, an http_connection_manager or a tcp_proxy. A chain with no filters is
// valid Envoy configuration: its connections are closed.
import {
  type CidrRange,
  ConfigError,
  enumName,
  type FilterChain,
  type FilterChainMatch,
  type HttpConnectionManager,
  isAnyOf,
  joinPath,
  objList,
  optionalObj,
  optionalUint,
} from '../config/index.ts';
import { compileCidr } from './cidr.ts';
import { compileTcpProxy } from './tcp-proxy.ts';
import type {
  FilterChainMatchTable,
  FilterChainTable,
  HttpConnectionManagerTable,
  SourceType,
  TrafficDirection,
} from './types.ts';

const HCM_NAME = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_NAME = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
export const HCM_TYPE = `type.googleapis.com/${HCM_NAME}`;

/** Transport protocols a Weft connection can have: nothing detects TLS (see listener-filters.ts). */
const TRANSPORT_PROTOCOLS = ['', 'raw_buffer'];
const SOURCE_TYPES: readonly SourceType[] = ['ANY', 'SAME_IP_OR_LOOPBACK', 'EXTERNAL'];

export interface FilterChainContext {
  /** Compiles an http_connection_manager typed_config (listener.ts owns that compiler). */
  readonly compileHttp: (typed: HttpConnectionManager, path: string) => HttpConnectionManagerTable;
  readonly trafficDirection: TrafficDirection;
}

/** `name` is what the chain is called when FilterChain.name is empty. */
export function compileFilterChain(
  chain: FilterChain,
  path: string,
  fallbackName: string,
  ctx: FilterChainContext,
  isDefault = false,
): FilterChainTable {
  const name = typeof chain.name === 'string' && chain.name ? chain.name : fallbackName;
  // Envoy ignores the match of default_filter_chain.
  const matchObj = isDefault ? {} : optionalObj(chain.filter_chain_match);
  const match = compileFilterChainMatch(matchObj, joinPath(path, 'filter_chain_match'));
  const key = isDefault
    ? 'default_filter_chain'
    : chain.name
      ? `name:${name}`
      : `match:${JSON.stringify(matchObj)}`;
  const filters = objList(chain.filters);
  const filtersPath = joinPath(path, 'filters');
  if (filters.length === 0) return { name, key, match };
  if (filters.length > 1) {
    throw new ConfigError(
      filtersPath,
      `Weft runs one network filter per chain (http_connection_manager or tcp_proxy); this chain has ${filters.length}`,
      'unsupported',
    );
  }
  const typed = filters[0]!.typed_config;
  const typedPath = joinPath(joinPath(filtersPath, 0), 'typed_config');
  if (isAnyOf(typed, HCM_NAME)) return { name, key, match, http: ctx.compileHttp(typed, typedPath) };
  if (isAnyOf(typed, TCP_PROXY_NAME)) {
    return { name, key, match, tcp: compileTcpProxy(typed, typedPath, ctx.trafficDirection) };
  }
  throw new ConfigError(
    typedPath,
    `network filter ${String(typed?.['@type'] ?? filters[0]!.name)} is not supported (Weft implements envoy.filters.network.http_connection_manager and envoy.filters.network.tcp_proxy)`,
    'unsupported',
  );
}

export function compileFilterChainMatch(m: FilterChainMatch, path: string): FilterChainMatchTable {
  const transportProtocol = String(m.transport_protocol ?? '');
  if (!TRANSPORT_PROTOCOLS.includes(transportProtocol)) {
    throw new ConfigError(
      joinPath(path, 'transport_protocol'),
      `transport_protocol "${transportProtocol}" needs TLS detection, which Weft does not implement yet (tls_inspector is treated as "not TLS"): only raw_buffer can match`,
      'unsupported',
    );
  }
  const ranges = (field: 'prefix_ranges' | 'direct_source_prefix_ranges' | 'source_prefix_ranges') =>
    objList<CidrRange>(m[field]).map((range, i) => compileCidr(range, joinPath(joinPath(path, field), i)));
  const destinationPort = optionalUint(m.destination_port, joinPath(path, 'destination_port'));
  const table: FilterChainMatchTable = {
    prefixRanges: ranges('prefix_ranges'),
    transportProtocol,
    applicationProtocols: Array.isArray(m.application_protocols) ? m.application_protocols.map(String) : [],
    directSourcePrefixRanges: ranges('direct_source_prefix_ranges'),
    sourceType: enumName(m.source_type, SOURCE_TYPES, joinPath(path, 'source_type')) as SourceType,
    sourcePrefixRanges: ranges('source_prefix_ranges'),
    sourcePorts: Array.isArray(m.source_ports) ? m.source_ports.map(Number) : [],
  };
  if (destinationPort !== undefined) Object.assign(table, { destinationPort });
  return table;
}
