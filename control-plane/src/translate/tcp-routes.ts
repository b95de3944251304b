// TCP services: the tcp_proxy network filter and where it sends a connection — the service's
// cluster, or its VirtualService's first tcp[] route that applies to the port, with its weights.
// Used by the intercepting sidecar's per-port listeners (chosen by destination IP) and by the
// explicit-mode listener bound on a TCP service's port.
import { clusterName, type Registry, resolveIn, type ServiceInfo } from './registry.ts';
import type { EnvoyObject, VirtualServiceSpec } from './types.ts';

const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export function tcpProxy(statPrefix: string, target: string | EnvoyObject[]): EnvoyObject {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': TCP_PROXY_TYPE,
      stat_prefix: statPrefix,
      ...(typeof target === 'string' ? { cluster: target } : { weighted_clusters: { clusters: target } }),
    },
  };
}

interface TcpRoute {
  match?: Array<{ port?: number }>;
  route?: Array<{
    destination: { host: string; subset?: string; port?: { number?: number } };
    weight?: number;
  }>;
}

/** A TCP service's cluster, or its VirtualService's first tcp route's weighted destinations. */
export function tcpTarget(service: ServiceInfo, port: number, registry: Registry): string | EnvoyObject[] {
  const vs = registry.virtualServices.get(service.fqdn);
  const routes = (vs?.spec as (VirtualServiceSpec & { tcp?: TcpRoute[] }) | undefined)?.tcp ?? [];
  const route = routes.find((r) => !r.match || r.match.some((m) => !m.port || m.port === port));
  const destinations = route?.route ?? [];
  if (destinations.length === 0) return clusterName(port, '', service.fqdn);
  const clusters = destinations.map((d) => ({
    name: clusterName(
      d.destination.port?.number ?? port,
      d.destination.subset ?? '',
      resolveIn(registry, d.destination.host, vs!.namespace),
    ),
    weight: d.weight ?? (destinations.length === 1 ? 100 : 0),
  }));
  return clusters.length === 1 ? clusters[0]!.name : clusters.filter((c) => c.weight > 0);
}

/**
 * Explicit mode (no interception): a TCP service's port bound on 0.0.0.0 with a tcp_proxy. Only a
 * port that exactly one TCP service uses can be served this way — nothing else tells two services
 * on one port apart without the original destination.
 */
export function explicitTcpListener(port: number, registry: Registry): EnvoyObject | undefined {
  const onPort = registry.services.filter((s) => s.ports.some((p) => p.port === port));
  if (onPort.length !== 1 || onPort[0]!.ports.find((p) => p.port === port)!.http) return undefined;
  const service = onPort[0]!;
  return {
    name: `0.0.0.0_${port}`,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      { filters: [tcpProxy(`outbound|${port}||${service.fqdn}`, tcpTarget(service, port, registry))] },
    ],
  };
}
