// Envoy resources in the object form the control plane's encoder takes (protobufjs fromObject:
// durations as {seconds}), for tests that feed xDS to the proxy.
import { HCM, ROUTER } from './bootstrap.ts';

type Obj = Record<string, unknown>;

/** A STATIC cluster with one endpoint on 127.0.0.1:port. */
export function xdsStaticCluster(name: string, port: number): Obj {
  const endpoint = { address: { socket_address: { address: '127.0.0.1', port_value: port } } };
  return {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: 1 },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint }] }] },
  };
}

/** A listener on 127.0.0.1:port whose HTTP connection manager takes route `routeName` over ADS. */
export function xdsRdsListener(name: string, port: number, routeName: string, configSource: Obj = {}): Obj {
  const rds = { route_config_name: routeName, config_source: { ads: {}, ...configSource } };
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: { '@type': HCM, stat_prefix: name, rds, http_filters: [ROUTER] },
          },
        ],
      },
    ],
  };
}
