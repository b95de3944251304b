// CDS and EDS: one EDS cluster per service port, plus one per DestinationRule subset, each with a
// ClusterLoadAssignment of the same name holding the workloads whose labels match the subset.

import { clusterPolicyFields, effectivePolicy } from './policy.ts';
import { clusterName, type Registry, type ServiceInfo, type ServicePort } from './registry.ts';
import type { EndpointSpec, EnvoyObject } from './types.ts';
import { labelsMatch } from './values.ts';

const EDS_CONFIG = { eds_config: { ads: {}, resource_api_version: 'V3' } };

function workloadPort(e: EndpointSpec, port: ServicePort): number {
  return e.ports?.[port.name] ?? e.port ?? port.targetPort ?? port.port;
}

function loadAssignment(
  name: string,
  service: ServiceInfo,
  port: ServicePort,
  labels: Readonly<Record<string, string>> | undefined,
): EnvoyObject {
  const lbEndpoints = service.endpoints
    .filter((e) => labelsMatch(labels, e.labels))
    .map((e) => ({
      endpoint: { address: { socket_address: { address: e.address, port_value: workloadPort(e, port) } } },
    }));
  return { cluster_name: name, endpoints: lbEndpoints.length > 0 ? [{ lb_endpoints: lbEndpoints }] : [] };
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
        const policy = effectivePolicy(rule?.trafficPolicy, v.policy, port.port);
        clusters.push({
          name,
          type: 'EDS',
          eds_cluster_config: EDS_CONFIG,
          ...clusterPolicyFields(policy, port.h2),
        });
        endpoints.push(loadAssignment(name, service, port, v.labels));
      }
    }
  }
  return { clusters, endpoints };
}
