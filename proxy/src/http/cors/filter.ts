// The CORS filter at request time (Envoy's envoy.filters.http.cors): a request with an Origin is a
// CORS request. A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here
// with 200 and the policy's headers — unless the origin is not allowed and the policy forwards such
// preflights upstream. Any other CORS request from an allowed origin continues, and its response gets
// Access-Control-Allow-Origin (the request's origin), -Allow-Credentials and -Expose-Headers. An
// origin that is not allowed gets no CORS headers at all.
import type { CorsTable, HeaderMutation, RequestView } from '../../compile/index.ts';
import type { Random } from '../../time/index.ts';

export interface CorsStats {
  corsOriginValid: number;
  corsOriginInvalid: number;
}

export type CorsDecision =
  /** Answer now: 200 with these headers, no body. */
  | { readonly preflight: Readonly<Record<string, string>>; readonly response?: undefined }
  /** Continue; add this to the response's header mutations (applied last, as Envoy's encoder). */
  | { readonly preflight?: undefined; readonly response: HeaderMutation };

/**
 * What the filter does with this request; undefined when it does nothing (no Origin, the filter is
 * off for this request, or an actual request from an origin that is not allowed).
 */
export function decideCors(
  policy: CorsTable,
  req: RequestView,
  stats: CorsStats,
  random: Random,
): CorsDecision | undefined {
  const enabled = policy.enabledFraction >= 1 || random() < policy.enabledFraction;
  if (!enabled && (policy.shadowFraction <= 0 || random() >= policy.shadowFraction)) return undefined;
  const origin = req.header('origin');
  if (origin === undefined || origin === '') return undefined;
  const allowed = policy.anyOrigin || policy.allowOrigins.some((m) => m.match(origin));
  if (allowed) stats.corsOriginValid++;
  else stats.corsOriginInvalid++;
  if (!enabled) return undefined; // shadow mode: counted, not enforced
  const requestMethod = req.method === 'OPTIONS' ? req.header('access-control-request-method') : undefined;
  if (requestMethod === undefined || requestMethod === '') {
    return allowed ? { response: allowOriginMutation(origin, policy) } : undefined;
  }
  if (!allowed && policy.forwardNotMatchingPreflights) return undefined;
  return { preflight: preflightHeaders(policy, req, allowed ? origin : undefined, requestMethod) };
}

function preflightHeaders(
  policy: CorsTable,
  req: RequestView,
  origin: string | undefined,
  requestMethod: string,
): Record<string, string> {
  const headers: Record<string, string> = { ...policy.preflightHeaders };
  if (origin !== undefined) headers['access-control-allow-origin'] = origin;
  if (policy.echoMethods) headers['access-control-allow-methods'] = requestMethod;
  // Envoy echoes an absent Access-Control-Request-Headers as an empty header; leaving it out means the same.
  const requested = policy.echoHeaders ? req.header('access-control-request-headers') : undefined;
  if (requested) headers['access-control-allow-headers'] = requested;
  if (policy.allowPrivateNetworkAccess && req.header('access-control-request-private-network') === 'true') {
    headers['access-control-allow-private-network'] = 'true';
  }
  return headers;
}

/** Overwrites what the upstream said, as Envoy's filter does. */
function allowOriginMutation(origin: string, policy: CorsTable): HeaderMutation {
  return {
    set: [['access-control-allow-origin', origin], ...policy.responseHeaders],
    append: [],
    setIfAbsent: [],
    remove: [],
    empty: false,
  };
}
