// The listeners of a sidecar whose pod's traffic is redirected to it by iptables (node metadata
// INTERCEPTION_MODE=REDIRECT), in Istio's virtual-listener model:
// - virtualOutbound (15001, use_original_dst): each redirected connection is handed to the listener
//   for its original destination — `0.0.0.0_<port>` (bind_to_port false) for a service port — and
//   what matches none stays here and is passed through to where it was going (PassthroughCluster,
//   ALLOW_ANY) or refused (BlackHoleCluster, REGISTRY_ONLY). Under REGISTRY_ONLY the refusal is a
//   503 for HTTP rather than a bare reset (Istio resets), so virtualOutbound inspects the first bytes,
//   except on ports of TCP services (a server-first protocol such as MySQL would wait out the
//   inspection timeout before its hand-off);
// - `0.0.0.0_<port>`: HTTP (seen by http_inspector) goes to the port's routes, whose last virtual host
//   catches unknown hosts the same way; a TCP service with a cluster IP gets its own chain by
//   destination IP to its cluster (its VirtualService's first tcp route decides the weights); other
//   bytes pass through or are refused;
// - virtualInbound (15006): a chain per workload port, by destination port, to `inbound|<port>||`
//   (the application on 127.0.0.1), HTTP through a connection manager so it is counted and logged
//   as inbound; connections to other ports go to the address they were sent to, from 127.0.0.6
//   (the source the init rules let through instead of redirecting it again, as in Istio).
import type { Resource } from '../model/index.ts';
import { HCM_TYPE, httpFiltersFor, ROUTER } from './listeners.ts';
import { clusterPolicyFields } from './policy.ts';
import type { Registry, ServiceInfo } from './registry.ts';
import { tcpProxy, tcpTarget } from './tcp-routes.ts';
import type { EnvoyObject, ProxyIdentity, ServiceSpec } from './types.ts';
import { labelsMatch, ZERO_DURATION } from './values.ts';

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';
/** The source address of inbound passthrough connections: the init rules never redirect it. */
export const INBOUND_PASSTHROUGH_SOURCE = '127.0.0.6';

const HTTP_PROTOCOLS = ['http/1.1', 'h2c'];
const HTTP_INSPECTOR = {
  name: 'envoy.filters.listener.http_inspector',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  },
};
const ORIGINAL_DST = {
  name: 'envoy.filters.listener.original_dst',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  },
};
const CONNECT_TIMEOUT = { seconds: 10, nanos: 0 };
/** How long virtualOutbound waits for a client's first bytes before treating the connection as TCP. */
const INSPECTION_TIMEOUT = { seconds: 1, nanos: 0 };
const WEBSOCKET = [{ upgrade_type: 'websocket' }];

export interface InterceptionPorts {
  readonly outbound: number;
  readonly inbound: number;
  readonly dualStack?: boolean;
}

/** The wildcard address listeners bind: `::` taking IPv4 too when the pod has IPv6 (init redirects
 * IPv6 to the proxy then), else 0.0.0.0. Listener names stay `0.0.0.0_<port>` either way. */
function anyAddress(port: number, dualStack: boolean): EnvoyObject {
  return {
    socket_address: dualStack
      ? { address: '::', port_value: port, ipv4_compat: true }
      : { address: '0.0.0.0', port_value: port },
  };
}

function connectionManager(statPrefix: string, source: EnvoyObject, httpFilters: EnvoyObject[]): EnvoyObject {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: statPrefix,
      ...source,
      // Istio allows WebSocket upgrades on every sidecar connection manager.
      upgrade_configs: WEBSOCKET,
      http_filters: httpFilters,
    },
  };
}

function outboundPortListener(
  port: number,
  services: readonly ServiceInfo[],
  routeConfig: EnvoyObject | undefined,
  registry: Registry,
  fallback: string,
  dualStack: boolean,
): EnvoyObject {
  const chains: EnvoyObject[] = [];
  for (const service of services) {
    const servicePort = service.ports.find((p) => p.port === port)!;
    if (servicePort.http || !service.clusterIP) continue;
    chains.push({
      name: `${service.fqdn}:${port}`,
      filter_chain_match: {
        prefix_ranges: [{ address_prefix: service.clusterIP, prefix_len: { value: 32 } }],
      },
      filters: [tcpProxy(`outbound|${port}||${service.fqdn}`, tcpTarget(service, port, registry))],
    });
  }
  if (routeConfig) {
    chains.push({
      name: `0.0.0.0_${port}-http`,
      filter_chain_match: { application_protocols: HTTP_PROTOCOLS },
      filters: [
        connectionManager(
          `outbound_0.0.0.0_${port}`,
          {
            rds: { route_config_name: String(port), config_source: { ads: {}, resource_api_version: 'V3' } },
          },
          httpFiltersFor(routeConfig),
        ),
      ],
    });
  }
  // A single TCP service without a cluster IP owns the port's other bytes; else they pass through.
  const tcpOnly = services.filter((s) => !s.ports.find((p) => p.port === port)!.http);
  const rest =
    tcpOnly.length === 1 && !tcpOnly[0]!.clusterIP ? tcpTarget(tcpOnly[0]!, port, registry) : fallback;
  chains.push({ name: `0.0.0.0_${port}-tcp`, filters: [tcpProxy(`outbound_0.0.0.0_${port}_tcp`, rest)] });
  return {
    name: `0.0.0.0_${port}`,
    address: anyAddress(port, dualStack),
    bind_to_port: { value: false },
    traffic_direction: 'OUTBOUND',
    listener_filters: [HTTP_INSPECTOR],
    filter_chains: chains,
  };
}

interface InboundPort {
  readonly port: number;
  readonly http: boolean;
  readonly h2: boolean;
}

/** The workload ports of the Services in the proxy's namespace whose selector picks its labels. */
export function inboundPorts(resources: readonly Resource[], proxy: ProxyIdentity, registry: Registry) {
  const ports = new Map<number, InboundPort>();
  for (const r of resources) {
    if (r.kind !== 'Service' || r.metadata.namespace !== proxy.namespace) continue;
    const spec = r.spec as unknown as ServiceSpec & { selector?: Record<string, string> };
    if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
    if (!labelsMatch(spec.selector, proxy.labels)) continue;
    const known = registry.byFqdn.get(`${r.metadata.name}.${r.metadata.namespace}.svc.${registry.domain}`);
    for (const p of spec.ports) {
      const port = typeof p.targetPort === 'number' ? p.targetPort : p.port;
      const info = known?.ports.find((k) => k.port === p.port);
      if (!ports.has(port)) ports.set(port, { port, http: info?.http ?? true, h2: info?.h2 ?? false });
    }
  }
  return [...ports.values()].sort((a, b) => a.port - b.port);
}

function inboundListener(ports: readonly InboundPort[], listenPort: number, dualStack: boolean): EnvoyObject {
  const chains: EnvoyObject[] = [];
  for (const { port, http } of ports) {
    const cluster = `inbound|${port}||`;
    if (http) {
      const routeConfig = {
        name: cluster,
        virtual_hosts: [
          {
            name: `inbound|http|${port}`,
            domains: ['*'],
            routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: ZERO_DURATION } }],
          },
        ],
      };
      chains.push({
        name: `${cluster}-http`,
        filter_chain_match: { destination_port: { value: port }, application_protocols: HTTP_PROTOCOLS },
        filters: [connectionManager(`inbound_0.0.0.0_${port}`, { route_config: routeConfig }, [ROUTER])],
      });
    }
    chains.push({
      name: `${cluster}-tcp`,
      filter_chain_match: { destination_port: { value: port } },
      filters: [tcpProxy(cluster, cluster)],
    });
  }
  chains.push({
    name: 'virtualInbound-catchall-tcp',
    filters: [tcpProxy(INBOUND_PASSTHROUGH_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER)],
  });
  return {
    name: 'virtualInbound',
    address: anyAddress(listenPort, dualStack),
    traffic_direction: 'INBOUND',
    listener_filters: [ORIGINAL_DST, HTTP_INSPECTOR],
    filter_chains: chains,
  };
}

function inboundCluster({ port, h2 }: InboundPort): EnvoyObject {
  const name = `inbound|${port}||`;
  return {
    name,
    type: 'STATIC',
    ...clusterPolicyFields({}, h2),
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } },
          ],
        },
      ],
    },
  };
}

const originalDstCluster = (name: string, extra: EnvoyObject = {}): EnvoyObject => ({
  name,
  type: 'ORIGINAL_DST',
  lb_policy: 'CLUSTER_PROVIDED',
  connect_timeout: CONNECT_TIMEOUT,
  ...extra,
});

/** The catch-all virtual host every outbound route configuration ends with. */
export function catchAllVirtualHost(registry: Registry): EnvoyObject {
  const allow = registry.outboundTrafficPolicy !== 'REGISTRY_ONLY';
  const name = allow ? 'allow_any' : 'block_all';
  return {
    name,
    domains: ['*'],
    routes: [
      {
        name,
        match: { prefix: '/' },
        route: { cluster: allow ? PASSTHROUGH_CLUSTER : BLACKHOLE_CLUSTER, timeout: ZERO_DURATION },
      },
    ],
  };
}

function virtualOutbound(
  registry: Registry,
  port: number,
  dualStack: boolean,
  byPort: ReadonlyMap<number, readonly ServiceInfo[]>,
): EnvoyObject {
  const refuse = registry.outboundTrafficPolicy === 'REGISTRY_ONLY';
  const fallback = refuse ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  const tcpChain = { name: 'virtualOutbound-catchall-tcp', filters: [tcpProxy(fallback, fallback)] };
  const base = {
    name: 'virtualOutbound',
    address: anyAddress(port, dualStack),
    use_original_dst: { value: true },
    traffic_direction: 'OUTBOUND',
  };
  if (!refuse) return { ...base, listener_filters: [ORIGINAL_DST], filter_chains: [tcpChain] };
  const tcpPorts = [...byPort]
    .filter(([tcpPort, services]) => services.every((s) => !s.ports.find((p) => p.port === tcpPort)?.http))
    .map(([tcpPort]) => ({ destination_port_range: { start: tcpPort, end: tcpPort + 1 } }));
  // Envoy's or_match takes at least two rules.
  const disabled = tcpPorts.length === 1 ? tcpPorts[0] : { or_match: { rules: tcpPorts } };
  const inspector = tcpPorts.length > 0 ? { ...HTTP_INSPECTOR, filter_disabled: disabled } : HTTP_INSPECTOR;
  const blockAll = { name: 'block_all', virtual_hosts: [catchAllVirtualHost(registry)] };
  return {
    ...base,
    listener_filters: [ORIGINAL_DST, inspector],
    listener_filters_timeout: INSPECTION_TIMEOUT,
    continue_on_listener_filters_timeout: true,
    filter_chains: [
      {
        name: 'virtualOutbound-blackhole-http',
        filter_chain_match: { application_protocols: HTTP_PROTOCOLS },
        filters: [connectionManager('BlackHoleCluster_http', { route_config: blockAll }, [ROUTER])],
      },
      tcpChain,
    ],
  };
}

export interface InterceptionResources {
  readonly listeners: EnvoyObject[];
  readonly routes: EnvoyObject[];
  readonly clusters: EnvoyObject[];
}

/**
 * Listeners, route configurations (HTTP ports only, each ending with the catch-all host) and the
 * extra clusters of an intercepting sidecar.
 */
export function interceptionResources(
  resources: readonly Resource[],
  registry: Registry,
  proxy: ProxyIdentity,
  ports: InterceptionPorts,
  routeConfigFor: (port: number) => EnvoyObject,
): InterceptionResources {
  const fallback =
    registry.outboundTrafficPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  const dualStack = ports.dualStack === true;
  const byPort = new Map<number, ServiceInfo[]>();
  for (const service of registry.services) {
    for (const { port } of service.ports) {
      if (port === ports.outbound || port === ports.inbound) continue;
      const list = byPort.get(port) ?? [];
      list.push(service);
      byPort.set(port, list);
    }
  }
  const listeners: EnvoyObject[] = [];
  const routes: EnvoyObject[] = [];
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const services = byPort.get(port)!;
    const http = services.some((s) => s.ports.find((p) => p.port === port)!.http);
    let routeConfig: EnvoyObject | undefined;
    if (http) {
      const base = routeConfigFor(port);
      routeConfig = {
        ...base,
        virtual_hosts: [...(base.virtual_hosts as EnvoyObject[]), catchAllVirtualHost(registry)],
      };
      routes.push(routeConfig);
    }
    listeners.push(outboundPortListener(port, services, routeConfig, registry, fallback, dualStack));
  }
  listeners.push(virtualOutbound(registry, ports.outbound, dualStack, byPort));
  const inbound = inboundPorts(resources, proxy, registry);
  listeners.push(inboundListener(inbound, ports.inbound, dualStack));
  const clusters = [
    originalDstCluster(PASSTHROUGH_CLUSTER),
    { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: CONNECT_TIMEOUT },
    originalDstCluster(INBOUND_PASSTHROUGH_CLUSTER, {
      upstream_bind_config: { source_address: { address: INBOUND_PASSTHROUGH_SOURCE, port_value: 0 } },
    }),
    ...inbound.map(inboundCluster),
  ];
  return { listeners, routes, clusters };
}
