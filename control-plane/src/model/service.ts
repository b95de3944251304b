// Kubernetes v1 Service, passed through: only what the local registry relies on is checked (the
// selector and the ports), and other Kubernetes fields are left alone.
import type { Reporter } from './report.ts';
import { asList, asObj, asStr, isPlainObject } from './schema.ts';
import { describe, isDns1123Label } from './values.ts';

export function validateService(r: Reporter, spec: Record<string, unknown>): void {
  if (spec.selector !== undefined && spec.selector !== null) {
    if (!isPlainObject(spec.selector))
      r.error(['spec', 'selector'], `expected a map of labels, got ${describe(spec.selector)}`);
    else {
      for (const [k, v] of Object.entries(spec.selector)) {
        if (typeof v !== 'string')
          r.error(['spec', 'selector', k], `label values are strings: quote ${JSON.stringify(v)}`);
      }
    }
  }
  if (spec.clusterIP !== undefined && spec.clusterIP !== null && typeof spec.clusterIP !== 'string')
    r.error(['spec', 'clusterIP'], `expected an IP address or None, got ${describe(spec.clusterIP)}`);
  if (!Array.isArray(spec.ports) || spec.ports.length === 0) {
    r.error(['spec', 'ports'], 'a Service needs at least one port: add ports with name and port');
    return;
  }
  const names = new Set<string>();
  const numbers = new Map<string, number>();
  const ports = asList(spec.ports);
  ports.forEach((p, i) => {
    const at = ['spec', 'ports', i];
    const port = asObj(p);
    if (!port) {
      r.error(at, `expected an object with name and port, got ${describe(p)}`);
      return;
    }
    const n = port.port;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
      r.error([...at, 'port'], `port must be a whole number from 1 to 65535, got ${describe(n)}`);
    }
    // Kubernetes' rule: a port number appears once per protocol (53/TCP and 53/UDP may coexist).
    const protocol = port.protocol ?? 'TCP';
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP')
      r.error([...at, 'protocol'], `protocol ${describe(protocol)} is not allowed: use TCP, UDP or SCTP`);
    else if (typeof n === 'number') {
      const first = numbers.get(`${n}/${protocol}`);
      if (first !== undefined)
        r.error(
          [...at, 'port'],
          `port ${n}/${protocol} is already defined at spec.ports[${first}]: remove one`,
        );
      else numbers.set(`${n}/${protocol}`, i);
    }
    if (port.appProtocol !== undefined && typeof port.appProtocol !== 'string')
      r.error(
        [...at, 'appProtocol'],
        `expected a string such as http or grpc, got ${describe(port.appProtocol)}`,
      );
    const name = asStr(port.name);
    if (name === undefined && ports.length > 1)
      r.error(at, 'with several ports, each needs a name: add name, e.g. http');
    if (name !== undefined && !isDns1123Label(name)) {
      r.error(
        [...at, 'name'],
        `port name ${JSON.stringify(name)} is invalid: use a lowercase DNS label such as http`,
      );
    }
    if (name !== undefined && names.has(name))
      r.error([...at, 'name'], `port name ${JSON.stringify(name)} is used twice`);
    if (name !== undefined) names.add(name);
    const tp = port.targetPort;
    if (tp !== undefined && typeof tp !== 'number' && typeof tp !== 'string') {
      r.error([...at, 'targetPort'], `targetPort is a port number or a port name, got ${describe(tp)}`);
    }
  });
}
