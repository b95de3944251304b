// The service registry and the indexes translation reads, built once per translate call for one
// proxy: services by FQDN (Kubernetes v1/Service and ServiceEntry hosts visible to the proxy's
// namespace), their workloads, and the VirtualService / DestinationRule that apply to each host,
// all narrowed by the proxy's Sidecar (sidecar-scope.ts). Istio's rules for names: a host is
// resolved in the namespace of the resource that names it (`reviews` → `reviews.<ns>.svc.<domain>`,
// `reviews.prod` → `reviews.prod.svc.<domain>`) unless it is a ServiceEntry host, and of several
// resources for one host the oldest wins; with no creation time in the model, the first in
// namespace/name order stands in for it.
import type { Resource } from '../model/index.ts';
import { exportedTo, serviceEntryServices } from './service-entries.ts';
import { egressSelects, egressSelectsAnyPort, type SidecarScope, sidecarFor } from './sidecar-scope.ts';
import type {
  DestinationRuleSpec,
  EndpointSpec,
  OutboundTrafficPolicy,
  ProxyIdentity,
  ServiceEntrySpec,
  ServiceSpec,
  TranslateOptions,
  VirtualServiceSpec,
} from './types.ts';
import { labelsMatch } from './values.ts';

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  /** The workload port when the Service names it by number; a named targetPort is left to endpoints. */
  readonly targetPort?: number;
  /** Cleartext HTTP/2 upstream: appProtocol http2/grpc/kubernetes.io/h2c, or an http2-/grpc- name. */
  readonly h2: boolean;
  /** The port carries HTTP, so it gets a route configuration (not TCP, TLS, HTTPS, Mongo...). */
  readonly http: boolean;
}

/** How a service's cluster finds its endpoints: EDS (pushed), DNS (resolved by the proxy), or NONE
 * (the caller's original destination). */
export type Resolution = 'EDS' | 'DNS' | 'DNS_ROUND_ROBIN' | 'NONE';

export interface ServiceInfo {
  /** A Kubernetes Service, or one host of a ServiceEntry (whose name is the host). */
  readonly kind: 'Service' | 'ServiceEntry';
  readonly name: string;
  readonly namespace: string;
  readonly fqdn: string;
  readonly ports: readonly ServicePort[];
  readonly clusterIP?: string;
  /** A ServiceEntry's single-IP addresses: virtual IPs its virtual hosts answer to. */
  readonly addresses?: readonly string[];
  readonly resolution: Resolution;
  /** Workloads; for DNS resolution, the names to resolve. */
  readonly endpoints: readonly EndpointSpec[];
}

export interface Named<S> {
  readonly name: string;
  readonly namespace: string;
  readonly spec: S;
}

export interface Registry {
  readonly domain: string;
  /** Sorted by FQDN so output order is stable. */
  readonly services: readonly ServiceInfo[];
  readonly byFqdn: ReadonlyMap<string, ServiceInfo>;
  /** Every ServiceEntry host, visible or not: names that resolve to themselves. */
  readonly entryHosts: ReadonlySet<string>;
  readonly virtualServices: ReadonlyMap<string, Named<VirtualServiceSpec>>;
  readonly destinationRules: ReadonlyMap<string, Named<DestinationRuleSpec>>;
  /** What the proxy does with traffic to a destination it has no service for: pass it through
   * (ALLOW_ANY) or refuse it (REGISTRY_ONLY). From its Sidecar, else the mesh default. */
  readonly outboundTrafficPolicy: OutboundTrafficPolicy;
  /** The Sidecar that scopes this proxy, when one applies. */
  readonly sidecar?: SidecarScope;
}

const H2_PROTOCOLS = new Set(['http2', 'grpc', 'grpc-web', 'kubernetes.io/h2c']);
/** Port protocols (appProtocol, or the name's prefix) that are not HTTP and so get no routes. */
const NON_HTTP_PROTOCOLS = new Set(['tcp', 'tls', 'https', 'mongo', 'redis', 'mysql', 'udp']);

/** `reviews` / `reviews.prod` / an FQDN, named in `namespace` → the FQDN Istio resolves it to. */
export function resolveHost(host: string, namespace: string, domain: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${domain}`;
  if (parts.length === 2) return `${host}.svc.${domain}`;
  return host;
}

/** As resolveHost, except that a ServiceEntry host (`example.com`, `db`) stands as written. */
export function resolveIn(
  registry: Pick<Registry, 'domain' | 'entryHosts'>,
  host: string,
  namespace: string,
) {
  return registry.entryHosts.has(host) ? host : resolveHost(host, namespace, registry.domain);
}

function byAge<T extends { metadata: { namespace: string; name: string } }>(a: T, b: T): number {
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function toService(r: Resource, domain: string, endpoints: TranslateOptions['endpoints']): ServiceInfo {
  const spec = r.spec as unknown as ServiceSpec;
  const fqdn = `${r.metadata.name}.${r.metadata.namespace}.svc.${domain}`;
  // Istio serves TCP ports only; a UDP or SCTP port may share its number with a TCP one.
  const tcp = spec.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  const ports = tcp.map((p): ServicePort => {
    const name = p.name ?? '';
    const proto = (p.appProtocol ?? name.split('-')[0] ?? '').toLowerCase();
    return {
      name,
      port: p.port,
      ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
      h2: H2_PROTOCOLS.has(proto),
      http: !NON_HTTP_PROTOCOLS.has(proto),
    };
  });
  return {
    kind: 'Service',
    name: r.metadata.name,
    namespace: r.metadata.namespace,
    fqdn,
    ports,
    ...(spec.clusterIP && spec.clusterIP !== 'None' ? { clusterIP: spec.clusterIP } : {}),
    resolution: 'EDS',
    endpoints: endpoints?.get(fqdn) ?? [],
  };
}

const byFqdnOrder = (a: ServiceInfo, b: ServiceInfo) => (a.fqdn < b.fqdn ? -1 : a.fqdn > b.fqdn ? 1 : 0);

/**
 * Every service the proxy's namespace may see, one per host: a Kubernetes Service wins over a
 * ServiceEntry for the same host, and of ServiceEntries the proxy's own namespace's, then the oldest.
 */
function visibleServices(
  sorted: readonly Resource[],
  proxy: ProxyIdentity,
  options: TranslateOptions,
  domain: string,
) {
  const workloads = sorted.filter((r) => r.kind === 'WorkloadEntry');
  const entries = sorted.filter(
    (r) =>
      r.kind === 'ServiceEntry' &&
      exportedTo((r.spec as unknown as ServiceEntrySpec).exportTo, r.metadata.namespace, proxy.namespace),
  );
  const ownFirst = [
    ...entries.filter((r) => r.metadata.namespace === proxy.namespace),
    ...entries.filter((r) => r.metadata.namespace !== proxy.namespace),
  ];
  const byHost = new Map<string, ServiceInfo>();
  for (const r of sorted) {
    if (r.kind !== 'Service') continue;
    const service = toService(r, domain, options.endpoints);
    byHost.set(service.fqdn, service);
  }
  for (const r of ownFirst) {
    for (const service of serviceEntryServices(r, workloads))
      if (!byHost.has(service.fqdn)) byHost.set(service.fqdn, service);
  }
  return byHost;
}

/**
 * The services the Sidecar lets the proxy see, each with only its visible ports. Services that a
 * visible VirtualService routes or mirrors to are visible too (as in Istio), so its routes have
 * clusters.
 */
function scopedServices(
  all: ReadonlyMap<string, ServiceInfo>,
  scope: SidecarScope | undefined,
  virtualServices: ReadonlyMap<string, Named<VirtualServiceSpec>>,
  resolve: (host: string, namespace: string) => string,
): ServiceInfo[] {
  if (!scope?.egress) return [...all.values()].sort(byFqdnOrder);
  const routedTo = new Set<string>();
  for (const vs of virtualServices.values()) {
    for (const http of vs.spec.http ?? []) {
      const destinations = [
        ...(http.route ?? []).map((d) => d.destination),
        ...(http.mirror ? [http.mirror] : []),
        ...(http.mirrors ?? []).map((m) => m.destination),
      ];
      for (const d of destinations) routedTo.add(resolve(d.host, vs.namespace));
    }
  }
  const out: ServiceInfo[] = [];
  for (const service of all.values()) {
    const ports = routedTo.has(service.fqdn)
      ? service.ports
      : service.ports.filter((p) => egressSelects(scope, p.port, service.namespace, service.fqdn));
    if (ports.length > 0) out.push(ports === service.ports ? service : { ...service, ports });
  }
  return out.sort(byFqdnOrder);
}

export function buildRegistry(
  resources: readonly Resource[],
  proxy: ProxyIdentity,
  options: TranslateOptions,
): Registry {
  const domain = options.clusterDomain ?? 'cluster.local';
  const sorted = [...resources].sort(byAge);
  const entryHosts = new Set(
    sorted
      .filter((r) => r.kind === 'ServiceEntry')
      .flatMap((r) => (r.spec as unknown as ServiceEntrySpec).hosts),
  );
  const resolve = (host: string, namespace: string) => resolveIn({ domain, entryHosts }, host, namespace);
  const sidecar = sidecarFor(sorted, proxy, options.rootNamespace ?? 'istio-system');
  const virtualServices = new Map<string, Named<VirtualServiceSpec>>();
  const destinationRules = new Map<string, Named<DestinationRuleSpec>>();
  for (const r of sorted) {
    const named = { name: r.metadata.name, namespace: r.metadata.namespace };
    if (r.kind === 'VirtualService') {
      const spec = r.spec as unknown as VirtualServiceSpec;
      // Sidecars are the implicit "mesh" gateway: a VirtualService bound only to gateways is not theirs.
      if (spec.gateways && spec.gateways.length > 0 && !spec.gateways.includes('mesh')) continue;
      const hosts = (spec.hosts ?? []).map((host) => resolve(host, r.metadata.namespace));
      if (!hosts.some((fqdn) => egressSelectsAnyPort(sidecar, r.metadata.namespace, fqdn))) continue;
      for (const fqdn of hosts) if (!virtualServices.has(fqdn)) virtualServices.set(fqdn, { ...named, spec });
    } else if (r.kind === 'DestinationRule') {
      const spec = r.spec as unknown as DestinationRuleSpec;
      // A workloadSelector limits the rule to the sidecars it selects (and to their namespace).
      const selector = spec.workloadSelector?.matchLabels;
      if (selector && (r.metadata.namespace !== proxy.namespace || !labelsMatch(selector, proxy.labels)))
        continue;
      const fqdn = resolve(spec.host, r.metadata.namespace);
      if (!destinationRules.has(fqdn)) destinationRules.set(fqdn, { ...named, spec });
    }
  }
  const services = scopedServices(
    visibleServices(sorted, proxy, options, domain),
    sidecar,
    virtualServices,
    resolve,
  );
  return {
    domain,
    services,
    byFqdn: new Map(services.map((s) => [s.fqdn, s])),
    entryHosts,
    virtualServices,
    destinationRules,
    outboundTrafficPolicy: sidecar?.outboundTrafficPolicy ?? options.outboundTrafficPolicy ?? 'ALLOW_ANY',
    ...(sidecar ? { sidecar } : {}),
  };
}

export function clusterName(port: number, subset: string, fqdn: string): string {
  return `outbound|${port}|${subset}|${fqdn}`;
}
