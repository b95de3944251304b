// ServiceEntry validation: the schema, then Istio's rules for hosts, addresses, ports and how each
// resolution (NONE, STATIC, DNS, DNS_ROUND_ROBIN) finds its endpoints.

import {
  fqdnProblem,
  ipOrCidrProblem,
  isHttpProtocol,
  isIpAddress,
  isPartialWildcard,
  isTlsProtocol,
  labelProblem,
  protocolProblem,
  wildcardDomainProblem,
} from './names.ts';
import type { Path, Reporter } from './report.ts';
import { asList, asNum, asObj, asStr, checkShape, isSet } from './schema.ts';
import { checkExportTo, checkWorkloadSelector } from './scope.ts';
import { serviceEntrySpec } from './service-entry-schema.ts';
import { isDns1123Label } from './values.ts';

const SPEC = ['spec'];

export function validateServiceEntry(r: Reporter, spec: Record<string, unknown>, namespace: string): void {
  checkShape(r, SPEC, spec, serviceEntrySpec);
  const resolution = asStr(spec.resolution) ?? 'NONE';
  const endpoints = asList(spec.endpoints);
  checkWorkloadSelector(
    r,
    [...SPEC, 'workloadSelector'],
    spec.workloadSelector,
    'selects every WorkloadEntry in the namespace',
  );
  if (isSet(spec.workloadSelector) && endpoints.length > 0) {
    r.error(
      [...SPEC, 'workloadSelector'],
      'use either workloadSelector or endpoints, not both: list the endpoints inline, or select WorkloadEntries',
    );
  }
  const hosts = checkHosts(r, spec);
  checkAddresses(r, spec, resolution);
  const portNames = checkPorts(r, spec, resolution);
  const at = [...SPEC, 'endpoints'];
  switch (resolution) {
    case 'NONE':
      if (endpoints.length > 0) {
        r.error(
          at,
          'resolution NONE sends traffic to the address the caller dialled, so it takes no endpoints: remove them, or use STATIC or DNS',
        );
      }
      if (isSet(spec.workloadSelector))
        r.warn([...SPEC, 'workloadSelector'], 'workloadSelector has no effect with resolution NONE');
      break;
    case 'STATIC':
      if (endpoints.length === 0 && !isSet(spec.workloadSelector)) {
        r.error(
          SPEC,
          'resolution STATIC needs endpoints (IP addresses) or a workloadSelector: add them, or use DNS to resolve the hosts',
        );
      }
      endpoints.forEach((e, i) => {
        checkEndpoint(r, [...at, i], asObj(e), portNames, false);
      });
      break;
    default: // DNS, DNS_ROUND_ROBIN
      if (endpoints.length === 0) {
        hosts.forEach((host, i) => {
          if (fqdnProblem(host) === undefined) return;
          r.error(
            [...SPEC, 'hosts', i],
            host.includes('*')
              ? `wildcard host ${JSON.stringify(host)} cannot be resolved with DNS: list endpoints to resolve instead, or use resolution NONE`
              : `host ${JSON.stringify(host)} must be a DNS name to be resolved with ${resolution} when there are no endpoints`,
          );
        });
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
        r.error(
          at,
          'resolution DNS_ROUND_ROBIN connects through one DNS name, so it takes 0 or 1 endpoints: keep one, or use DNS',
        );
      }
      endpoints.forEach((e, i) => {
        checkEndpoint(r, [...at, i], asObj(e), portNames, true);
      });
      if (isSet(spec.workloadSelector))
        r.warn([...SPEC, 'workloadSelector'], `workloadSelector has no effect with resolution ${resolution}`);
  }
  checkMultipleHosts(r, spec, resolution, hosts);
  checkExportTo(r, [...SPEC, 'exportTo'], spec.exportTo, namespace, true);
}

function checkHosts(r: Reporter, spec: Record<string, unknown>): string[] {
  const list = asList(spec.hosts);
  if (list.length === 0) {
    r.error([...SPEC, 'hosts'], 'a ServiceEntry needs at least one host, e.g. api.example.com');
    return [];
  }
  const seen = new Set<string>();
  const hosts: string[] = [];
  list.forEach((h, i) => {
    const host = asStr(h);
    if (host === undefined) return;
    hosts.push(host);
    const at = [...SPEC, 'hosts', i];
    if (host === '*') {
      r.error(at, 'host "*" would capture every destination: name the hosts, or use "*.example.com"');
      return;
    }
    const problem = wildcardDomainProblem(host);
    if (problem) r.error(at, problem);
    else if (isPartialWildcard(host))
      r.warn(
        at,
        `partial wildcard ${JSON.stringify(host)} matches only itself: use "*.${host.slice(host.indexOf('.') + 1)}"`,
      );
    if (seen.has(host)) r.error(at, `host ${JSON.stringify(host)} is listed twice: remove one`);
    seen.add(host);
  });
  return hosts;
}

function checkAddresses(r: Reporter, spec: Record<string, unknown>, resolution: string): void {
  asList(spec.addresses).forEach((a, i) => {
    const address = asStr(a);
    if (address === undefined) return;
    const at = [...SPEC, 'addresses', i];
    const problem = ipOrCidrProblem(address);
    if (problem) r.error(at, problem);
    else if (address.includes('/') && resolution !== 'NONE' && resolution !== 'STATIC') {
      r.error(
        at,
        `a CIDR block is allowed only with resolution NONE or STATIC, not ${resolution}: use a single IP`,
      );
    }
  });
}

/** Checks the ports and returns their names (for endpoint `ports` keys). */
function checkPorts(r: Reporter, spec: Record<string, unknown>, resolution: string): Set<string> {
  const names = new Set<string>();
  const ports = asList(spec.ports);
  if (ports.length === 0) {
    r.error(
      [...SPEC, 'ports'],
      'a ServiceEntry needs at least one port: add ports with number, name and protocol',
    );
    return names;
  }
  const numbers = new Set<number>();
  const noAddresses = asList(spec.addresses).length === 0;
  ports.forEach((p, i) => {
    const port = asObj(p);
    if (!port) return;
    const at = [...SPEC, 'ports', i];
    const name = asStr(port.name);
    if (name === undefined) {
      if (!isSet(port.name)) r.error(at, 'port name is required: name it, e.g. http');
    } else if (!isDns1123Label(name)) {
      r.error(
        [...at, 'name'],
        `port name ${JSON.stringify(name)} is invalid: use a lowercase DNS label such as http`,
      );
    } else if (names.has(name)) r.error([...at, 'name'], `port name ${JSON.stringify(name)} is used twice`);
    if (name !== undefined) names.add(name);
    const number = asNum(port.number);
    if (number === undefined) {
      if (!isSet(port.number)) r.error(at, 'port number is required');
    } else if (number < 1 || number > 65535) {
      r.error([...at, 'number'], `port ${number} is out of range: use 1 to 65535`);
    } else if (numbers.has(number)) r.error([...at, 'number'], `port ${number} is defined twice`);
    if (number !== undefined) numbers.add(number);
    const target = asNum(port.targetPort);
    if (target !== undefined && target !== 0) {
      if (target > 65535)
        r.error([...at, 'targetPort'], `targetPort ${target} is out of range: use 1 to 65535`);
      else if (resolution === 'NONE')
        r.warn(
          [...at, 'targetPort'],
          'targetPort has no effect with resolution NONE (the dialled port is used)',
        );
    }
    const protocol = asStr(port.protocol) ?? '';
    const problem = protocolProblem(protocol);
    if (problem) r.error([...at, 'protocol'], problem);
    else if (noAddresses && (protocol === '' || protocol.toUpperCase() === 'TCP')) {
      r.warn(
        at,
        'a TCP (or unset) protocol port is told apart only by address: add addresses, or set protocol (e.g. HTTP)',
      );
    }
  });
  return names;
}

function checkEndpoint(
  r: Reporter,
  path: Path,
  endpoint: Record<string, unknown> | undefined,
  portNames: ReadonlySet<string>,
  dns: boolean,
): void {
  if (!endpoint) return;
  const address = asStr(endpoint.address);
  if (address === undefined || address === '') {
    if (!isSet(endpoint.network) || address === '')
      r.error(
        path,
        'endpoint address is required: the IP (or, for DNS resolution, the host name) to connect to',
      );
  } else if (address.startsWith('unix://')) {
    r.error([...path, 'address'], 'unix domain socket endpoints are not supported yet: use an IP address');
  } else if (!isIpAddress(address)) {
    if (!dns) {
      r.error(
        [...path, 'address'],
        `${JSON.stringify(address)} is not an IP address: resolution STATIC takes IPs; use resolution DNS for host names`,
      );
    } else if (fqdnProblem(address)) {
      r.error([...path, 'address'], `${JSON.stringify(address)} is neither an IP address nor a DNS name`);
    }
  }
  for (const [name, port] of Object.entries(asObj(endpoint.ports) ?? {})) {
    const at = [...path, 'ports', name];
    if (!portNames.has(name)) {
      r.error(
        at,
        `${JSON.stringify(name)} is not one of this ServiceEntry's port names (${[...portNames].join(', ')})`,
      );
    }
    const n = asNum(port);
    if (n !== undefined && (n < 1 || n > 65535)) r.error(at, `port ${n} is out of range: use 1 to 65535`);
  }
  for (const [key, value] of Object.entries(asObj(endpoint.labels) ?? {})) {
    const text = asStr(value);
    const problem = text === undefined ? undefined : labelProblem(key, text);
    if (problem) r.error([...path, 'labels', key], problem);
  }
}

/**
 * Several hosts on one port can be told apart by the HTTP authority or the TLS SNI, but not on a
 * plain TCP port, unless resolution is NONE (hosts are then ignored).
 */
function checkMultipleHosts(r: Reporter, spec: Record<string, unknown>, resolution: string, hosts: string[]) {
  if (resolution === 'NONE' || hosts.length < 2) return;
  const i = asList(spec.ports).findIndex((p) => {
    const protocol = asStr(asObj(p)?.protocol) ?? '';
    return !isHttpProtocol(protocol) && !isTlsProtocol(protocol);
  });
  if (i === -1) return;
  r.error(
    [...SPEC, 'ports', i],
    'several hosts share this port, but it is not HTTP or TLS, so connections cannot be told apart: set protocol to HTTP/HTTPS/TLS, or split the hosts into ServiceEntries',
  );
}
