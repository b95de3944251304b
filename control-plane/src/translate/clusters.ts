// CDS and EDS: one cluster per service port, plus one per DestinationRule subset, each holding the
// workloads whose labels match the subset. How a cluster finds its endpoints follows the service's
// resolution, as in Istio: EDS (Kubernetes Services, STATIC ServiceEntries) with a
// ClusterLoadAssignment of the same name; STRICT_DNS (DNS) or LOGICAL_DNS (DNS_ROUND_ROBIN) with the
// names to resolve inline; ORIGINAL_DST (NONE), which connects where the caller was going.

import { clusterPolicyFields, effectivePolicy } from './policy.ts';
import { clusterName, type Registry, type ServiceInfo, type ServicePort } from './registry.ts';
import type { EndpointSpec, EnvoyObject } from './types.ts';
import { compact, labelsMatch } from './values.ts';

const EDS_CONFIG = { eds_config: { ads: {}, resource_api_version: 'V3' } };
/** Istio's mesh default dnsRefreshRate; respect_dns_ttl lets a record's TTL override it. */
const DNS_REFRESH_RATE = { seconds: 60, nanos: 0 };
/** What Istio sets for proxies with IPv4 addresses, which is what Weft's proxies listen on. */
const DNS_LOOKUP_FAMILY = 'V4_ONLY';

function workloadPort(e: EndpointSpec, port: ServicePort): number {
  // Own keys only: a port named `constructor` must not find Object.prototype's.
  const named = e.ports && Object.hasOwn(e.ports, port.name) ? e.ports[port.name] : undefined;
  return named ?? e.port ?? port.targetPort ?? port.port;
}

/** `region/zone/subzone` → envoy.config.core.v3.Locality. */
function localityOf(locality: string): EnvoyObject {
  const [region, zone, subZone] = locality.split('/');
  return compact({ region: region || undefined, zone: zone || undefined, sub_zone: subZone || undefined });
}

/** LocalityLbEndpoints: the matching workloads, grouped by locality in first-seen order. */
function localityGroups(
  service: ServiceInfo,
  port: ServicePort,
  labels: Readonly<Record<string, string>> | undefined,
): EnvoyObject[] {
  const groups = new Map<string, EnvoyObject[]>();
  for (const e of service.endpoints) {
    if (!labelsMatch(labels, e.labels)) continue;
    const address = { socket_address: { address: e.address, port_value: workloadPort(e, port) } };
    const lb = { endpoint: { address }, ...(e.weight ? { load_balancing_weight: { value: e.weight } } : {}) };
    const key = e.locality ?? '';
    groups.set(key, [...(groups.get(key) ?? []), lb]);
  }
  return [...groups].map(([locality, lbEndpoints]) => ({
    ...(locality ? { locality: localityOf(locality) } : {}),
    lb_endpoints: lbEndpoints,
  }));
}

/** The cluster's discovery fields: type and where its endpoints come from. */
function discoveryOf(service: ServiceInfo, name: string, endpoints: EnvoyObject[]): EnvoyObject {
  switch (service.resolution) {
    case 'EDS':
      return { type: 'EDS', eds_cluster_config: EDS_CONFIG };
    case 'NONE':
      return { type: 'ORIGINAL_DST' };
    default:
      return {
        type: service.resolution === 'DNS' ? 'STRICT_DNS' : 'LOGICAL_DNS',
        dns_lookup_family: DNS_LOOKUP_FAMILY,
        dns_refresh_rate: DNS_REFRESH_RATE,
        respect_dns_ttl: true,
        load_assignment: { cluster_name: name, endpoints },
      };
  }
}

/** ORIGINAL_DST clusters pick no host themselves: Envoy requires lb_policy CLUSTER_PROVIDED. */
function withoutBalancer(fields: EnvoyObject): EnvoyObject {
  const { lb_policy: _lb, ring_hash_lb_config: _ring, maglev_lb_config: _maglev, ...rest } = fields;
  return { ...rest, lb_policy: 'CLUSTER_PROVIDED' };
}

export function buildClusters(registry: Registry): { clusters: EnvoyObject[]; endpoints: EnvoyObject[] } {
  const clusters: EnvoyObject[] = [];
  const endpoints: EnvoyObject[] = [];
  for (const service of registry.services) {
    const rule = registry.destinationRules.get(service.fqdn)?.spec;
    for (const port of service.ports) {
      const variants = [
        { subset: '', labels: undefined, policy: undefined },
        ...(rule?.subsets ?? []).map((s) => ({ subset: s.name, labels: s.labels, policy: s.trafficPolicy })),
      ];
      for (const v of variants) {
        const name = clusterName(port.port, v.subset, service.fqdn);
        const groups = localityGroups(service, port, v.labels);
        // Envoy refuses a LOGICAL_DNS cluster without its one endpoint (a subset may select none).
        if (service.resolution === 'DNS_ROUND_ROBIN' && groups.length === 0) continue;
        const policy = clusterPolicyFields(
          effectivePolicy(rule?.trafficPolicy, v.policy, port.port),
          port.h2,
        );
        clusters.push({
          name,
          ...discoveryOf(service, name, groups),
          ...(service.resolution === 'NONE' ? withoutBalancer(policy) : policy),
        });
        if (service.resolution === 'EDS') endpoints.push({ cluster_name: name, endpoints: groups });
      }
    }
  }
  return { clusters, endpoints };
}
