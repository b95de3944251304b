// Local mode's service registry: the WorkloadEntries each Service's selector picks, in its namespace.
import type { Resource } from './model/index.ts';
import type { EndpointSpec } from './translate/index.ts';

export function endpointsOf(
  resources: readonly Resource[],
  domain = 'cluster.local',
): Map<string, EndpointSpec[]> {
  const entries = resources.filter((r) => r.kind === 'WorkloadEntry');
  const out = new Map<string, EndpointSpec[]>();
  for (const service of resources.filter((r) => r.kind === 'Service')) {
    const selector = (service.spec.selector ?? {}) as Record<string, string>;
    if (Object.keys(selector).length === 0) continue;
    const fqdn = `${service.metadata.name}.${service.metadata.namespace}.svc.${domain}`;
    const selected: EndpointSpec[] = [];
    for (const entry of entries) {
      if (entry.metadata.namespace !== service.metadata.namespace) continue;
      const labels = (entry.spec.labels ?? {}) as Record<string, string>;
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
      const ports = entry.spec.ports as Record<string, number> | undefined;
      const { weight, locality } = entry.spec as { weight?: number; locality?: string };
      selected.push({
        address: String(entry.spec.address),
        labels,
        ...(ports ? { ports } : {}),
        ...(weight ? { weight } : {}),
        ...(locality ? { locality } : {}),
      });
    }
    out.set(fqdn, selected);
  }
  return out;
}
