// VirtualService corsPolicy → the per-route config of Envoy's CORS filter
// (envoy.extensions.filters.http.cors.v3.CorsPolicy), as Istio translates it: origins as string
// matchers, lists joined with ",", maxAge in whole seconds, the filter enabled for every request,
// and preflights from other origins forwarded unless unmatchedPreflights is IGNORE.
import { parseDurationNs } from '../model/index.ts';
import { stringMatcher } from './route-match.ts';
import type { CorsPolicy, EnvoyObject } from './types.ts';
import { compact } from './values.ts';

export const CORS_FILTER = 'envoy.filters.http.cors';
const CORS_POLICY_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';
export const CORS = {
  name: CORS_FILTER,
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' },
};

const joined = (list: readonly string[] | undefined) =>
  list && list.length > 0 ? list.join(',') : undefined;

/** typed_per_filter_config entries for a route's corsPolicy, or undefined when it has none. */
export function corsConfig(policy: CorsPolicy | undefined): EnvoyObject | undefined {
  if (!policy) return undefined;
  // The deprecated allowOrigin lists exact origins; allowOrigins wins when both are given.
  const origins =
    policy.allowOrigins && policy.allowOrigins.length > 0
      ? policy.allowOrigins.map(stringMatcher).filter((m) => m !== undefined)
      : (policy.allowOrigin ?? []).map((exact) => ({ exact }));
  const maxAge = policy.maxAge === undefined ? undefined : parseDurationNs(policy.maxAge);
  const config = compact({
    '@type': CORS_POLICY_TYPE,
    allow_origin_string_match: origins.length > 0 ? origins : undefined,
    allow_methods: joined(policy.allowMethods),
    allow_headers: joined(policy.allowHeaders),
    expose_headers: joined(policy.exposeHeaders),
    max_age: maxAge === undefined ? undefined : String(Math.floor(maxAge / 1e9)),
    allow_credentials: policy.allowCredentials === undefined ? undefined : { value: policy.allowCredentials },
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
    forward_not_matching_preflights: { value: policy.unmatchedPreflights !== 'IGNORE' },
  });
  return { [CORS_FILTER]: config };
}
