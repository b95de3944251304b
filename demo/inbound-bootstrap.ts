// The Envoy v3 bootstrap of a reviews version's inbound sidecar: a listener on the workload's port
// (what its WorkloadEntry advertises) in front of the reviews server on its own port, as Istio's
// inbound cluster `inbound|<port>||<host>` is. Static, because the control plane does not emit
// inbound listeners yet; the outbound side (the frontend's sidecar) is the one configured over xDS.
export interface InboundSidecar {
  version: string;
  listenPort: number;
  adminPort: number;
  appPort: number;
}

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

const address = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });

export function inboundBootstrap(sidecar: InboundSidecar): string {
  const cluster = `inbound|${sidecar.listenPort}||reviews.default.svc.cluster.local`;
  const bootstrap = {
    admin: { address: address(sidecar.adminPort) },
    static_resources: {
      listeners: [
        {
          name: `inbound_reviews_${sidecar.version}`,
          address: address(sidecar.listenPort),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': HCM,
                    stat_prefix: `inbound_reviews_${sidecar.version}`,
                    route_config: {
                      name: 'inbound',
                      virtual_hosts: [
                        {
                          name: 'inbound',
                          domains: ['*'],
                          routes: [{ match: { prefix: '/' }, route: { cluster, timeout: '5s' } }],
                        },
                      ],
                    },
                    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: cluster,
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: cluster,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: address(sidecar.appPort) } }] }],
          },
        },
      ],
    },
  };
  return `${JSON.stringify(bootstrap, null, 2)}\n`;
}
