// envoy.extensions.filters.http.cors.v3.CorsPolicy (per-route and per-virtual-host
// typed_per_filter_config) → CorsTable. Envoy reads each field from the most specific level that
// sets it (route, then virtual host), and whether the filter is enabled from the most specific
// level alone; that merge happens here, once per route, so the request path reads one table.
import {
  bool,
  ConfigError,
  fractionalPercent,
  joinMapKey,
  joinPath,
  list,
  type Obj,
  obj,
  str,
} from '../config/index.ts';
import { compileStringMatcher, type StringMatcherTable } from './string-match.ts';

export const CORS_FILTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
export const CORS_POLICY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

/** One level's policy as configured: a field left unset is undefined, for a wider level to fill. */
export interface CorsPolicyConfig {
  readonly allowOrigins?: readonly StringMatcherTable[];
  readonly allowMethods?: string;
  readonly allowHeaders?: string;
  readonly exposeHeaders?: string;
  readonly maxAge?: string;
  readonly allowCredentials?: boolean;
  readonly allowPrivateNetworkAccess?: boolean;
  readonly forwardNotMatchingPreflights?: boolean;
  /** filter_enabled as a fraction (1 when neither it nor shadow_enabled is set). */
  readonly enabledFraction: number;
  /** shadow_enabled: evaluate and count, do not enforce (0 when unset). */
  readonly shadowFraction: number;
}

/** The policy in force for one route, with the response headers that never vary precomputed. */
export interface CorsTable {
  readonly allowOrigins: readonly StringMatcherTable[];
  /** Some matcher matches "*", which Envoy reads as "every origin". */
  readonly anyOrigin: boolean;
  /** "*": echo the preflight's access-control-request-method / -headers. */
  readonly echoMethods: boolean;
  readonly echoHeaders: boolean;
  readonly forwardNotMatchingPreflights: boolean;
  readonly allowPrivateNetworkAccess: boolean;
  readonly enabledFraction: number;
  readonly shadowFraction: number;
  /** A preflight's headers other than the origin and the echoed ones. */
  readonly preflightHeaders: Readonly<Record<string, string>>;
  /** What an actual request's response gets besides access-control-allow-origin. */
  readonly responseHeaders: ReadonlyArray<readonly [name: string, value: string]>;
}

const nonEmpty = (s: string) => (s === '' ? undefined : s);

export function compileCorsPolicy(p: Obj, path: string): CorsPolicyConfig {
  const originsPath = joinPath(path, 'allow_origin_string_match');
  const origins = list(p.allow_origin_string_match, originsPath).map((m, i) =>
    compileStringMatcher(obj(m, joinPath(originsPath, i)), joinPath(originsPath, i)),
  );
  const optionalBool = (key: string) =>
    p[key] == null ? undefined : bool(p[key], joinPath(path, key), false);
  const fraction = (key: string, fallback: number) => {
    if (p[key] == null) return fallback;
    const at = joinPath(path, key);
    return fractionalPercent(obj(p[key], at).default_value, joinPath(at, 'default_value'), 0);
  };
  // Envoy: enabled for every request unless filter_enabled says otherwise.
  const config: CorsPolicyConfig = {
    allowOrigins: origins.length > 0 ? origins : undefined,
    allowMethods: nonEmpty(str(p.allow_methods, joinPath(path, 'allow_methods'))),
    allowHeaders: nonEmpty(str(p.allow_headers, joinPath(path, 'allow_headers'))),
    exposeHeaders: nonEmpty(str(p.expose_headers, joinPath(path, 'expose_headers'))),
    maxAge: nonEmpty(str(p.max_age, joinPath(path, 'max_age'))),
    allowCredentials: optionalBool('allow_credentials'),
    allowPrivateNetworkAccess: optionalBool('allow_private_network_access'),
    forwardNotMatchingPreflights: optionalBool('forward_not_matching_preflights'),
    enabledFraction: fraction('filter_enabled', 1),
    shadowFraction: fraction('shadow_enabled', 0),
  };
  if (config.maxAge !== undefined && !/^\d+$/.test(config.maxAge)) {
    throw new ConfigError(
      joinPath(path, 'max_age'),
      `max_age is a number of seconds, got ${JSON.stringify(config.maxAge)}`,
    );
  }
  return config;
}

/** The CorsPolicy in a typed_per_filter_config map, if it has one. */
export function corsPolicyOf(tpfc: unknown, path: string): CorsPolicyConfig | undefined {
  for (const [key, value] of Object.entries(obj(tpfc, path))) {
    const at = joinMapKey(path, key);
    if (obj(value, at)['@type'] === CORS_POLICY_TYPE_URL) return compileCorsPolicy(value as Obj, at);
  }
  return undefined;
}

/** Envoy's precedence: each field from the most specific level that sets it; enabled from the first. */
export function mergeCors(
  specific: CorsPolicyConfig | undefined,
  general: CorsPolicyConfig | undefined,
): CorsTable | undefined {
  const first = specific ?? general;
  if (!first) return undefined;
  const pick = <K extends keyof CorsPolicyConfig>(k: K) => specific?.[k] ?? general?.[k];
  const allowOrigins = pick('allowOrigins') ?? [];
  const methods = pick('allowMethods');
  const headers = pick('allowHeaders');
  const maxAge = pick('maxAge');
  const exposeHeaders = pick('exposeHeaders');
  const credentials = pick('allowCredentials') === true;
  const preflightHeaders: Record<string, string> = {};
  if (credentials) preflightHeaders['access-control-allow-credentials'] = 'true';
  if (methods !== undefined && methods !== '*') preflightHeaders['access-control-allow-methods'] = methods;
  if (headers !== undefined && headers !== '*') preflightHeaders['access-control-allow-headers'] = headers;
  if (maxAge !== undefined) preflightHeaders['access-control-max-age'] = maxAge;
  const responseHeaders: Array<readonly [string, string]> = [];
  if (credentials) responseHeaders.push(['access-control-allow-credentials', 'true']);
  if (exposeHeaders !== undefined) responseHeaders.push(['access-control-expose-headers', exposeHeaders]);
  return {
    allowOrigins,
    anyOrigin: allowOrigins.some((m) => m.match('*')),
    echoMethods: methods === '*',
    echoHeaders: headers === '*',
    forwardNotMatchingPreflights: pick('forwardNotMatchingPreflights') ?? true,
    allowPrivateNetworkAccess: pick('allowPrivateNetworkAccess') === true,
    enabledFraction: first.enabledFraction,
    shadowFraction: first.shadowFraction,
    preflightHeaders,
    responseHeaders,
  };
}
