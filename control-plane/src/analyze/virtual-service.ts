// VirtualService checks across resources: every destination names a known host, subset and port;
// hosts are in the registry and claimed by one VirtualService only; gateway references exist.
import type { Json, Path, Resource } from '../model/index.ts';
import {
  boundToSidecars,
  type HostTarget,
  hostMatches,
  lookupHost,
  type MeshIndex,
  objectAt,
  objectsAt,
  servicePorts,
  stringAt,
  stringsAt,
} from './mesh-index.ts';
import { type Finding, MESSAGES } from './messages.ts';

interface DestinationRef {
  readonly path: Path;
  readonly destination: { readonly [key: string]: Json };
  /** HTTP destinations are chosen per listener port when they name none (TCP ones are not). */
  readonly http: boolean;
}

export function checkVirtualService(vs: Resource, index: MeshIndex): Finding[] {
  const findings: Finding[] = [];
  if (boundToSidecars(vs)) findings.push(...checkHosts(vs, index));
  findings.push(...checkGatewayReferences(vs, index));
  const listenerPorts = boundToSidecars(vs) ? portsOfHosts(vs, index) : [];
  for (const ref of destinationsOf(vs)) findings.push(...checkDestination(vs, ref, index, listenerPorts));
  return findings;
}

function checkHosts(vs: Resource, index: MeshIndex): Finding[] {
  const findings: Finding[] = [];
  const ns = vs.metadata.namespace;
  stringsAt(vs.spec.hosts).forEach((host, i) => {
    const path = ['spec', 'hosts', i];
    const target = lookupHost(index, host, ns);
    if (!known(target) && !(host.includes('*') && wildcardCoversAny(host, index))) {
      findings.push({
        type: MESSAGES.virtualServiceHostNotInRegistry,
        path,
        message: `host ${JSON.stringify(host)} (${target.fqdn}) is not a Service or ServiceEntry host, so sidecars get no routes from this VirtualService for it: add the Service, or fix the host`,
      });
      return;
    }
    const owners = index.meshVirtualServicesByHost.get(target.fqdn) ?? [];
    if (owners.length > 1) {
      const names = owners.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
      findings.push({
        type: MESSAGES.conflictingMeshGatewayVirtualServiceHosts,
        path,
        message: `the VirtualServices ${names.join(', ')} associated with the mesh gateway define the same host ${target.fqdn}: Weft applies only ${names[0]} (the first by namespace/name); merge them into one VirtualService`,
      });
    }
  });
  return findings;
}

function checkGatewayReferences(vs: Resource, index: MeshIndex): Finding[] {
  const gateways = index.gateways;
  if (!gateways) return [];
  const refs: Array<{ path: Path; name: string }> = stringsAt(vs.spec.gateways).map((name, i) => ({
    path: ['spec', 'gateways', i],
    name,
  }));
  for (const [i, http] of objectsAt(vs.spec.http).entries()) {
    for (const [j, match] of objectsAt(http?.match).entries()) {
      for (const [k, name] of stringsAt(match?.gateways).entries())
        refs.push({ path: ['spec', 'http', i, 'match', j, 'gateways', k], name });
    }
  }
  return refs
    .filter(({ name }) => name !== 'mesh')
    .filter(({ name }) => !gateways.has(name.includes('/') ? name : `${vs.metadata.namespace}/${name}`))
    .map(({ path, name }) => ({
      type: MESSAGES.referencedResourceNotFound,
      path,
      message: `Referenced gateway not found: ${JSON.stringify(name)}: name an existing Gateway as <namespace>/<name> (or <name> in this namespace), or "mesh" for sidecars`,
    }));
}

function destinationsOf(vs: Resource): DestinationRef[] {
  const refs: DestinationRef[] = [];
  const add = (path: Path, value: Json | undefined, http: boolean) => {
    const destination = objectAt(value);
    if (destination) refs.push({ path, destination, http });
  };
  for (const [i, http] of objectsAt(vs.spec.http).entries()) {
    for (const [j, route] of objectsAt(http?.route).entries())
      add(['spec', 'http', i, 'route', j, 'destination'], route?.destination, true);
    add(['spec', 'http', i, 'mirror'], http?.mirror, true);
    for (const [k, mirror] of objectsAt(http?.mirrors).entries())
      add(['spec', 'http', i, 'mirrors', k, 'destination'], mirror?.destination, true);
  }
  for (const [i, tcp] of objectsAt(vs.spec.tcp).entries()) {
    for (const [j, route] of objectsAt(tcp?.route).entries())
      add(['spec', 'tcp', i, 'route', j, 'destination'], route?.destination, false);
  }
  return refs;
}

function checkDestination(
  vs: Resource,
  { path, destination, http }: DestinationRef,
  index: MeshIndex,
  listenerPorts: readonly number[],
): Finding[] {
  const host = stringAt(destination.host);
  if (host === undefined) return [];
  const target = lookupHost(index, host, vs.metadata.namespace);
  if (!known(target)) {
    return [
      {
        type: MESSAGES.referencedResourceNotFound,
        path: [...path, 'host'],
        message: `Referenced host not found: ${JSON.stringify(host)} (${target.fqdn}): requests routed here fail with 503; add a Service or ServiceEntry for it, or fix the host`,
      },
    ];
  }
  const findings: Finding[] = [];
  const subset = stringAt(destination.subset);
  if (subset !== undefined) {
    const finding = checkSubset(host, subset, target.fqdn, index);
    if (finding) findings.push({ ...finding, path: [...path, 'subset'] });
  }
  const ports = portsOf(target);
  const port = objectAt(destination.port)?.number;
  if (typeof port === 'number') {
    if (ports.length > 0 && !ports.includes(port)) {
      findings.push({
        type: MESSAGES.referencedResourceNotFound,
        path: [...path, 'port', 'number'],
        message: `Referenced host:port not found: "${host}:${port}": ${describeTarget(target)} exposes ${ports.join(', ')}; use one of those ports`,
      });
    }
  } else if (http && ports.length > 1) {
    // Without a port, translation uses the port the request came in on: fine when the destination
    // has it, a missing cluster (503) when it does not.
    const missing = listenerPorts.filter((p) => !ports.includes(p));
    if (missing.length > 0) {
      findings.push({
        type: MESSAGES.destinationPortSelectorRequired,
        path,
        message: `${target.fqdn} exposes ports ${ports.join(', ')} and this destination names none, so requests arriving on port ${missing.join(', ')} have no cluster to go to: set destination.port.number`,
      });
    }
  }
  return findings;
}

function checkSubset(
  host: string,
  subset: string,
  fqdn: string,
  index: MeshIndex,
): Omit<Finding, 'path'> | undefined {
  const rules = index.destinationRules.get(fqdn) ?? [];
  const defined = rules.flatMap((dr) =>
    objectsAt(dr.spec.subsets)
      .map((s) => stringAt(s?.name))
      .filter((n): n is string => n !== undefined),
  );
  if (defined.includes(subset)) return undefined;
  const hint =
    rules.length === 0
      ? `no DestinationRule has host ${fqdn}: add one defining subset ${JSON.stringify(subset)}`
      : `DestinationRule ${rules.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).join(', ')} defines ${defined.length > 0 ? `subsets ${defined.join(', ')}` : 'no subsets'}: add ${JSON.stringify(subset)} there or fix the subset`;
  return {
    type: MESSAGES.referencedResourceNotFound,
    message: `Referenced host+subset in destinationrule not found: "${host}+${subset}": requests routed here fail with 503; ${hint}`,
  };
}

function known(target: HostTarget): boolean {
  return target.service !== undefined || target.serviceEntry !== undefined;
}

function wildcardCoversAny(pattern: string, index: MeshIndex): boolean {
  return (
    [...index.services.keys()].some((fqdn) => hostMatches(pattern, fqdn)) ||
    index.serviceEntries.some((se) => stringsAt(se.spec.hosts).some((h) => hostMatches(pattern, h)))
  );
}

/** The ports the VirtualService's routes are served on: those of the services it is for. */
function portsOfHosts(vs: Resource, index: MeshIndex): number[] {
  const ports = new Set<number>();
  for (const host of stringsAt(vs.spec.hosts)) {
    for (const p of portsOf(lookupHost(index, host, vs.metadata.namespace))) ports.add(p);
  }
  return [...ports].sort((a, b) => a - b);
}

function portsOf(target: HostTarget): number[] {
  if (target.service) return servicePorts(target.service);
  return objectsAt(target.serviceEntry?.spec.ports)
    .map((p) => p?.number)
    .filter((n): n is number => typeof n === 'number');
}

function describeTarget(target: HostTarget): string {
  const r = target.service ?? target.serviceEntry;
  return r ? `${r.kind} ${r.metadata.namespace}/${r.metadata.name}` : target.fqdn;
}
