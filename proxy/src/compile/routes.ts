// envoy.config.route.v3.RouteConfiguration → RouteTable: virtual hosts with a domain index built once,
// and each virtual host's routes in order (the first whose match succeeds wins).

import {
  bool,
  ConfigError,
  joinPath,
  message,
  oneOf,
  optionalUint,
  type Route,
  type RouteConfiguration,
  repeated,
  str,
  type VirtualHost,
} from '../config/index.ts';
import { type CorsPolicyConfig, corsPolicyOf, mergeCors } from './cors.ts';
import { compileRetryPolicy } from './retry.ts';
import {
  type ActionScope,
  compileDirectResponse,
  compileForward,
  compileMirrors,
  compileRedirect,
  faultOverrideOf,
  headerMutationOf,
} from './route-action.ts';
import { compileRouteMatch } from './route-match.ts';
import type {
  FaultTable,
  HeaderMutation,
  RequestView,
  RouteAction,
  RouteEntry,
  RouteTable,
  VirtualHostTable,
} from './types.ts';

export interface RouteCompileOptions {
  /** The listener's per_connection_buffer_limit_bytes, which also caps per-route limits. */
  readonly defaultBufferLimitBytes: number;
  /** Defined clusters; when given (static config), routes must name one of them (validate_clusters). */
  readonly clusterNames?: ReadonlySet<string>;
}

const DEFAULT_MAX_DIRECT_RESPONSE_BODY = 4096;

interface HostScope extends ActionScope {
  readonly fault: FaultTable | undefined;
  /** The virtual host's CORS policy, which a route's own overrides field by field. */
  readonly cors: CorsPolicyConfig | undefined;
  readonly bufferLimitBytes: number | undefined;
  readonly listenerBufferLimitBytes: number;
}

/**
 * Domain lookup in Envoy's order: exact, then the longest `*.suffix` wildcard, then the longest
 * `prefix.*` wildcard; `*` is the caller's last resort. A wildcard never matches an empty string.
 */
class DomainIndex {
  private readonly exact = new Map<string, VirtualHostTable>();
  /** By wildcard length, longest first; one Map lookup per distinct length. */
  private readonly suffixes: Array<[number, Map<string, VirtualHostTable>]> = [];
  private readonly prefixes: Array<[number, Map<string, VirtualHostTable>]> = [];
  private readonly owners = new Map<string, string>();
  wildcard: VirtualHostTable | undefined;

  add(domain: string, vh: VirtualHostTable, path: string): void {
    const owner = this.owners.get(domain);
    if (owner !== undefined) {
      const what =
        domain === '*'
          ? 'only one virtual host may use the wildcard domain "*"'
          : `duplicate domain "${domain}"`;
      throw new ConfigError(
        path,
        `${what}: virtual host "${owner}" already has it (domains must be unique across virtual hosts)`,
      );
    }
    this.owners.set(domain, vh.name);
    if (domain === '*') this.wildcard = vh;
    else if (domain.startsWith('*')) this.insert(this.suffixes, domain.slice(1), vh);
    else if (domain.endsWith('*')) this.insert(this.prefixes, domain.slice(0, -1), vh);
    else this.exact.set(domain, vh);
  }

  private insert(
    byLength: Array<[number, Map<string, VirtualHostTable>]>,
    key: string,
    vh: VirtualHostTable,
  ): void {
    let bucket = byLength.find(([len]) => len === key.length);
    if (!bucket) {
      bucket = [key.length, new Map()];
      byLength.push(bucket);
      byLength.sort((a, b) => b[0] - a[0]);
    }
    bucket[1].set(key, vh);
  }

  /** Everything but `*`, for a lower-case host. */
  find(host: string): VirtualHostTable | undefined {
    const exact = this.exact.get(host);
    if (exact) return exact;
    const suffixes = this.suffixes;
    for (let i = 0; i < suffixes.length; i++) {
      const [len, hosts] = suffixes[i]!;
      if (host.length <= len) continue;
      const vh = hosts.get(host.slice(host.length - len));
      if (vh) return vh;
    }
    const prefixes = this.prefixes;
    for (let i = 0; i < prefixes.length; i++) {
      const [len, hosts] = prefixes[i]!;
      if (host.length <= len) continue;
      const vh = hosts.get(host.slice(0, len));
      if (vh) return vh;
    }
    return undefined;
  }

  get onlyWildcard(): boolean {
    return this.owners.size === 1 && this.wildcard !== undefined;
  }
}

/** `host:port` → `host`; `[v6]:port` → `[v6]`; anything without a numeric port is returned as is. */
export function stripPort(host: string): string {
  let colon: number;
  if (host.charCodeAt(0) === 91 /* [ */) {
    colon = host.indexOf(']') + 1;
    if (colon === 0 || host.charCodeAt(colon) !== 58 /* : */) return host;
  } else {
    colon = host.lastIndexOf(':');
    if (colon < 0 || host.indexOf(':') !== colon) return host; // none, or a bare IPv6 address
  }
  if (colon === host.length - 1) return host;
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return host;
  }
  return host.slice(0, colon);
}

class RouteTableImpl implements RouteTable {
  constructor(
    readonly name: string,
    readonly virtualHosts: readonly VirtualHostTable[],
    private readonly index: DomainIndex,
    readonly requestHeaders: HeaderMutation,
    readonly responseHeaders: HeaderMutation,
  ) {}

  /**
   * Case-insensitive. The authority is looked up as received, then, if nothing but `*` matched and it
   * has a port, without the port (so `Host: a.com:8080` reaches a virtual host for `a.com`), then `*`.
   */
  findVirtualHost(authority: string): VirtualHostTable | undefined {
    const index = this.index;
    if (index.onlyWildcard) return index.wildcard;
    const host = authority.toLowerCase();
    const found = index.find(host);
    if (found) return found;
    const bare = stripPort(host);
    return (bare === host ? undefined : index.find(bare)) ?? index.wildcard;
  }
}

/** The first route of `vh` whose match succeeds, as Envoy's router picks it. */
export function selectRoute(vh: VirtualHostTable, req: RequestView): RouteEntry | undefined {
  const routes = vh.routes;
  for (let i = 0; i < routes.length; i++) if (routes[i]!.match.matches(req)) return routes[i];
  return undefined;
}

function compileRoute(r: Route, path: string, scope: HostScope): RouteEntry {
  if (r.match == null) throw new ConfigError(joinPath(path, 'match'), 'match is required');
  const match = compileRouteMatch(message(r.match, joinPath(path, 'match')), joinPath(path, 'match'));
  const kind = oneOf(
    r,
    ['route', 'redirect', 'direct_response', 'filter_action', 'non_forwarding_action'],
    path,
  );
  if (kind === undefined)
    throw new ConfigError(path, 'one of route, redirect or direct_response is required');
  const at = joinPath(path, kind);
  let action: RouteAction;
  if (kind === 'route') action = compileForward(message(r.route, at), at, match, scope);
  else if (kind === 'redirect') action = compileRedirect(message(r.redirect, at), at, match);
  else if (kind === 'direct_response')
    action = compileDirectResponse(message(r.direct_response, at), at, scope.maxDirectResponseBodyBytes);
  else throw new ConfigError(at, `${kind} is not supported`, 'unsupported');
  // Most specific per-filter config wins: route over virtual host (weighted clusters carry their own).
  const fault =
    faultOverrideOf(r.typed_per_filter_config, joinPath(path, 'typed_per_filter_config')) ?? scope.fault;
  const cors = mergeCors(
    corsPolicyOf(r.typed_per_filter_config, joinPath(path, 'typed_per_filter_config')),
    scope.cors,
  );
  const own = optionalUint(
    r.per_request_buffer_limit_bytes,
    joinPath(path, 'per_request_buffer_limit_bytes'),
  );
  // Envoy buffers the smaller of the route's (else the virtual host's) limit and the listener's.
  const limit = own ?? scope.bufferLimitBytes ?? scope.listenerBufferLimitBytes;
  return {
    name: str(r.name, joinPath(path, 'name')),
    match: match.matcher,
    ...(match.kind === 'prefix' || match.kind === 'path_separated_prefix'
      ? { matchedPrefix: match.value! }
      : {}),
    ...(match.kind === 'path' ? { matchedPath: match.value! } : {}),
    action,
    requestHeaders: headerMutationOf(r, 'request', path),
    responseHeaders: headerMutationOf(r, 'response', path),
    ...(fault ? { fault } : {}),
    ...(cors ? { cors } : {}),
    bufferLimitBytes: Math.min(limit, scope.listenerBufferLimitBytes),
  };
}

function compileVirtualHost(v: VirtualHost, path: string, parent: HostScope): VirtualHostTable {
  const name = str(v.name, joinPath(path, 'name'));
  if (name === '') throw new ConfigError(joinPath(path, 'name'), 'a virtual host name is required');
  const dPath = joinPath(path, 'domains');
  const domains = repeated(v.domains, dPath).map((d, i) => {
    const domain = str(d, joinPath(dPath, i)).toLowerCase();
    if (domain === '') throw new ConfigError(joinPath(dPath, i), 'a domain must not be empty');
    return domain;
  });
  if (domains.length === 0) throw new ConfigError(dPath, 'at least one domain is required');
  const rPath = joinPath(path, 'retry_policy');
  const scope: HostScope = {
    ...parent,
    retry: v.retry_policy == null ? undefined : compileRetryPolicy(message(v.retry_policy, rPath), rPath),
    mirrors: compileMirrors(v.request_mirror_policies, joinPath(path, 'request_mirror_policies'), parent),
    fault:
      faultOverrideOf(v.typed_per_filter_config, joinPath(path, 'typed_per_filter_config')) ?? parent.fault,
    cors: corsPolicyOf(v.typed_per_filter_config, joinPath(path, 'typed_per_filter_config')) ?? parent.cors,
    bufferLimitBytes: optionalUint(
      v.per_request_buffer_limit_bytes,
      joinPath(path, 'per_request_buffer_limit_bytes'),
    ),
  };
  const routesPath = joinPath(path, 'routes');
  const routes = repeated(v.routes, routesPath).map((r, i) =>
    compileRoute(message(r, joinPath(routesPath, i)), joinPath(routesPath, i), scope),
  );
  return {
    name,
    domains,
    routes,
    requestHeaders: headerMutationOf(v, 'request', path),
    responseHeaders: headerMutationOf(v, 'response', path),
  };
}

/**
 * Compiles a RouteConfiguration. Header mutations are kept per level; apply them most specific first
 * (selected weighted cluster, route, virtual host, then this table's), as Envoy does by default.
 */
export function compileRouteConfiguration(
  rc: RouteConfiguration,
  path: string,
  opts: RouteCompileOptions,
): RouteTable {
  const validate = bool(rc.validate_clusters, joinPath(path, 'validate_clusters'), true);
  const base: HostScope = {
    clusterNames: validate ? opts.clusterNames : undefined,
    retry: undefined,
    mirrors: [],
    maxDirectResponseBodyBytes: optionalUint(
      rc.max_direct_response_body_size_bytes,
      joinPath(path, 'max_direct_response_body_size_bytes'),
      DEFAULT_MAX_DIRECT_RESPONSE_BODY,
    ),
    fault: undefined,
    cors: undefined,
    bufferLimitBytes: undefined,
    listenerBufferLimitBytes: opts.defaultBufferLimitBytes,
  };
  const scope = {
    ...base,
    mirrors: compileMirrors(rc.request_mirror_policies, joinPath(path, 'request_mirror_policies'), base),
  };
  const vhPath = joinPath(path, 'virtual_hosts');
  const index = new DomainIndex();
  const virtualHosts = repeated(rc.virtual_hosts, vhPath).map((raw, i) => {
    const at = joinPath(vhPath, i);
    const vh = compileVirtualHost(message(raw, at), at, scope);
    vh.domains.forEach((d, j) => {
      index.add(d, vh, joinPath(joinPath(at, 'domains'), j));
    });
    return vh;
  });
  return new RouteTableImpl(
    str(rc.name, joinPath(path, 'name')),
    virtualHosts,
    index,
    headerMutationOf(rc, 'request', path),
    headerMutationOf(rc, 'response', path),
  );
}
