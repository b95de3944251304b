// The Envoy messages the compilers read, as the generated types (scripts/gen-envoy-types.ts) in the
// form the proxy's schema validator produces for a bootstrap file and for xDS resources alike.
import type {
  AnyJson,
  EnvoyMessages,
  envoy_config_accesslog_v3,
  envoy_config_bootstrap_v3,
  envoy_config_cluster_v3,
  envoy_config_common_mutation_rules_v3,
  envoy_config_core_v3,
  envoy_config_endpoint_v3,
  envoy_config_listener_v3,
  envoy_config_route_v3,
  envoy_extensions_filters_http_fault_v3,
  envoy_extensions_filters_http_header_mutation_v3,
  envoy_extensions_filters_network_http_connection_manager_v3,
  envoy_extensions_filters_network_tcp_proxy_v3,
  envoy_type_matcher_v3,
  envoy_type_v3,
} from '../../../generated/envoy/index.js';

export type { AnyJson, EnvoyMessages };
export type Bootstrap = envoy_config_bootstrap_v3.Bootstrap;
export type Listener = envoy_config_listener_v3.Listener;
export type FilterChain = envoy_config_listener_v3.FilterChain;
export type FilterChainMatch = envoy_config_listener_v3.FilterChainMatch;
export type ListenerFilter = envoy_config_listener_v3.ListenerFilter;
export type ListenerFilterChainMatchPredicate = envoy_config_listener_v3.ListenerFilterChainMatchPredicate;
export type CidrRange = envoy_config_core_v3.CidrRange;
export type HeaderValueOption = envoy_config_core_v3.HeaderValueOption;
export type AccessLog = envoy_config_accesslog_v3.AccessLog;
export type Cluster = envoy_config_cluster_v3.Cluster;
export type ClusterLoadAssignment = envoy_config_endpoint_v3.ClusterLoadAssignment;
export type HttpConnectionManager =
  envoy_extensions_filters_network_http_connection_manager_v3.HttpConnectionManager;
export type TcpProxy = envoy_extensions_filters_network_tcp_proxy_v3.TcpProxy;
export type HTTPFault = envoy_extensions_filters_http_fault_v3.HTTPFault;
export type HttpFilter = envoy_extensions_filters_network_http_connection_manager_v3.HttpFilter;
export type HeaderMutationFilter = envoy_extensions_filters_http_header_mutation_v3.HeaderMutation;
export type HeaderMutationRule = envoy_config_common_mutation_rules_v3.HeaderMutation;
export type HttpProtocolOptions = EnvoyMessages['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
export type RouteConfiguration = envoy_config_route_v3.RouteConfiguration;
export type VirtualHost = envoy_config_route_v3.VirtualHost;
export type Route = envoy_config_route_v3.Route;
export type RouteMatch = envoy_config_route_v3.RouteMatch;
export type RouteAction = envoy_config_route_v3.RouteAction;
export type RouteAction_RequestMirrorPolicy = envoy_config_route_v3.RouteAction_RequestMirrorPolicy;
export type WeightedCluster = envoy_config_route_v3.WeightedCluster;
export type RedirectAction = envoy_config_route_v3.RedirectAction;
export type DirectResponseAction = envoy_config_route_v3.DirectResponseAction;
export type RetryPolicy = envoy_config_route_v3.RetryPolicy;
export type HeaderMatcher = envoy_config_route_v3.HeaderMatcher;
export type QueryParameterMatcher = envoy_config_route_v3.QueryParameterMatcher;
export type FractionalPercent = envoy_type_v3.FractionalPercent;
export type StringMatcher = envoy_type_matcher_v3.StringMatcher;
export type RegexMatcher = envoy_type_matcher_v3.RegexMatcher;
export type RegexMatchAndSubstitute = envoy_type_matcher_v3.RegexMatchAndSubstitute;

const TYPE_URL_PREFIX = 'type.googleapis.com/';

/**
 * Whether an Any (as validated: "@type" and the message's fields) holds the message `name`. The
 * validator has checked its fields against that message, so the guard narrows it to that type.
 */
export function isAnyOf<N extends keyof EnvoyMessages>(
  any: AnyJson | undefined,
  name: N,
): any is AnyJson & EnvoyMessages[N] {
  return any?.['@type'] === `${TYPE_URL_PREFIX}${name}`;
}

/**
 * The Any's message when it holds `name`, else undefined. Unlike the `isAnyOf` guard this does not
 * narrow the Any itself, so one Any can be tried against several message types in turn.
 */
export function unpackAny<N extends keyof EnvoyMessages>(
  any: AnyJson | undefined,
  name: N,
): (AnyJson & EnvoyMessages[N]) | undefined {
  return isAnyOf(any, name) ? any : undefined;
}
