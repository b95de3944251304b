// The indexes every check reads, built once per analysis: Services by FQDN, ServiceEntry hosts,
// DestinationRules by the host they resolve to, WorkloadEntries and Gateways. Host names resolve
// exactly as translation resolves them (translate's resolveHost, same cluster domain; a ServiceEntry
// host stands as written), so analysis and the running mesh agree on what `reviews` means.
import type { Json, Resource } from '../model/index.ts';
import { resolveHost } from '../translate/index.ts';

export interface MeshIndex {
  readonly domain: string;
  /** Every ServiceEntry host: names that resolve to themselves. */
  readonly entryHosts: ReadonlySet<string>;
  /** Kubernetes Services by FQDN. */
  readonly services: ReadonlyMap<string, Resource>;
  /** ServiceEntries, when the model loads them (kind compared by name: no dependency on their types). */
  readonly serviceEntries: readonly Resource[];
  /** DestinationRules by the FQDN of their host, oldest (first in namespace/name order) first. */
  readonly destinationRules: ReadonlyMap<string, readonly Resource[]>;
  /** VirtualServices bound to sidecars (the implicit `mesh` gateway) by the FQDN of each host. */
  readonly meshVirtualServicesByHost: ReadonlyMap<string, readonly Resource[]>;
  readonly workloadEntries: readonly Resource[];
  /** `namespace/name` of every Gateway; undefined when none is loaded, so references go unchecked. */
  readonly gateways: ReadonlySet<string> | undefined;
}

/** What a host names: a Service, a ServiceEntry, or (both undefined) nothing in the registry. */
export interface HostTarget {
  readonly fqdn: string;
  readonly service?: Resource;
  readonly serviceEntry?: Resource;
}

export function keyOf(r: Resource): string {
  return `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
}

/** Translation's stand-in for creation time: of several resources for one host, the first wins. */
function byAge(a: Resource, b: Resource): number {
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function indexMesh(resources: readonly Resource[], domain = 'cluster.local'): MeshIndex {
  const sorted = [...resources].sort(byAge);
  const ofKind = (kind: string) => sorted.filter((r) => (r.kind as string) === kind);
  const serviceEntries = ofKind('ServiceEntry');
  const entryHosts = new Set(serviceEntries.flatMap((se) => stringsAt(se.spec.hosts)));
  const resolve = (host: string, namespace: string) => resolveName({ domain, entryHosts }, host, namespace);
  const services = new Map<string, Resource>();
  for (const s of ofKind('Service'))
    services.set(`${s.metadata.name}.${s.metadata.namespace}.svc.${domain}`, s);
  const destinationRules = new Map<string, Resource[]>();
  for (const dr of ofKind('DestinationRule')) {
    const host = stringAt(dr.spec.host);
    if (host === undefined) continue;
    const fqdn = resolve(host, dr.metadata.namespace);
    destinationRules.set(fqdn, [...(destinationRules.get(fqdn) ?? []), dr]);
  }
  const meshVirtualServicesByHost = new Map<string, Resource[]>();
  for (const vs of ofKind('VirtualService').filter(boundToSidecars)) {
    for (const host of new Set(stringsAt(vs.spec.hosts).map((h) => resolve(h, vs.metadata.namespace))))
      meshVirtualServicesByHost.set(host, [...(meshVirtualServicesByHost.get(host) ?? []), vs]);
  }
  const gateways = ofKind('Gateway');
  return {
    domain,
    entryHosts,
    services,
    serviceEntries,
    destinationRules,
    meshVirtualServicesByHost,
    workloadEntries: ofKind('WorkloadEntry'),
    gateways:
      gateways.length > 0
        ? new Set(gateways.map((g) => `${g.metadata.namespace}/${g.metadata.name}`))
        : undefined,
  };
}

/** Sidecars are the implicit `mesh` gateway: a VirtualService bound only to gateways is not theirs. */
export function boundToSidecars(vs: Resource): boolean {
  const gateways = stringsAt(vs.spec.gateways);
  return gateways.length === 0 || gateways.includes('mesh');
}

/** `host`, named by a resource in `namespace` → its FQDN, as translation's resolveIn has it. */
export function resolveName(
  index: Pick<MeshIndex, 'domain' | 'entryHosts'>,
  host: string,
  namespace: string,
): string {
  return index.entryHosts.has(host) ? host : resolveHost(host, namespace, index.domain);
}

/** `host`, named by a resource in `namespace`, looked up in the Services and ServiceEntries. */
export function lookupHost(index: MeshIndex, host: string, namespace: string): HostTarget {
  const fqdn = resolveName(index, host, namespace);
  const service = index.services.get(fqdn);
  if (service) return { fqdn, service };
  const serviceEntry = index.serviceEntries.find((se) =>
    stringsAt(se.spec.hosts).some((seHost) => hostMatches(seHost, fqdn)),
  );
  return serviceEntry ? { fqdn, serviceEntry } : { fqdn };
}

/** Exact, or a `*.example.com` / `*` pattern covering the name. */
export function hostMatches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1));
  return pattern === name;
}

// ---- reading validated specs: the model checked their shape; these only narrow the JSON type ----

export function stringAt(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function stringsAt(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function objectAt(value: Json | undefined): { readonly [key: string]: Json } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as { readonly [key: string]: Json })
    : undefined;
}

export function objectsAt(value: Json | undefined): Array<{ readonly [key: string]: Json } | undefined> {
  return Array.isArray(value) ? value.map((v: Json) => objectAt(v)) : [];
}

export function labelsAt(value: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(objectAt(value) ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Every key/value of `selector` is in `labels`. */
export function selects(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The port numbers a Service exposes. */
export function servicePorts(service: Resource): number[] {
  return objectsAt(service.spec.ports)
    .map((p) => p?.port)
    .filter((n): n is number => typeof n === 'number');
}
