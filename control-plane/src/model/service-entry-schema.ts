// ServiceEntry's fields, as in Istio's reference (networking.istio.io/v1 ServiceEntry).
import { enumOf, list, map, obj, str, uint32 } from './schema.ts';

/** Istio's Port (ServiceEntry.ports) and SidecarPort: a number, a protocol and a name. */
export const servicePort = obj({ number: uint32, protocol: str, name: str, targetPort: uint32 });

/** The WorkloadEntry shape, inline in ServiceEntry.endpoints. */
const endpoint = obj({
  address: str,
  ports: map(uint32),
  labels: map(str),
  network: str,
  locality: str,
  weight: uint32,
  serviceAccount: str,
});

/** networking's WorkloadSelector: `labels`, unlike the `matchLabels` of DestinationRule's type. */
export const workloadSelector = obj({ labels: map(str) });

export const serviceEntrySpec = obj({
  hosts: list(str),
  addresses: list(str),
  ports: list(servicePort),
  location: enumOf('MESH_EXTERNAL', 'MESH_INTERNAL'),
  resolution: enumOf('NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'),
  endpoints: list(endpoint),
  workloadSelector,
  exportTo: list(str),
  subjectAltNames: list(str),
});
