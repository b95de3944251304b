// One VirtualService http[] entry → the action half of an Envoy route: route (cluster or weighted
// clusters, timeout, rewrite, mirrors, hash policy), redirect or direct_response, plus header
// mutations and the per-route fault filter config. Retries are added by http-routes.ts.

import { GRPC_STATUS_NAMES } from '../model/index.ts';
import { effectivePolicy, hashPolicyOf } from './policy.ts';
import { clusterName, type Registry, resolveIn } from './registry.ts';
import type { Destination, EnvoyObject, HeaderOps, Headers, HttpRoute } from './types.ts';
import { compact, duration, fractionalPercent, ZERO_DURATION } from './values.ts';

export const FAULT_FILTER = 'envoy.filters.http.fault';
const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

export interface ActionScope {
  readonly registry: Registry;
  /** The VirtualService's namespace: its short host names resolve there. */
  readonly namespace: string;
  /** The listener port the route configuration is for. */
  readonly port: number;
}

const REDIRECT_CODES: Readonly<Record<number, string>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

const GRPC_CODES = GRPC_STATUS_NAMES;

interface Target {
  readonly cluster: string;
  readonly fqdn: string;
  readonly port: number;
  readonly subset: string;
}

/**
 * A destination's cluster. Without an explicit port: the service's only port, else the listener's
 * port when the service has it (the request came in on that port), else the listener's port anyway.
 */
export function targetOf(dest: Destination, scope: ActionScope): Target {
  const fqdn = resolveIn(scope.registry, dest.host, scope.namespace);
  const ports = scope.registry.byFqdn.get(fqdn)?.ports ?? [];
  const port = dest.port?.number ?? (ports.length === 1 ? ports[0]!.port : scope.port);
  const subset = dest.subset ?? '';
  return { cluster: clusterName(port, subset, fqdn), fqdn, port, subset };
}

function hashPolicyFor(t: Target, scope: ActionScope): EnvoyObject[] | undefined {
  const rule = scope.registry.destinationRules.get(t.fqdn)?.spec;
  if (!rule) return undefined;
  const subset = rule.subsets?.find((s) => s.name === t.subset)?.trafficPolicy;
  return hashPolicyOf(effectivePolicy(rule.trafficPolicy, subset, t.port).loadBalancer?.consistentHash);
}

function headerValues(ops: HeaderOps | undefined, dir: 'request' | 'response'): EnvoyObject {
  if (!ops) return {};
  const add = [
    ...Object.entries(ops.set ?? {}).map(([key, value]) => ({
      header: { key, value },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    })),
    // APPEND_IF_EXISTS_OR_ADD is the enum's default, so it is left implicit.
    ...Object.entries(ops.add ?? {}).map(([key, value]) => ({ header: { key, value } })),
  ];
  return compact({
    [`${dir}_headers_to_add`]: add.length > 0 ? add : undefined,
    [`${dir}_headers_to_remove`]: ops.remove && ops.remove.length > 0 ? [...ops.remove] : undefined,
  });
}

/** Istio's `headers` → Envoy's *_headers_to_add / *_headers_to_remove. */
export function headerMutations(h: Headers | undefined): EnvoyObject {
  return { ...headerValues(h?.request, 'request'), ...headerValues(h?.response, 'response') };
}

/** typed_per_filter_config for the fault filter, or undefined when the route injects no fault. */
export function faultConfig(fault: HttpRoute['fault']): EnvoyObject | undefined {
  if (!fault || (!fault.delay && !fault.abort)) return undefined;
  const d = fault.delay;
  const a = fault.abort;
  const grpc = a?.grpcStatus === undefined ? undefined : GRPC_CODES.indexOf(a.grpcStatus.toUpperCase());
  const config = compact({
    '@type': FAULT_TYPE,
    delay:
      d?.fixedDelay === undefined
        ? undefined
        : {
            fixed_delay: duration(d.fixedDelay),
            percentage: fractionalPercent(d.percentage?.value ?? d.percent),
          },
    // http2Error aborts are not implemented by the proxy, so they are left out.
    abort:
      a?.httpStatus !== undefined || (grpc !== undefined && grpc >= 0)
        ? {
            ...(a?.httpStatus !== undefined ? { http_status: a.httpStatus } : { grpc_status: grpc }),
            percentage: fractionalPercent(a?.percentage?.value),
          }
        : undefined,
  });
  return config.delay || config.abort ? { [FAULT_FILTER]: config } : undefined;
}

function mirrorsOf(http: HttpRoute, scope: ActionScope): EnvoyObject[] | undefined {
  const list: Array<{ destination: HttpRoute['mirror']; percent: number | undefined }> = [];
  if (http.mirror)
    list.push({ destination: http.mirror, percent: http.mirrorPercentage?.value ?? http.mirrorPercent });
  for (const m of http.mirrors ?? []) list.push({ destination: m.destination, percent: m.percentage?.value });
  const policies = list.map(({ destination, percent }) => ({
    cluster: targetOf(destination!, scope).cluster,
    runtime_fraction: { default_value: fractionalPercent(percent) },
  }));
  return policies.length > 0 ? policies : undefined;
}

function rewriteOf(http: HttpRoute, match: EnvoyObject): EnvoyObject {
  const rw = http.rewrite;
  if (!rw) return {};
  let path: EnvoyObject = {};
  if (rw.uriRegexRewrite) {
    path = {
      regex_rewrite: {
        pattern: { regex: rw.uriRegexRewrite.match },
        substitution: rw.uriRegexRewrite.rewrite,
      },
    };
  } else if (rw.uri !== undefined) {
    // Istio replaces the matched prefix, or the whole path for exact and regex matches. Envoy's
    // prefix_rewrite does both for prefix and path matches; a regex match needs a whole-path regex.
    path =
      match.safe_regex === undefined
        ? { prefix_rewrite: rw.uri }
        : { regex_rewrite: { pattern: { regex: '^.*$' }, substitution: rw.uri } };
  }
  return { ...path, ...(rw.authority ? { host_rewrite_literal: rw.authority } : {}) };
}

/** The forward action (`route`) of an http[] entry with route destinations. */
function forwardOf(
  http: HttpRoute,
  match: EnvoyObject,
  scope: ActionScope,
): { route: EnvoyObject; headers: EnvoyObject } {
  const all = http.route ?? [];
  // Weights are relative; a zero-weight destination gets no traffic, so it is left out (as in Istio).
  const live = all.length === 1 ? all : all.filter((d) => (d.weight ?? 0) > 0);
  const targets = live.map((d) => ({ d, t: targetOf(d.destination, scope) }));
  const hashes = targets.map(({ t }) => JSON.stringify(hashPolicyFor(t, scope) ?? null));
  // Ring hash needs one hash per request: only a hash all destinations agree on is emitted.
  const hash = hashes.every((h) => h === hashes[0]) ? hashPolicyFor(targets[0]!.t, scope) : undefined;
  let specifier: EnvoyObject;
  let headers: EnvoyObject = {};
  if (targets.length === 1) {
    specifier = { cluster: targets[0]!.t.cluster };
    headers = headerMutations(targets[0]!.d.headers);
  } else {
    specifier = {
      weighted_clusters: {
        clusters: targets.map(({ d, t }) => ({
          name: t.cluster,
          weight: { value: d.weight ?? 0 },
          ...headerMutations(d.headers),
        })),
      },
    };
  }
  const route = compact({
    ...specifier,
    // Istio's default is no timeout; Envoy's is 15 s, so "none" must be said as 0s.
    timeout: http.timeout ? duration(http.timeout) : ZERO_DURATION,
    ...rewriteOf(http, match),
    request_mirror_policies: mirrorsOf(http, scope),
    hash_policy: hash,
  });
  return { route, headers };
}

/** The action fields of an Envoy route: route / redirect / direct_response, and header mutations. */
export function actionOf(http: HttpRoute, match: EnvoyObject, scope: ActionScope): EnvoyObject {
  const own = headerMutations(http.headers);
  if (http.redirect) {
    const r = http.redirect;
    const code =
      r.redirectCode === undefined || r.redirectCode === 301 ? undefined : REDIRECT_CODES[r.redirectCode];
    return {
      redirect: compact({
        path_redirect: r.uri,
        host_redirect: r.authority,
        port_redirect: r.port,
        scheme_redirect: r.scheme,
        response_code: code,
      }),
      ...own,
    };
  }
  if (http.directResponse) {
    const body = http.directResponse.body;
    return {
      direct_response: compact({
        status: http.directResponse.status,
        body:
          body?.string !== undefined
            ? { inline_string: body.string }
            : body?.bytes !== undefined
              ? { inline_bytes: body.bytes }
              : undefined,
      }),
      ...own,
    };
  }
  const { route, headers } = forwardOf(http, match, scope);
  // A single destination's headers apply with the route's; the route's own come last so they win.
  return { route, ...mergeMutations(headers, own) };
}

function mergeMutations(a: EnvoyObject, b: EnvoyObject): EnvoyObject {
  const out: EnvoyObject = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = [...((out[k] as unknown[]) ?? []), ...(v as unknown[])];
  return out;
}
