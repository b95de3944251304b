// Builders for Envoy v3 bootstrap documents, so each test states only the routes and clusters it is about.
type Obj = Record<string, unknown>;

export const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

export function faultFilter(config: Obj = {}): Obj {
  return { name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT_TYPE, ...config } };
}

export function staticCluster(name: string, ports: number[], extra: Obj = {}): Obj {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: ports.map((port) => ({
            endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } },
          })),
        },
      ],
    },
    ...extra,
  };
}

export const H2C_OPTIONS = {
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicit_http_config: { http2_protocol_options: {} },
    },
  },
};

export interface BootstrapSpec {
  virtualHosts: Obj[];
  clusters: Obj[];
  httpFilters?: Obj[];
  hcm?: Obj;
  routeConfig?: Obj;
  admin?: boolean;
}

export function bootstrap(spec: BootstrapSpec): Obj {
  const doc: Obj = {
    static_resources: {
      listeners: [
        {
          name: 'main',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': HCM,
                    stat_prefix: 'ingress_http',
                    route_config: { name: 'local', virtual_hosts: spec.virtualHosts, ...spec.routeConfig },
                    http_filters: [...(spec.httpFilters ?? []), ROUTER],
                    ...spec.hcm,
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: spec.clusters,
    },
  };
  if (spec.admin !== false)
    doc.admin = { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } };
  return doc;
}

/** One virtual host matching every domain with the given routes. */
export function anyHost(routes: Obj[], extra: Obj = {}): Obj {
  return { name: 'any', domains: ['*'], routes, ...extra };
}
