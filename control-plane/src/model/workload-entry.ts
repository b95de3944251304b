// WorkloadEntry: a workload outside Kubernetes (or, in local mode, any workload), with the labels
// Services select on and the ports it listens on. Istio's fields; address may be an IP or a name.
import type { Reporter } from './report.ts';
import { checkShape, map, obj, port, str, uint32 } from './schema.ts';

const WORKLOAD_ENTRY = obj({
  address: str,
  ports: map(port),
  labels: map(str),
  network: str,
  locality: str,
  weight: uint32,
  serviceAccount: str,
});

export function validateWorkloadEntry(r: Reporter, spec: Record<string, unknown>): void {
  checkShape(r, ['spec'], spec, WORKLOAD_ENTRY);
  if (typeof spec.address !== 'string' || spec.address === '') {
    r.error(
      ['spec', 'address'],
      'a WorkloadEntry needs an address: the IP (or host name) the workload listens on',
    );
  }
}
