// A VirtualService's http[] → Envoy routes for one port, in order. Each http[] entry becomes one
// route per applicable match; a forward route without its own `retries` and without a fault may be
// split in two for Weft's default retry rule (see retry.ts).

import { corsConfig } from './cors.ts';
import {
  explicitRetryPolicy,
  IDEMPOTENT_METHOD_REGEX,
  IDEMPOTENT_METHODS,
  idempotentDefaultPolicy,
  notSentDefaultPolicy,
} from './retry.ts';
import { type ActionScope, actionOf, faultConfig } from './route-action.ts';
import { type MatchScope, translateMatches } from './route-match.ts';
import type { EnvoyObject, HttpRoute, VirtualServiceSpec } from './types.ts';

export interface RouteScope extends ActionScope, MatchScope {
  /** `<name>.<namespace>` of the VirtualService, for route names. */
  readonly owner: string;
  /** For proxyless gRPC: no default retries (gRPC already re-sends what never left the client, and
   * every RPC is a POST, so Weft's default for non-idempotent requests would add nothing). */
  readonly proxyless?: boolean;
}

function withRetry(route: EnvoyObject, retry: EnvoyObject | undefined): EnvoyObject {
  if (!retry) return route;
  return { ...route, route: { ...(route.route as EnvoyObject), retry_policy: retry } };
}

function routesOf(http: HttpRoute, index: number, scope: RouteScope): EnvoyObject[] {
  const base = http.name ?? `${scope.owner}.${index}`;
  const fault = faultConfig(http.fault);
  const filterConfig = { ...corsConfig(http.corsPolicy), ...fault };
  const out: EnvoyObject[] = [];
  for (const m of translateMatches(http.match, scope)) {
    const name = m.name ? `${base}.${m.name}` : base;
    const route: EnvoyObject = {
      name,
      match: m.match,
      ...actionOf(http, m.match, scope),
      ...(Object.keys(filterConfig).length > 0 ? { typed_per_filter_config: filterConfig } : {}),
    };
    if (!route.route) {
      out.push(route);
    } else if (http.retries) {
      out.push(withRetry(route, explicitRetryPolicy(http.retries)));
    } else if (fault || scope.proxyless) {
      out.push(route); // no default retries: the injected abort rate must hold
    } else if (m.exactMethod !== undefined) {
      // The method is pinned, so one policy fits and no split is needed.
      const idempotent = IDEMPOTENT_METHODS.includes(m.exactMethod);
      out.push(withRetry(route, idempotent ? idempotentDefaultPolicy() : notSentDefaultPolicy()));
    } else {
      const headers = (m.match.headers as EnvoyObject[] | undefined) ?? [];
      const idempotentMatch = {
        ...m.match,
        headers: [
          ...headers,
          { name: ':method', string_match: { safe_regex: { regex: IDEMPOTENT_METHOD_REGEX } } },
        ],
      };
      out.push(
        withRetry(
          { ...route, name: `${name}.idempotent`, match: idempotentMatch },
          idempotentDefaultPolicy(),
        ),
      );
      out.push(withRetry(route, notSentDefaultPolicy()));
    }
  }
  return out;
}

export function virtualServiceRoutes(spec: VirtualServiceSpec, scope: RouteScope): EnvoyObject[] {
  return (spec.http ?? []).flatMap((http, i) => routesOf(http, i, scope));
}

/** A service with no VirtualService: everything to its plain cluster, with the default retries. */
export function defaultRoutes(fqdn: string, port: number, scope: RouteScope): EnvoyObject[] {
  return routesOf(
    { name: 'default', route: [{ destination: { host: fqdn, port: { number: port } } }] },
    0,
    scope,
  );
}
