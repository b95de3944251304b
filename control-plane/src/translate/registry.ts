// The service registry and the indexes translation reads, built once per translate call: services
// by FQDN (from Kubernetes v1/Service), their workloads, and the VirtualService / DestinationRule
// that apply to each host. Istio's rules for names: a host is resolved in the namespace of the
// resource that names it (`reviews` → `reviews.<ns>.svc.<domain>`, `reviews.prod` →
// `reviews.prod.svc.<domain>`), and of several resources for one host the oldest wins; with no
// creation time in the model, the first in namespace/name order stands in for it.
import type { Resource } from '../model/index.ts';
import type {
  DestinationRuleSpec,
  EndpointSpec,
  ProxyIdentity,
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
}

export interface ServiceInfo {
  readonly name: string;
  readonly namespace: string;
  readonly fqdn: string;
  readonly ports: readonly ServicePort[];
  readonly clusterIP?: string;
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
  readonly virtualServices: ReadonlyMap<string, Named<VirtualServiceSpec>>;
  readonly destinationRules: ReadonlyMap<string, Named<DestinationRuleSpec>>;
}

const H2_PROTOCOLS = new Set(['http2', 'grpc', 'grpc-web', 'kubernetes.io/h2c']);

/** `reviews` / `reviews.prod` / an FQDN, named in `namespace` → the FQDN Istio resolves it to. */
export function resolveHost(host: string, namespace: string, domain: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${domain}`;
  if (parts.length === 2) return `${host}.svc.${domain}`;
  return host;
}

function byAge<T extends { metadata: { namespace: string; name: string } }>(a: T, b: T): number {
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function toService(r: Resource, domain: string, endpoints: TranslateOptions['endpoints']): ServiceInfo {
  const spec = r.spec as unknown as ServiceSpec;
  const fqdn = `${r.metadata.name}.${r.metadata.namespace}.svc.${domain}`;
  const ports = spec.ports.map((p): ServicePort => {
    const name = p.name ?? '';
    const proto = (p.appProtocol ?? name.split('-')[0] ?? '').toLowerCase();
    return {
      name,
      port: p.port,
      ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
      h2: H2_PROTOCOLS.has(proto),
    };
  });
  return {
    name: r.metadata.name,
    namespace: r.metadata.namespace,
    fqdn,
    ports,
    ...(spec.clusterIP && spec.clusterIP !== 'None' ? { clusterIP: spec.clusterIP } : {}),
    endpoints: endpoints?.get(fqdn) ?? [],
  };
}

export function buildRegistry(
  resources: readonly Resource[],
  proxy: ProxyIdentity,
  options: TranslateOptions,
): Registry {
  const domain = options.clusterDomain ?? 'cluster.local';
  const sorted = [...resources].sort(byAge);
  const services = sorted
    .filter((r) => r.kind === 'Service')
    .map((r) => toService(r, domain, options.endpoints))
    .sort((a, b) => (a.fqdn < b.fqdn ? -1 : a.fqdn > b.fqdn ? 1 : 0));
  const virtualServices = new Map<string, Named<VirtualServiceSpec>>();
  const destinationRules = new Map<string, Named<DestinationRuleSpec>>();
  for (const r of sorted) {
    const named = { name: r.metadata.name, namespace: r.metadata.namespace };
    if (r.kind === 'VirtualService') {
      const spec = r.spec as unknown as VirtualServiceSpec;
      // Sidecars are the implicit "mesh" gateway: a VirtualService bound only to gateways is not theirs.
      if (spec.gateways && spec.gateways.length > 0 && !spec.gateways.includes('mesh')) continue;
      for (const host of spec.hosts ?? []) {
        const fqdn = resolveHost(host, r.metadata.namespace, domain);
        if (!virtualServices.has(fqdn)) virtualServices.set(fqdn, { ...named, spec });
      }
    } else if (r.kind === 'DestinationRule') {
      const spec = r.spec as unknown as DestinationRuleSpec;
      // A workloadSelector limits the rule to the sidecars it selects (and to their namespace).
      const selector = spec.workloadSelector?.matchLabels;
      if (selector && (r.metadata.namespace !== proxy.namespace || !labelsMatch(selector, proxy.labels)))
        continue;
      const fqdn = resolveHost(spec.host, r.metadata.namespace, domain);
      if (!destinationRules.has(fqdn)) destinationRules.set(fqdn, { ...named, spec });
    }
  }
  return {
    domain,
    services,
    byFqdn: new Map(services.map((s) => [s.fqdn, s])),
    virtualServices,
    destinationRules,
  };
}

export function clusterName(port: number, subset: string, fqdn: string): string {
  return `outbound|${port}|${subset}|${fqdn}`;
}
