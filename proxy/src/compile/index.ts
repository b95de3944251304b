// The compile folder's public face: Envoy v3 resources (validated, snake_case proto3 JSON) → the
// immutable runtime tables the request path reads.

export { canonicalIp } from './cidr.ts';
export { compileCluster } from './cluster.ts';
export type { DnsClusterConfig, DnsLookupFamily, DnsTarget } from './cluster-dns.ts';
export type { CorsPolicyConfig, CorsTable } from './cors.ts';
export { compileFault, FAULT_TYPE_URL } from './fault.ts';
export {
  formatHeaderValue,
  type HeaderFormatContext,
  type HeaderRecord,
  parseHeaderFormat,
} from './header-format.ts';
export {
  appendHeader,
  applyHeaderMutation,
  compileHeaderMutation,
  EMPTY_HEADER_MUTATION,
} from './headers.ts';
export { compileListener, DEFAULT_BUFFER_LIMIT, MissingRouteConfig } from './listener.ts';
export { predicateMatches } from './listener-filters.ts';
export * from './retry.ts';
export { type CompiledRouteMatch, compileRouteMatch, pathEnd, QueryParameterMatcher } from './route-match.ts';
export { compileRouteConfiguration, type RouteCompileOptions, selectRoute, stripPort } from './routes.ts';
export { compileBootstrap } from './runtime.ts';
export { compileHeaderMatcher, compileStringMatcher, type StringMatcherTable } from './string-match.ts';
export type * from './types.ts';
