// Builders for the listener shapes interception uses (Envoy v3 JSON), so tests state only what
// they are about: tcp_proxy and HTTP filter chains, listener filters, ORIGINAL_DST clusters.
import { HCM, ROUTER } from './bootstrap.ts';

type Obj = Record<string, unknown>;

export const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export const ORIGINAL_DST_FILTER = {
  name: 'envoy.filters.listener.original_dst',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  },
};

export const HTTP_INSPECTOR = {
  name: 'envoy.filters.listener.http_inspector',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  },
};

/** What http_inspector can report for HTTP (Istio's outbound HTTP chains match these). */
export const HTTP_PROTOCOLS = ['http/1.0', 'http/1.1', 'h2c'];

export function address(host: string, port: number): Obj {
  return { socket_address: { address: host, port_value: port } };
}

/** A filter chain with one tcp_proxy to `cluster` (or weighted `{name: weight}`). */
export function tcpChain(
  statPrefix: string,
  cluster: string | Record<string, number>,
  extra: Obj = {},
  match?: Obj,
): Obj {
  const target =
    typeof cluster === 'string'
      ? { cluster }
      : {
          weighted_clusters: {
            clusters: Object.entries(cluster).map(([name, weight]) => ({ name, weight })),
          },
        };
  return {
    ...(match ? { filter_chain_match: match } : {}),
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typed_config: { '@type': TCP_PROXY, stat_prefix: statPrefix, ...target, ...extra },
      },
    ],
  };
}

/** A filter chain with an HTTP connection manager whose one route goes to `cluster`. */
export function httpChain(statPrefix: string, cluster: string, match?: Obj, hcm: Obj = {}): Obj {
  return {
    ...(match ? { filter_chain_match: match } : {}),
    filters: [
      {
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM,
          stat_prefix: statPrefix,
          route_config: {
            name: statPrefix,
            virtual_hosts: [
              {
                name: 'any',
                domains: ['*'],
                routes: [{ match: { prefix: '/' }, route: { cluster } }],
                response_headers_to_add: [{ header: { key: 'x-chain', value: statPrefix } }],
              },
            ],
          },
          http_filters: [ROUTER],
          ...hcm,
        },
      },
    ],
  };
}

export function listener(name: string, host: string, port: number, chains: Obj[], extra: Obj = {}): Obj {
  return { name, address: address(host, port), filter_chains: chains, ...extra };
}

/** Istio's PassthroughCluster: the upstream is where the connection was going. */
export function originalDstCluster(name: string, extra: Obj = {}): Obj {
  return { name, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '1s', ...extra };
}

/** Istio's BlackHoleCluster: STATIC, no endpoints. */
export function blackHoleCluster(name = 'BlackHoleCluster'): Obj {
  return { name, type: 'STATIC', connect_timeout: '1s' };
}

export function bootstrapOf(listeners: Obj[], clusters: Obj[], admin = false): Obj {
  const doc: Obj = { static_resources: { listeners, clusters } };
  if (admin) doc.admin = { address: address('127.0.0.1', 0) };
  return doc;
}
