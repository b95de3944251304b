// Service checks: Istio's port naming convention. A port's protocol comes from `appProtocol` or from
// a `<protocol>[-<suffix>]` name; without either, Istio falls back to protocol sniffing and Weft treats
// the port as HTTP/1.1, which is wrong for HTTP/2, gRPC and plain TCP services.
import type { Resource } from '../model/index.ts';
import { objectsAt, stringAt } from './mesh-index.ts';
import { type Finding, MESSAGES } from './messages.ts';

/** The protocols Istio's explicit protocol selection recognises in a port name. */
const NAMED_PROTOCOLS = new Set([
  'http',
  'http2',
  'https',
  'grpc',
  'grpc-web',
  'tcp',
  'tls',
  'mongo',
  'mysql',
  'redis',
  'udp',
]);

export function hasProtocolPrefix(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower === 'grpc-web' || lower.startsWith('grpc-web-')) return true;
  return NAMED_PROTOCOLS.has(lower.split('-')[0]!);
}

export function checkService(service: Resource): Finding[] {
  const findings: Finding[] = [];
  objectsAt(service.spec.ports).forEach((port, i) => {
    if (!port || stringAt(port.appProtocol) !== undefined) return;
    // UDP is never proxied, so its name carries nothing for the mesh.
    if (stringAt(port.protocol)?.toUpperCase() === 'UDP') return;
    const name = stringAt(port.name);
    if (name !== undefined && hasProtocolPrefix(name)) return;
    const number = typeof port.port === 'number' ? port.port : '?';
    const target = port.targetPort ?? number;
    findings.push({
      type: MESSAGES.portNameNotUnderNamingConvention,
      path: ['spec', 'ports', i, name === undefined ? 'port' : 'name'],
      message: `${name === undefined ? 'unnamed port' : `port name ${name}`} (port: ${number}, targetPort: ${target}) doesn't follow Istio's naming convention <protocol>[-<suffix>], and there is no appProtocol: Weft treats the port as HTTP/1.1; rename it <protocol>-${name ?? 'NAME'} (e.g. http-${name ?? 'web'}) or set appProtocol`,
    });
  });
  return findings;
}
