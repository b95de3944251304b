// DestinationRule checks across resources: the host is a known service, one rule per host, and
// every subset selects at least one of the service's workloads (else traffic to it gets 503 UH).
import type { Resource } from '../model/index.ts';
import {
  labelsAt,
  lookupHost,
  type MeshIndex,
  objectAt,
  objectsAt,
  selects,
  stringAt,
} from './mesh-index.ts';
import { type Finding, MESSAGES } from './messages.ts';

export function checkDestinationRule(dr: Resource, index: MeshIndex): Finding[] {
  const host = stringAt(dr.spec.host);
  if (host === undefined) return [];
  const target = lookupHost(index, host, dr.metadata.namespace);
  if (!target.service && !target.serviceEntry) {
    return [
      {
        type: MESSAGES.unknownDestinationRuleHost,
        path: ['spec', 'host'],
        message: `the host ${JSON.stringify(host)} (${target.fqdn}) defined in the DestinationRule does not match any Service or ServiceEntry: fix the spelling, use the FQDN for a service in another namespace, or add a ServiceEntry for a host outside the mesh`,
      },
    ];
  }
  const findings = checkConflicts(dr, target.fqdn, index);
  if (target.service) findings.push(...checkSubsets(dr, target.service, index));
  return findings;
}

/** A rule with a workloadSelector applies only to the sidecars it selects, so it conflicts with none. */
function checkConflicts(dr: Resource, fqdn: string, index: MeshIndex): Finding[] {
  const rules = (index.destinationRules.get(fqdn) ?? []).filter((r) => !objectAt(r.spec.workloadSelector));
  if (rules.length < 2 || !rules.includes(dr)) return [];
  const names = rules.map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
  return [
    {
      type: MESSAGES.conflictingDestinationRuleHosts,
      path: ['spec', 'host'],
      message: `the DestinationRules ${names.join(', ')} have the same host ${fqdn}: Weft applies only ${names[0]} (the first by namespace/name); merge them into one DestinationRule`,
    },
  ];
}

/**
 * A subset's endpoints are the service's workloads (WorkloadEntries its selector picks, in its
 * namespace, as the local registry builds them) that also carry the subset's labels. Skipped when
 * no WorkloadEntry is loaded at all: the workloads then come from elsewhere (e.g. Kubernetes).
 */
function checkSubsets(dr: Resource, service: Resource, index: MeshIndex): Finding[] {
  if (index.workloadEntries.length === 0) return [];
  const selector = labelsAt(service.spec.selector);
  if (Object.keys(selector).length === 0) return [];
  const workloads = index.workloadEntries
    .filter((we) => we.metadata.namespace === service.metadata.namespace)
    .map((we) => labelsAt(we.spec.labels))
    .filter((labels) => selects(selector, labels));
  const findings: Finding[] = [];
  objectsAt(dr.spec.subsets).forEach((subset, i) => {
    const name = stringAt(subset?.name);
    if (!subset || name === undefined) return;
    const labels = labelsAt(subset.labels);
    if (workloads.some((w) => selects(labels, w))) return;
    const all = Object.entries({ ...selector, ...labels })
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    findings.push({
      type: MESSAGES.destinationRuleSubsetNotSelectWorkloads,
      path: ['spec', 'subsets', i, subset.labels === undefined ? 'name' : 'labels'],
      message: `the subset ${name} defined in the DestinationRule selects no WorkloadEntry of Service ${service.metadata.namespace}/${service.metadata.name} (labels ${all}), so requests routed to it fail with 503 UH (no healthy upstream): fix the subset's labels, add the workload, or remove the subset`,
    });
  });
  return findings;
}
