// ServiceEntry → registry services: one per host, as Istio models them, each with the entry's ports
// and, by resolution, its endpoints: STATIC lists IPs (inline, or the WorkloadEntries its
// workloadSelector picks in its namespace), DNS and DNS_ROUND_ROBIN name what to resolve (inline
// endpoints, else the host itself), NONE has none (traffic goes where the caller dialled).
import type { Resource } from '../model/index.ts';
import type { Resolution, ServiceInfo, ServicePort } from './registry.ts';
import type { EndpointSpec, ServiceEntrySpec, WorkloadEntrySpec } from './types.ts';
import { compact, labelsMatch } from './values.ts';

const H2_PROTOCOLS = new Set(['http2', 'grpc', 'grpc-web']);
/** Protocols that carry HTTP, and an unset protocol (Istio detects it; Weft's listeners speak HTTP). */
const HTTP_PROTOCOLS = new Set(['', 'http', 'http2', 'http_proxy', 'grpc', 'grpc-web']);

function portsOf(spec: ServiceEntrySpec): ServicePort[] {
  return spec.ports.map((p) => {
    const protocol = (p.protocol ?? '').toLowerCase();
    return {
      name: p.name,
      port: p.number,
      ...(p.targetPort ? { targetPort: p.targetPort } : {}),
      h2: H2_PROTOCOLS.has(protocol),
      http: HTTP_PROTOCOLS.has(protocol),
    };
  });
}

function endpoint(e: WorkloadEntrySpec): EndpointSpec {
  return compact({
    address: e.address,
    labels: e.labels ?? {},
    ports: e.ports,
    weight: e.weight || undefined,
    locality: e.locality || undefined,
  });
}

function endpointsOf(entry: Resource, spec: ServiceEntrySpec, host: string, workloads: readonly Resource[]) {
  const resolution = spec.resolution ?? 'NONE';
  if (resolution === 'NONE') return [];
  if (spec.endpoints && spec.endpoints.length > 0) return spec.endpoints.map(endpoint);
  if (resolution !== 'STATIC') return [{ address: host, labels: {} }];
  const selector = spec.workloadSelector?.labels;
  if (!selector) return [];
  return workloads
    .filter((w) => w.metadata.namespace === entry.metadata.namespace)
    .map((w) => w.spec as unknown as WorkloadEntrySpec)
    .filter((w) => labelsMatch(selector, w.labels ?? {}))
    .map(endpoint);
}

/** The registry services of one ServiceEntry; `workloads` are the WorkloadEntry resources. */
export function serviceEntryServices(entry: Resource, workloads: readonly Resource[]): ServiceInfo[] {
  const spec = entry.spec as unknown as ServiceEntrySpec;
  // A STATIC entry's IPs reach the proxy as EDS endpoints, like a Kubernetes Service's.
  const resolution: Resolution = spec.resolution === 'STATIC' ? 'EDS' : (spec.resolution ?? 'NONE');
  const ports = portsOf(spec);
  // Single IPs only: a CIDR block cannot be a virtual-host domain.
  const addresses = (spec.addresses ?? []).filter((a) => !a.includes('/'));
  return spec.hosts.map((host) => ({
    kind: 'ServiceEntry' as const,
    name: host,
    namespace: entry.metadata.namespace,
    fqdn: host,
    ports,
    resolution,
    ...(addresses.length > 0 ? { addresses } : {}),
    endpoints: endpointsOf(entry, spec, host, workloads),
  }));
}

/**
 * Istio's exportTo: absent or empty means every namespace; `.` the resource's own, `*` all, `~` none,
 * or namespace names.
 */
export function exportedTo(exportTo: readonly string[] | undefined, own: string, namespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' ? own : e) === namespace);
}
