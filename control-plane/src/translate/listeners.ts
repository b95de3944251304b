// LDS and RDS: one listener per service port (Istio's `0.0.0.0_<port>`) whose connection manager
// takes route configuration `<port>` over ADS, and that route configuration: one virtual host per
// service on the port, with Istio's domains. The listener binds the port itself for a proxy without
// interception; an intercepted proxy (INTERCEPTION_MODE=REDIRECT) gets interception.ts's listeners
// instead, which reuse the route configurations and filters built here.
import { CORS, CORS_FILTER } from './cors.ts';
import { defaultRoutes, type RouteScope, virtualServiceRoutes } from './http-routes.ts';
import type { Registry, ServiceInfo } from './registry.ts';
import { FAULT_FILTER } from './route-action.ts';
import type { EnvoyObject, ProxyIdentity } from './types.ts';

export const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};
export const FAULT = {
  name: FAULT_FILTER,
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' },
};

/**
 * Istio's domains for a service on a port: FQDN, `name.ns.svc`, `name.ns`, the cluster IP, and the
 * short name only for a proxy in the service's namespace (elsewhere DNS resolves `name` to another
 * namespace's service); each bare and with `:port`. A ServiceEntry host is its own only name, with
 * the entry's addresses.
 */
export function domainsOf(service: ServiceInfo, port: number, proxy: ProxyIdentity): string[] {
  if (service.kind === 'ServiceEntry') {
    return [service.fqdn, ...(service.addresses ?? [])].flatMap((n) => [n, `${n}:${port}`]);
  }
  const names = [
    service.fqdn,
    `${service.name}.${service.namespace}.svc`,
    `${service.name}.${service.namespace}`,
  ];
  if (proxy.namespace === service.namespace) names.push(service.name);
  if (service.clusterIP) names.push(service.clusterIP);
  return names.flatMap((n) => [n, `${n}:${port}`]);
}

function usesFilter(routeConfig: EnvoyObject, filter: string): boolean {
  const hosts = routeConfig.virtual_hosts as EnvoyObject[];
  return hosts.some((vh) =>
    (vh.routes as EnvoyObject[]).some(
      (r) => (r.typed_per_filter_config as EnvoyObject | undefined)?.[filter] !== undefined,
    ),
  );
}

/** Some route injects faults, so the connection manager needs the fault filter. */
export const hasFault = (routeConfig: EnvoyObject): boolean => usesFilter(routeConfig, FAULT_FILTER);

/** The CORS filter then the fault filter, each only where some route uses it (Istio's order), then the router. */
export function httpFiltersFor(routeConfig: EnvoyObject): EnvoyObject[] {
  return [
    ...(usesFilter(routeConfig, CORS_FILTER) ? [CORS] : []),
    ...(hasFault(routeConfig) ? [FAULT] : []),
    ROUTER,
  ];
}

/** One service's virtual host on a port: its VirtualService's routes, or the default route. */
export function virtualHostFor(
  service: ServiceInfo,
  port: number,
  registry: Registry,
  proxy: ProxyIdentity,
): EnvoyObject {
  const vs = registry.virtualServices.get(service.fqdn);
  const scope: RouteScope = {
    registry,
    proxy,
    port,
    namespace: vs?.namespace ?? service.namespace,
    owner: vs ? `${vs.name}.${vs.namespace}` : `${service.name}.${service.namespace}`,
    ...(proxy.generator === 'grpc' ? { proxyless: true } : {}),
  };
  return {
    name: `${service.fqdn}:${port}`,
    domains: domainsOf(service, port, proxy),
    routes: vs ? virtualServiceRoutes(vs.spec, scope) : defaultRoutes(service.fqdn, port, scope),
  };
}

export function routeConfigFor(port: number, registry: Registry, proxy: ProxyIdentity): EnvoyObject {
  const virtualHosts = registry.services
    .filter((service) => service.ports.some((p) => p.port === port && p.http))
    .map((service) => virtualHostFor(service, port, registry, proxy));
  // Routes may name clusters the proxy has not received yet; they answer 503 until then (Istio's choice).
  return { name: String(port), virtual_hosts: virtualHosts, validate_clusters: { value: false } };
}

export function listenerFor(port: number, routeConfig: EnvoyObject): EnvoyObject {
  return {
    name: `0.0.0.0_${port}`,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM_TYPE,
              stat_prefix: `outbound_0.0.0.0_${port}`,
              rds: {
                route_config_name: String(port),
                config_source: { ads: {}, resource_api_version: 'V3' },
              },
              // Istio allows WebSocket upgrades on every sidecar connection manager.
              upgrade_configs: [{ upgrade_type: 'websocket' }],
              http_filters: httpFiltersFor(routeConfig),
            },
          },
        ],
      },
    ],
  };
}
