// A route's action: RouteAction → ForwardAction, RedirectAction, DirectResponseAction.
import { compileHashPolicy, type HashPolicy } from '../cluster/lb/index.ts';
import {
  type AnyJson,
  bool,
  ConfigError,
  compileRegexRewrite,
  type DirectResponseAction as DirectResponseActionConfig,
  durationMs,
  enumName,
  fractionalPercent,
  isAnyOf,
  joinMapKey,
  joinPath,
  message,
  oneOf,
  onlyOneSet,
  optionalUint,
  type RedirectAction as RedirectActionConfig,
  type RouteAction,
  type RouteAction_RequestMirrorPolicy,
  type RouteConfiguration,
  repeated,
  str,
  uint,
  type WeightedCluster,
} from '../config/index.ts';
import { CORS_POLICY_TYPE_URL } from './cors.ts';
import { compileFault, FAULT_NAME } from './fault.ts';
import { compileHeaderMutation } from './headers.ts';
import { compileRetryPolicy } from './retry.ts';
import type { CompiledRouteMatch } from './route-match.ts';
import type {
  DirectResponseAction,
  FaultTable,
  ForwardAction,
  HeaderMutation,
  MirrorPolicyTable,
  RedirectAction,
  RetryPolicyTable,
  WeightedClusterTable,
} from './types.ts';

/** What a route inherits from its virtual host and route configuration. */
export interface ActionScope {
  /** Cluster names to check references against (static config); undefined = no check. */
  readonly clusterNames: ReadonlySet<string> | undefined;
  /** The virtual host's retry_policy; a route's own replaces it entirely (no field merging). */
  readonly retry: RetryPolicyTable | undefined;
  /** Inherited request_mirror_policies; a route's non-empty list replaces them. */
  readonly mirrors: readonly MirrorPolicyTable[];
  readonly maxDirectResponseBodyBytes: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_TOTAL_WEIGHT = 2 ** 32 - 1;
const NOT_FOUND_CODES: Readonly<Record<string, number>> = {
  SERVICE_UNAVAILABLE: 503,
  NOT_FOUND: 404,
  INTERNAL_SERVER_ERROR: 500,
};
const REDIRECT_CODES: Readonly<Record<string, number>> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

/** typed_per_filter_config: filter name → its config. */
type PerFilterConfigs = { [filter: string]: AnyJson };

/** The header lists every level of a route configuration has. */
type HeaderLists = Pick<
  RouteConfiguration,
  | 'request_headers_to_add'
  | 'request_headers_to_remove'
  | 'response_headers_to_add'
  | 'response_headers_to_remove'
>;

/** One level's request or response header lists (`request_headers_to_add` / `_to_remove`). */
export function headerMutationOf(o: HeaderLists, dir: 'request' | 'response', path: string): HeaderMutation {
  const add = `${dir}_headers_to_add` as const;
  const remove = `${dir}_headers_to_remove` as const;
  return compileHeaderMutation(o[add], o[remove], joinPath(path, add), joinPath(path, remove));
}

/** typed_per_filter_config → the fault filter override in it, if any (CORS policies are read apart). */
export function faultOverrideOf(tpfc: PerFilterConfigs | undefined, path: string): FaultTable | undefined {
  let fault: FaultTable | undefined;
  for (const [key, value] of Object.entries(tpfc ?? {})) {
    const at = joinMapKey(path, key);
    const type = value['@type'];
    if (type === CORS_POLICY_TYPE_URL) continue; // the CORS filter's own (http/cors)
    if (!isAnyOf(value, FAULT_NAME))
      throw new ConfigError(at, `per-filter config of @type ${String(type)} is not supported`, 'unsupported');
    if (fault) throw new ConfigError(at, 'more than one fault filter config; Weft runs one fault filter');
    fault = compileFault(value, at);
  }
  return fault;
}

function checkCluster(name: string, path: string, scope: ActionScope, what: string): void {
  if (scope.clusterNames && !scope.clusterNames.has(name)) {
    throw new ConfigError(path, `unknown ${what} "${name}": no cluster of that name is defined`);
  }
}

function compileWeighted(wc: WeightedCluster, path: string, scope: ActionScope): WeightedClusterTable {
  const cPath = joinPath(path, 'clusters');
  const clusters = repeated(wc.clusters, cPath).map((raw, i) => {
    const at = joinPath(cPath, i);
    const c = message(raw, at);
    if (c.cluster_header)
      throw new ConfigError(joinPath(at, 'cluster_header'), 'cluster_header is not supported', 'unsupported');
    const name = str(c.name, joinPath(at, 'name'));
    if (name === '') throw new ConfigError(joinPath(at, 'name'), 'a cluster name is required');
    checkCluster(name, joinPath(at, 'name'), scope, 'weighted cluster');
    const host = str(c.host_rewrite_literal, joinPath(at, 'host_rewrite_literal'));
    const fault = faultOverrideOf(c.typed_per_filter_config, joinPath(at, 'typed_per_filter_config'));
    return {
      name,
      weight: optionalUint(c.weight, joinPath(at, 'weight'), 0),
      requestHeaders: headerMutationOf(c, 'request', at),
      responseHeaders: headerMutationOf(c, 'response', at),
      ...(host === '' ? {} : { hostRewriteLiteral: host }),
      ...(fault ? { faultOverride: fault } : {}),
    };
  });
  if (clusters.length === 0) throw new ConfigError(cPath, 'at least one cluster is required');
  const sum = clusters.reduce((s, c) => s + c.weight, 0);
  if (sum === 0) throw new ConfigError(cPath, 'the sum of the cluster weights must be greater than 0');
  if (sum > MAX_TOTAL_WEIGHT)
    throw new ConfigError(cPath, `the sum of the cluster weights (${sum}) exceeds ${MAX_TOTAL_WEIGHT}`);
  const total = optionalUint(wc.total_weight, joinPath(path, 'total_weight'), 0);
  if (total > 0 && total !== sum) {
    throw new ConfigError(
      joinPath(path, 'total_weight'),
      `is ${total} but the cluster weights add up to ${sum}; make them equal or drop total_weight`,
    );
  }
  return { clusters, totalWeight: sum };
}

/** request_mirror_policies at any level; an empty list inherits the enclosing level's. */
export function compileMirrors(
  value: readonly RouteAction_RequestMirrorPolicy[] | undefined,
  path: string,
  scope: ActionScope,
): readonly MirrorPolicyTable[] {
  const mirrors = repeated(value, path).map((raw, i) => {
    const at = joinPath(path, i);
    const m = message(raw, at);
    if (m.cluster_header)
      throw new ConfigError(joinPath(at, 'cluster_header'), 'cluster_header is not supported', 'unsupported');
    const cluster = str(m.cluster, joinPath(at, 'cluster'));
    if (cluster === '') throw new ConfigError(joinPath(at, 'cluster'), 'a cluster name is required');
    checkCluster(cluster, joinPath(at, 'cluster'), scope, 'mirror cluster');
    let fraction = 1;
    if (m.runtime_fraction != null) {
      const rf = message(m.runtime_fraction, joinPath(at, 'runtime_fraction'));
      const dv = joinPath(joinPath(at, 'runtime_fraction'), 'default_value');
      if (rf.default_value == null) throw new ConfigError(dv, 'default_value is required');
      fraction = fractionalPercent(rf.default_value, dv);
    }
    return { cluster, fraction };
  });
  return mirrors.length > 0 ? mirrors : scope.mirrors;
}

/** Rewrites that replace the matched prefix need to know what matched. */
function checkPrefixRewrite(match: CompiledRouteMatch, path: string): void {
  if (match.kind === 'safe_regex') {
    throw new ConfigError(
      path,
      'prefix_rewrite needs a prefix, path or path_separated_prefix match (use regex_rewrite with safe_regex)',
    );
  }
}

export function compileForward(
  ra: RouteAction,
  path: string,
  match: CompiledRouteMatch,
  scope: ActionScope,
): ForwardAction {
  const spec = oneOf(
    ra,
    [
      'cluster',
      'weighted_clusters',
      'cluster_header',
      'cluster_specifier_plugin',
      'inline_cluster_specifier_plugin',
    ],
    path,
  );
  if (spec === undefined) throw new ConfigError(path, 'one of cluster or weighted_clusters is required');
  if (spec !== 'cluster' && spec !== 'weighted_clusters')
    throw new ConfigError(joinPath(path, spec), `${spec} is not supported`, 'unsupported');
  let cluster: string | undefined;
  let weighted: WeightedClusterTable | undefined;
  if (spec === 'cluster') {
    cluster = str(ra.cluster, joinPath(path, 'cluster'));
    if (cluster === '') throw new ConfigError(joinPath(path, 'cluster'), 'a cluster name is required');
    checkCluster(cluster, joinPath(path, 'cluster'), scope, 'cluster');
  } else
    weighted = compileWeighted(
      message(ra.weighted_clusters, joinPath(path, spec)),
      joinPath(path, spec),
      scope,
    );

  const rewrite = onlyOneSet(ra, ['prefix_rewrite', 'regex_rewrite', 'path_rewrite_policy'], path);
  if (rewrite === 'path_rewrite_policy')
    throw new ConfigError(joinPath(path, rewrite), 'path_rewrite_policy is not supported', 'unsupported');
  if (rewrite === 'prefix_rewrite') checkPrefixRewrite(match, joinPath(path, rewrite));
  const host = oneOf(
    ra,
    ['host_rewrite_literal', 'auto_host_rewrite', 'host_rewrite_header', 'host_rewrite_path_regex'],
    path,
  );
  if (host === 'host_rewrite_header' || host === 'host_rewrite_path_regex') {
    throw new ConfigError(joinPath(path, host), `${host} is not supported`, 'unsupported');
  }
  const notFound = enumName(
    ra.cluster_not_found_response_code,
    Object.keys(NOT_FOUND_CODES),
    joinPath(path, 'cluster_not_found_response_code'),
  );
  const hostLiteral = str(ra.host_rewrite_literal, joinPath(path, 'host_rewrite_literal'));
  const retry =
    ra.retry_policy != null
      ? compileRetryPolicy(
          message(ra.retry_policy, joinPath(path, 'retry_policy')),
          joinPath(path, 'retry_policy'),
        )
      : scope.retry;
  return {
    kind: 'forward',
    ...(cluster === undefined ? {} : { cluster }),
    ...(weighted ? { weighted } : {}),
    timeoutMs: ra.timeout == null ? DEFAULT_TIMEOUT_MS : durationMs(ra.timeout, joinPath(path, 'timeout')),
    ...(ra.idle_timeout == null
      ? {}
      : { idleTimeoutMs: durationMs(ra.idle_timeout, joinPath(path, 'idle_timeout')) }),
    ...(retry ? { retry } : {}),
    ...(rewrite === 'prefix_rewrite'
      ? { prefixRewrite: str(ra.prefix_rewrite, joinPath(path, rewrite)) }
      : {}),
    ...(rewrite === 'regex_rewrite'
      ? {
          regexRewrite: compileRegexRewrite(
            message(ra.regex_rewrite, joinPath(path, rewrite)),
            joinPath(path, rewrite),
          ),
        }
      : {}),
    ...(hostLiteral === '' ? {} : { hostRewriteLiteral: hostLiteral }),
    autoHostRewrite: bool(ra.auto_host_rewrite, joinPath(path, 'auto_host_rewrite'), false),
    mirrors: compileMirrors(ra.request_mirror_policies, joinPath(path, 'request_mirror_policies'), scope),
    ...(notFound === 'SERVICE_UNAVAILABLE' ? {} : { clusterNotFoundStatus: NOT_FOUND_CODES[notFound]! }),
    ...hashPolicyOf(ra, path),
  };
}

export function compileRedirect(
  r: RedirectActionConfig,
  path: string,
  match: CompiledRouteMatch,
): RedirectAction {
  const scheme = oneOf(r, ['https_redirect', 'scheme_redirect'], path);
  const rewrite = oneOf(r, ['path_redirect', 'prefix_rewrite', 'regex_rewrite'], path);
  if (rewrite === 'prefix_rewrite') checkPrefixRewrite(match, joinPath(path, rewrite));
  const port = optionalUint(r.port_redirect, joinPath(path, 'port_redirect'), 0);
  if (port > 65535)
    throw new ConfigError(joinPath(path, 'port_redirect'), `must be a port number (1-65535), got ${port}`);
  const code = enumName(r.response_code, Object.keys(REDIRECT_CODES), joinPath(path, 'response_code'));
  const schemeValue = str(r.scheme_redirect, joinPath(path, 'scheme_redirect'));
  const hostValue = str(r.host_redirect, joinPath(path, 'host_redirect'));
  return {
    kind: 'redirect',
    ...(scheme === 'scheme_redirect' && schemeValue !== ''
      ? { schemeRedirect: schemeValue.toLowerCase() }
      : {}),
    httpsRedirect: bool(r.https_redirect, joinPath(path, 'https_redirect'), false),
    ...(hostValue === '' ? {} : { hostRedirect: hostValue }),
    ...(port === 0 ? {} : { portRedirect: port }),
    ...(rewrite === 'path_redirect' ? { pathRedirect: str(r.path_redirect, joinPath(path, rewrite)) } : {}),
    ...(rewrite === 'prefix_rewrite'
      ? { prefixRewrite: str(r.prefix_rewrite, joinPath(path, rewrite)) }
      : {}),
    ...(rewrite === 'regex_rewrite'
      ? {
          regexRewrite: compileRegexRewrite(
            message(r.regex_rewrite, joinPath(path, rewrite)),
            joinPath(path, rewrite),
          ),
        }
      : {}),
    responseCode: REDIRECT_CODES[code]!,
    stripQuery: bool(r.strip_query, joinPath(path, 'strip_query'), false),
  };
}

export function compileDirectResponse(
  d: DirectResponseActionConfig,
  path: string,
  maxBodyBytes: number,
): DirectResponseAction {
  const status = uint(d.status, joinPath(path, 'status'));
  if (status < 200 || status > 599)
    throw new ConfigError(joinPath(path, 'status'), `must be in [200, 600), got ${status}`);
  if (d.body == null) return { kind: 'direct', status };
  const bPath = joinPath(path, 'body');
  const b = message(d.body, bPath);
  const source = oneOf(b, ['inline_string', 'inline_bytes', 'filename', 'environment_variable'], bPath);
  if (source === undefined) throw new ConfigError(bPath, 'one of inline_string or inline_bytes is required');
  if (source === 'filename' || source === 'environment_variable') {
    throw new ConfigError(
      joinPath(bPath, source),
      `${source} bodies are not supported (inline the body)`,
      'unsupported',
    );
  }
  const text = str(b[source], joinPath(bPath, source));
  const body = source === 'inline_string' ? Buffer.from(text, 'utf8') : Buffer.from(text, 'base64');
  if (body.length > maxBodyBytes) {
    throw new ConfigError(
      bPath,
      `the body is ${body.length} bytes; the maximum is ${maxBodyBytes} (max_direct_response_body_size_bytes)`,
    );
  }
  return { kind: 'direct', status, body };
}

function hashPolicyOf(ra: RouteAction, path: string): { hashPolicy?: HashPolicy } {
  if (ra.hash_policy === undefined) return {};
  const hashPolicy = compileHashPolicy(ra.hash_policy, joinPath(path, 'hash_policy'));
  return hashPolicy ? { hashPolicy } : {};
}
