// Sidecar's fields, as in Istio's reference (networking.istio.io/v1 Sidecar).

import { connectionPool } from './destination-rule-schema.ts';
import { any, enumOf, list, obj, port, str } from './schema.ts';
import { servicePort, workloadSelector } from './service-entry-schema.ts';

const captureMode = enumOf('DEFAULT', 'IPTABLES', 'NONE');

export const sidecarSpec = obj({
  workloadSelector,
  ingress: list(
    obj({
      port: servicePort,
      bind: str,
      captureMode,
      defaultEndpoint: str,
      tls: any,
      connectionPool,
    }),
  ),
  egress: list(obj({ port: servicePort, bind: str, captureMode, hosts: list(str) })),
  inboundConnectionPool: connectionPool,
  outboundTrafficPolicy: obj({
    mode: enumOf('REGISTRY_ONLY', 'ALLOW_ANY'),
    egressProxy: obj({ host: str, subset: str, port: obj({ number: port }) }),
  }),
});
