// envoy.config.listener.v3.Listener → ListenerTable: address and binding, listener filters, the
// filter chains (each an http_connection_manager or a tcp_proxy) and Envoy's filter chain match.

import type { HttpConnectionManager, Listener, RouteConfiguration } from '../config/index.ts';
import {
  bool,
  ConfigError,
  enumName,
  joinPath,
  objList,
  optionalDurationMs,
  optionalObj,
  optionalUint,
} from '../config/index.ts';
import { compileAccessLogs } from './access-logs.ts';
import { compileFilterChain, type FilterChainContext } from './filter-chain.ts';
import { FilterChainSelector } from './filter-chain-match.ts';
import { compileHcmProtocolOptions } from './hcm-protocol-options.ts';
import { compileHttpFilters } from './http-filters.ts';
import { compileListenerFilters } from './listener-filters.ts';
import { compileRouteConfiguration } from './routes.ts';
import type {
  FilterChainTable,
  HttpConnectionManagerTable,
  ListenerTable,
  RouteTable,
  TrafficDirection,
} from './types.ts';

/** Envoy's per_connection_buffer_limit_bytes default, which also caps retry buffering. */
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
/** Envoy's listener_filters_timeout default. */
const DEFAULT_LISTENER_FILTERS_TIMEOUT_MS = 15_000;
const TRAFFIC_DIRECTIONS: readonly TrafficDirection[] = ['UNSPECIFIED', 'INBOUND', 'OUTBOUND'];

/** Raised when a listener names an RDS route configuration that has not arrived yet. */
export class MissingRouteConfig extends Error {
  constructor(readonly routeConfigName: string) {
    super(`route configuration "${routeConfigName}" has not been received`);
  }
}

/**
 * `routeConfigs` holds the RDS route configurations by name, for listeners whose connection manager
 * uses `rds` rather than an inline `route_config`.
 */
export function compileListener(
  l: Listener,
  path: string,
  clusterNames: ReadonlySet<string>,
  routeConfigs?: ReadonlyMap<string, RouteConfiguration>,
): ListenerTable {
  const name = String(l.name ?? '');
  const sa = optionalObj(optionalObj(l.address).socket_address);
  const address = String(sa.address ?? '0.0.0.0');
  const port = optionalUint(sa.port_value, joinPath(path, 'address.socket_address.port_value'), 0);
  const bindToPort = bool(l.bind_to_port, joinPath(path, 'bind_to_port'), true);
  // Envoy: binding `::` takes IPv4 connections too only with ipv4_compat.
  const ipv6Only = address.includes(':') && sa.ipv4_compat !== true;
  if (!bindToPort && port === 0) {
    throw new ConfigError(
      joinPath(path, 'address.socket_address.port_value'),
      'a listener with bind_to_port false receives connections handed over by original destination, so it needs a fixed port',
    );
  }
  const trafficDirection = enumName(
    l.traffic_direction,
    TRAFFIC_DIRECTIONS,
    joinPath(path, 'traffic_direction'),
  ) as TrafficDirection;
  const bufferLimit = optionalUint(
    l.per_connection_buffer_limit_bytes,
    joinPath(path, 'per_connection_buffer_limit_bytes'),
    DEFAULT_BUFFER_LIMIT,
  );
  const ctx: FilterChainContext = {
    compileHttp: (typed, hcmPath) => {
      const http = compileHcm(typed, hcmPath, bufferLimit, clusterNames, routeConfigs);
      return trafficDirection === 'UNSPECIFIED' ? http : { ...http, trafficDirection };
    },
    trafficDirection,
  };
  const chainsPath = joinPath(path, 'filter_chains');
  const chainPaths: string[] = [];
  const filterChains = objList(l.filter_chains).map((chain, i) => {
    chainPaths.push(joinPath(chainsPath, i));
    return compileFilterChain(chain, joinPath(chainsPath, i), `filter_chains[${i}]`, ctx);
  });
  const defaultFilterChain =
    l.default_filter_chain === undefined
      ? undefined
      : compileFilterChain(
          optionalObj(l.default_filter_chain),
          joinPath(path, 'default_filter_chain'),
          'default_filter_chain',
          ctx,
          true,
        );
  if (filterChains.length === 0 && !defaultFilterChain) {
    throw new ConfigError(chainsPath, 'a listener needs filter_chains or a default_filter_chain');
  }
  const selector = new FilterChainSelector(filterChains, chainPaths, defaultFilterChain);
  const table: ListenerTable = {
    name,
    address,
    port,
    ipv6Only,
    bindToPort,
    useOriginalDst: bool(l.use_original_dst, joinPath(path, 'use_original_dst'), false),
    trafficDirection,
    listenerFilters: compileListenerFilters(l.listener_filters, joinPath(path, 'listener_filters')),
    listenerFiltersTimeoutMs: optionalDurationMs(
      l.listener_filters_timeout,
      joinPath(path, 'listener_filters_timeout'),
      DEFAULT_LISTENER_FILTERS_TIMEOUT_MS,
    ),
    continueOnListenerFiltersTimeout: l.continue_on_listener_filters_timeout === true,
    filterChains,
    selectFilterChain: (connection) => selector.select(connection),
    perConnectionBufferLimitBytes: bufferLimit,
    drainTimeoutMs: longestDrain(filterChains, defaultFilterChain),
  };
  if (defaultFilterChain) Object.assign(table, { defaultFilterChain });
  if (selector.only) Object.assign(table, { onlyFilterChain: selector.only });
  return table;
}

/** TCP connections of a listener that goes away get the HCM's default drain_timeout too. */
const DEFAULT_DRAIN_TIMEOUT_MS = 5000;

function longestDrain(chains: readonly FilterChainTable[], fallback: FilterChainTable | undefined): number {
  let ms = -1;
  for (const chain of fallback ? [...chains, fallback] : chains) {
    if (chain.http) ms = Math.max(ms, chain.http.drainTimeoutMs);
  }
  return ms < 0 ? DEFAULT_DRAIN_TIMEOUT_MS : ms;
}

function compileHcm(
  h: HttpConnectionManager,
  path: string,
  bufferLimit: number,
  clusterNames: ReadonlySet<string>,
  routeConfigs: ReadonlyMap<string, RouteConfiguration> | undefined,
): HttpConnectionManagerTable {
  let routes: RouteTable;
  if (h.route_config !== undefined) {
    routes = compileRouteConfiguration(optionalObj(h.route_config), joinPath(path, 'route_config'), {
      defaultBufferLimitBytes: bufferLimit,
      clusterNames,
    });
  } else if (h.rds !== undefined) {
    const name = String(optionalObj(h.rds).route_config_name ?? '');
    const rc = routeConfigs?.get(name);
    if (!rc) throw new MissingRouteConfig(name);
    // Envoy checks route → cluster references only for inline route configs (validate_clusters
    // defaults to false for RDS): a route to a cluster not (yet) known answers 503 NC instead.
    routes = compileRouteConfiguration(rc, `RouteConfiguration(${name})`, {
      defaultBufferLimitBytes: bufferLimit,
      ...(rc.validate_clusters === true ? { clusterNames } : {}),
    });
  } else {
    throw new ConfigError(path, 'an inline route_config or rds is required');
  }
  const httpFilters = compileHttpFilters(h.http_filters, path);
  const accessLogs = compileAccessLogs(h.access_log, joinPath(path, 'access_log'));
  const upgrades = new Set<string>();
  for (const u of objList(h.upgrade_configs)) {
    if (u.enabled === false) continue;
    upgrades.add(String(u.upgrade_type).toLowerCase());
  }
  const codecType = String(h.codec_type ?? 'AUTO');
  const common = optionalObj(h.common_http_protocol_options);
  const table: HttpConnectionManagerTable = {
    statPrefix: String(h.stat_prefix ?? ''),
    routes,
    httpFilters,
    maxRequestHeadersKb: optionalUint(h.max_request_headers_kb, joinPath(path, 'max_request_headers_kb'), 60),
    streamIdleTimeoutMs: optionalDurationMs(
      h.stream_idle_timeout,
      joinPath(path, 'stream_idle_timeout'),
      300_000,
    ),
    idleTimeoutMs: optionalDurationMs(
      common.idle_timeout,
      joinPath(path, 'common_http_protocol_options.idle_timeout'),
      3_600_000,
    ),
    ...compileHcmProtocolOptions(h, path),
    requestTimeoutMs: optionalDurationMs(h.request_timeout, joinPath(path, 'request_timeout'), 0),
    drainTimeoutMs: optionalDurationMs(h.drain_timeout, joinPath(path, 'drain_timeout'), 5000),
    generateRequestId: h.generate_request_id !== false,
    preserveExternalRequestId: h.preserve_external_request_id === true,
    useRemoteAddress: h.use_remote_address === true,
    xffNumTrustedHops: optionalUint(h.xff_num_trusted_hops, joinPath(path, 'xff_num_trusted_hops'), 0),
    skipXffAppend: h.skip_xff_append === true,
    serverName: typeof h.server_name === 'string' ? h.server_name : 'envoy',
    upgrades,
    codec: codecType === 'HTTP1' ? 'h1' : codecType === 'HTTP2' ? 'h2' : 'auto',
    accessLogs,
  };
  if (table.maxRequestHeadersKb < 1 || table.maxRequestHeadersKb > 8192) {
    throw new ConfigError(joinPath(path, 'max_request_headers_kb'), 'must be between 1 and 8192');
  }
  return table;
}
