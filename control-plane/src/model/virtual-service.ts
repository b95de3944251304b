// VirtualService validation: the schema, then Istio's rules for hosts, routes and rule order.

import { checkDestinations, checkHttpRoute } from './http-route.ts';
import type { Reporter } from './report.ts';
import { asList, asObj, asStr, checkShape, isSet } from './schema.ts';
import { virtualServiceSpec } from './virtual-service-schema.ts';

export function validateVirtualService(r: Reporter, spec: Record<string, unknown>): void {
  const path = ['spec'];
  checkShape(r, path, spec, virtualServiceSpec);
  checkHosts(r, spec);
  if (isSet(spec.tls))
    r.error([...path, 'tls'], 'tls routes are not supported yet: route TLS traffic with tcp routes');
  const http = asList(spec.http);
  const tcp = asList(spec.tcp);
  if (http.length === 0 && tcp.length === 0)
    r.error(path, 'the VirtualService routes nothing: add http or tcp routes');
  http.forEach((h, i) => {
    const route = asObj(h);
    if (route) checkHttpRoute(r, [...path, 'http', i], route);
    else if (h === null) r.error([...path, 'http', i], 'empty http route: remove it or give it a route');
  });
  tcp.forEach((t, i) => {
    const route = asObj(t);
    if (!route) return;
    if (asList(route.route).length === 0)
      r.error([...path, 'tcp', i], 'the tcp route has no destinations: add route');
    checkDestinations(r, [...path, 'tcp', i, 'route'], route.route);
  });
  warnUnreachable(r, http);
}

function checkHosts(r: Reporter, spec: Record<string, unknown>): void {
  const hosts = asList(spec.hosts);
  if (hosts.length === 0) {
    r.error(
      ['spec', 'hosts'],
      'hosts must name at least one host this VirtualService applies to, e.g. reviews',
    );
    return;
  }
  const seen = new Set<string>();
  hosts.forEach((h, i) => {
    const host = asStr(h);
    if (host === undefined) return;
    const at = ['spec', 'hosts', i];
    if (host === '*') {
      r.error(
        at,
        'host "*" is not allowed for sidecars (the mesh): name the services, or use "*.example.com"',
      );
    } else if (!/^(\*\.|\*)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(host) && host !== '*') {
      r.error(
        at,
        `${JSON.stringify(host)} is not a valid host: use a DNS name, optionally starting with "*."`,
      );
    }
    if (seen.has(host)) r.error(at, `host ${JSON.stringify(host)} is listed twice: remove one`);
    seen.add(host);
  });
}

/**
 * First match wins, so a rule after one that matches every request (no match, or a match that is only
 * `uri.prefix: /`) is never used. Istio warns rather than rejects; so do we.
 */
function warnUnreachable(r: Reporter, http: readonly unknown[]): void {
  let catchAll: number | undefined;
  http.forEach((h, i) => {
    const route = asObj(h);
    if (!route) return;
    if (catchAll !== undefined) {
      r.warn(
        ['spec', 'http', i],
        `this rule is never used: spec.http[${catchAll}] before it matches every request; move this rule above it, or remove it`,
      );
      return;
    }
    const matches = asList(route.match);
    if (matches.length === 0 || matches.some(matchesEverything)) catchAll = i;
  });
}

function matchesEverything(m: unknown): boolean {
  const match = asObj(m);
  if (!match) return false;
  const keys = Object.keys(match).filter((k) => k !== 'name' && isSet(match[k]));
  if (keys.length === 0) return true;
  const uri = asObj(match.uri);
  return (
    keys.length === 1 &&
    keys[0] === 'uri' &&
    !!uri &&
    asStr(uri.prefix) === '/' &&
    Object.keys(uri).length === 1
  );
}
