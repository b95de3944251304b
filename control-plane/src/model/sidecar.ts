// Sidecar validation: the schema, then Istio's rules for egress listeners and their `namespace/host`
// entries. Ingress listeners, binds and capture modes are accepted and reported as not implemented.

import {
  fqdnProblem,
  isIpAddress,
  isPartialWildcard,
  protocolProblem,
  wildcardDomainProblem,
} from './names.ts';
import type { Path, Reporter } from './report.ts';
import { asList, asNum, asObj, asStr, checkShape, isSet } from './schema.ts';
import { checkWorkloadSelector } from './scope.ts';
import { sidecarSpec } from './sidecar-schema.ts';
import { isDns1123Label } from './values.ts';

const SPEC = ['spec'];
const NOT_YET = 'is not implemented yet and is ignored';

export function validateSidecar(r: Reporter, spec: Record<string, unknown>): void {
  checkShape(r, SPEC, spec, sidecarSpec);
  checkWorkloadSelector(
    r,
    [...SPEC, 'workloadSelector'],
    spec.workloadSelector,
    'applies to every workload in the namespace',
  );
  const parts = ['egress', 'ingress', 'outboundTrafficPolicy', 'inboundConnectionPool'];
  if (!parts.some((k) => (Array.isArray(spec[k]) ? spec[k].length > 0 : isSet(spec[k])))) {
    r.error(SPEC, `the Sidecar configures nothing: set ${parts.join(', ')}, or remove it`);
  }
  if (asList(spec.ingress).length > 0)
    r.warn([...SPEC, 'ingress'], `ingress ${NOT_YET}: inbound traffic uses the defaults`);
  if (isSet(spec.inboundConnectionPool))
    r.warn([...SPEC, 'inboundConnectionPool'], `inboundConnectionPool ${NOT_YET}`);
  asList(spec.ingress).forEach((l, i) => {
    const listener = asObj(l);
    if (listener && !isSet(listener.port))
      r.error([...SPEC, 'ingress', i], 'port is required for an ingress listener');
  });
  checkEgress(r, asList(spec.egress));
  const policy = asObj(spec.outboundTrafficPolicy);
  if (policy && isSet(policy.egressProxy)) {
    const at = [...SPEC, 'outboundTrafficPolicy', 'egressProxy'];
    if (asStr(policy.mode) !== 'ALLOW_ANY') {
      r.error(
        at,
        'egressProxy takes effect only with mode ALLOW_ANY (the mode defaults to REGISTRY_ONLY): set mode: ALLOW_ANY',
      );
    } else r.warn(at, `egressProxy ${NOT_YET}`);
  }
}

function checkEgress(r: Reporter, egress: readonly unknown[]): void {
  const ports = new Set<number>();
  let catchAll: number | undefined;
  egress.forEach((e, i) => {
    const listener = asObj(e);
    if (!listener) return;
    const at = [...SPEC, 'egress', i];
    const port = asObj(listener.port);
    if (!port) {
      if (catchAll !== undefined)
        r.error(at, `only one egress listener may omit port; spec.egress[${catchAll}] already does`);
      else if (i !== egress.length - 1)
        r.error(
          at,
          'the egress listener without a port catches every other port, so it must be the last one: move it to the end',
        );
      catchAll ??= i;
    } else checkEgressPort(r, [...at, 'port'], port, ports);
    const bind = asStr(listener.bind);
    if (bind !== undefined && bind !== '') {
      if (!isIpAddress(bind)) r.error([...at, 'bind'], `${JSON.stringify(bind)} is not an IP address`);
      else r.warn([...at, 'bind'], `bind ${NOT_YET}`);
    }
    const mode = asStr(listener.captureMode);
    if (mode !== undefined && mode !== 'DEFAULT')
      r.warn([...at, 'captureMode'], `captureMode ${mode} ${NOT_YET}`);
    checkEgressHosts(r, [...at, 'hosts'], asList(listener.hosts));
  });
}

function checkEgressPort(r: Reporter, path: Path, port: Record<string, unknown>, seen: Set<number>): void {
  const number = asNum(port.number);
  if (number === undefined || number === 0) {
    r.error(path, 'port.number is required (unix domain socket listeners are not supported)');
  } else if (number > 65535) r.error([...path, 'number'], `port ${number} is out of range: use 1 to 65535`);
  else if (seen.has(number))
    r.error([...path, 'number'], `port ${number} has two egress listeners: merge their hosts`);
  else seen.add(number);
  if ((asNum(port.targetPort) ?? 0) > 0)
    r.error([...path, 'targetPort'], 'targetPort has no effect on Sidecars: remove it');
  const name = asStr(port.name);
  if (name !== undefined && name !== '' && !isDns1123Label(name)) {
    r.error(
      [...path, 'name'],
      `port name ${JSON.stringify(name)} is invalid: use a lowercase DNS label such as http`,
    );
  }
  const problem = protocolProblem(asStr(port.protocol) ?? '');
  if (problem) r.error([...path, 'protocol'], problem);
}

/** `namespace/dnsName`, where namespace is a name, `.` (the Sidecar's), `*` (any) or `~` (none). */
function checkEgressHosts(r: Reporter, path: Path, hosts: readonly unknown[]): void {
  if (hosts.length === 0) {
    r.error(path, 'an egress listener needs at least one host, e.g. "./*" or "istio-system/*"');
    return;
  }
  const byNamespace = new Map<string, Set<string>>();
  hosts.forEach((h, i) => {
    const entry = asStr(h);
    if (entry === undefined) return;
    const at = [...path, i];
    const slash = entry.indexOf('/');
    if (slash === -1) {
      r.error(
        at,
        `${JSON.stringify(entry)} must be of the form namespace/host, e.g. "./${entry}" or "*/${entry}"`,
      );
      return;
    }
    const ns = entry.slice(0, slash);
    const host = entry.slice(slash + 1);
    if (ns === '' || host === '') {
      r.error(at, `${JSON.stringify(entry)} needs both a namespace and a host around "/"`);
      return;
    }
    if (!['*', '.', '~'].includes(ns) && !isDns1123Label(ns)) {
      r.error(at, `${JSON.stringify(ns)} is not a namespace: use a namespace name, ".", "*" or "~"`);
    }
    const problem =
      host !== '*' && !host.includes('.')
        ? `short name ${JSON.stringify(host)} is not allowed here: write the full name, e.g. ${host}.<namespace>.svc.cluster.local`
        : host.startsWith('*')
          ? wildcardDomainProblem(host)
          : fqdnProblem(host);
    if (problem) r.error(at, problem);
    else if (isPartialWildcard(host))
      r.error(at, `partial wildcard ${JSON.stringify(host)} is not allowed: use "*.domain"`);
    const names = byNamespace.get(ns) ?? new Set<string>();
    if (names.has(host) || names.has('*') || (host === '*' && names.size > 0)) {
      r.warn(at, `${JSON.stringify(entry)} repeats what an earlier host of this listener already selects`);
    }
    names.add(host);
    byNamespace.set(ns, names);
  });
  if (byNamespace.get('*')?.has('*') && byNamespace.size > 1) {
    r.warn(path, '"*/*" selects everything, so the other hosts add nothing');
  }
}
