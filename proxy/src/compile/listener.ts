// envoy.config.listener.v3.Listener with one http_connection_manager → ListenerTable.
import { ConfigError, joinPath } from '../config/errors.ts';
import { compileFault } from './fault.ts';
import { type Obj, objList, optionalObj } from './fields.ts';
import { compileRouteConfiguration } from './routes.ts';
import type {
  AccessLogTable,
  FaultTable,
  HttpConnectionManagerTable,
  ListenerTable,
  RouteTable,
} from './types.ts';
import { optionalDurationMs, optionalUint } from './values.ts';

const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const BUFFER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer';
const FILE_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STDOUT_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
/** Envoy's per_connection_buffer_limit_bytes default, which also caps retry buffering. */
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

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
  l: Obj,
  path: string,
  clusterNames: ReadonlySet<string>,
  routeConfigs?: ReadonlyMap<string, Obj>,
): ListenerTable {
  const name = String(l.name ?? '');
  const sa = optionalObj(optionalObj(l.address).socket_address);
  const address = String(sa.address ?? '0.0.0.0');
  const port = optionalUint(sa.port_value, joinPath(path, 'address.socket_address.port_value'), 0);
  const chains = objList(l.filter_chains);
  if (chains.length !== 1) {
    throw new ConfigError(
      joinPath(path, 'filter_chains'),
      `expected exactly one filter chain, got ${chains.length}`,
    );
  }
  const filters = objList(chains[0]!.filters);
  const hcmIndex = filters.findIndex((f) => optionalObj(f.typed_config)['@type'] === HCM_TYPE);
  if (hcmIndex === -1 || filters.length !== 1) {
    throw new ConfigError(
      joinPath(path, 'filter_chains[0].filters'),
      'expected one envoy.filters.network.http_connection_manager filter',
    );
  }
  const bufferLimit = optionalUint(
    l.per_connection_buffer_limit_bytes,
    joinPath(path, 'per_connection_buffer_limit_bytes'),
    DEFAULT_BUFFER_LIMIT,
  );
  const hcmPath = joinPath(path, `filter_chains[0].filters[${hcmIndex}].typed_config`);
  const http = compileHcm(
    optionalObj(filters[hcmIndex]!.typed_config),
    hcmPath,
    bufferLimit,
    clusterNames,
    routeConfigs,
  );
  return { name, address, port, http, perConnectionBufferLimitBytes: bufferLimit };
}

function compileHcm(
  h: Obj,
  path: string,
  bufferLimit: number,
  clusterNames: ReadonlySet<string>,
  routeConfigs: ReadonlyMap<string, Obj> | undefined,
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
  let fault: FaultTable | undefined;
  let faultFilterPresent = false;
  let maxRequestBytes: number | undefined;
  const filters = objList(h.http_filters);
  filters.forEach((f, i) => {
    const fPath = joinPath(joinPath(path, 'http_filters'), i);
    const typed = optionalObj(f.typed_config);
    const type = typed['@type'];
    const isLast = i === filters.length - 1;
    if (type === ROUTER_TYPE || f.name === 'envoy.filters.http.router') {
      if (!isLast) throw new ConfigError(fPath, 'the router filter must be the last http filter');
    } else if (type === FAULT_TYPE) {
      faultFilterPresent = true;
      fault = compileFault(typed, joinPath(fPath, 'typed_config'));
    } else if (type === BUFFER_TYPE) {
      maxRequestBytes = optionalUint(
        typed.max_request_bytes,
        joinPath(fPath, 'typed_config.max_request_bytes'),
        0,
      );
    } else {
      throw new ConfigError(fPath, `http filter ${String(type ?? f.name)} is not supported`, 'unsupported');
    }
    if (isLast && type !== ROUTER_TYPE)
      throw new ConfigError(fPath, 'the last http filter must be envoy.filters.http.router');
  });
  if (filters.length === 0)
    throw new ConfigError(joinPath(path, 'http_filters'), 'envoy.filters.http.router is required');
  const accessLogs: AccessLogTable[] = objList(h.access_log).map((log, i) => {
    const typed = optionalObj(log.typed_config);
    if (typed['@type'] === STDOUT_LOG_TYPE) return { path: '/dev/stdout' };
    if (typed['@type'] === FILE_LOG_TYPE && typeof typed.path === 'string') return { path: typed.path };
    throw new ConfigError(
      joinPath(joinPath(path, 'access_log'), i),
      'expected a FileAccessLog with a path or a StdoutAccessLog',
    );
  });
  const upgrades = new Set<string>();
  for (const u of objList(h.upgrade_configs)) {
    if (u.enabled === false) continue;
    upgrades.add(String(u.upgrade_type).toLowerCase());
  }
  const codecType = String(h.codec_type ?? 'AUTO');
  const common = optionalObj(h.common_http_protocol_options);
  const h2 = optionalObj(h.http2_protocol_options);
  const table: HttpConnectionManagerTable = {
    statPrefix: String(h.stat_prefix ?? ''),
    routes,
    fault,
    faultFilterPresent,
    maxRequestBytes,
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
    http2MaxConcurrentStreams: optionalUint(
      h2.max_concurrent_streams,
      joinPath(path, 'http2_protocol_options.max_concurrent_streams'),
    ),
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
