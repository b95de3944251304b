// DestinationRule validation: the schema, then Istio's rules for subsets and traffic policies.

import { destinationRuleSpec } from './destination-rule-schema.ts';
import type { Path, Reporter } from './report.ts';
import { asList, asNum, asObj, asStr, checkShape, isSet } from './schema.ts';
import { isDns1123Label } from './values.ts';

const POLICY_FIELDS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls', 'portLevelSettings'];
const HASH_KEYS = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'];

export function validateDestinationRule(r: Reporter, spec: Record<string, unknown>): void {
  checkShape(r, ['spec'], spec, destinationRuleSpec);
  const host = asStr(spec.host);
  if (!isSet(spec.host))
    r.error(['spec'], 'host is required: name the service this rule applies to, e.g. reviews');
  else if (host === '' || host === '*')
    r.error(['spec', 'host'], `${JSON.stringify(host)} is not a valid host: name one service`);
  checkTrafficPolicy(r, ['spec', 'trafficPolicy'], asObj(spec.trafficPolicy));
  const names = new Map<string, number>();
  asList(spec.subsets).forEach((s, i) => {
    const subset = asObj(s);
    const at = ['spec', 'subsets', i];
    if (!subset) return;
    const name = asStr(subset.name);
    if (!isSet(subset.name)) r.error(at, 'subset name is required: name it, e.g. v1');
    else if (name !== undefined && !isDns1123Label(name)) {
      r.error(
        [...at, 'name'],
        `subset name ${JSON.stringify(name)} is invalid: use a lowercase DNS label such as v1`,
      );
    }
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) {
        r.error(
          [...at, 'name'],
          `subset ${JSON.stringify(name)} is already defined at spec.subsets[${first}]: rename or merge them`,
        );
      } else names.set(name, i);
    }
    checkTrafficPolicy(r, [...at, 'trafficPolicy'], asObj(subset.trafficPolicy));
  });
}

function checkTrafficPolicy(r: Reporter, path: Path, tp: Record<string, unknown> | undefined): void {
  if (!tp) return;
  if (!POLICY_FIELDS.some((k) => isSet(tp[k]))) {
    r.error(path, `trafficPolicy is empty: set one of ${POLICY_FIELDS.join(', ')}, or remove it`);
  }
  checkPolicyParts(r, path, tp);
  asList(tp.portLevelSettings).forEach((p, i) => {
    const pl = asObj(p);
    const at = [...path, 'portLevelSettings', i];
    if (!pl) return;
    if (!isSet(pl.port)) r.error(at, 'port is required: set port.number');
    if (!['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'].some((k) => isSet(pl[k]))) {
      r.error(at, 'port policy is empty: set loadBalancer, connectionPool, outlierDetection or tls');
    }
    checkPolicyParts(r, at, pl);
  });
}

function checkPolicyParts(r: Reporter, path: Path, tp: Record<string, unknown>): void {
  checkLoadBalancer(r, [...path, 'loadBalancer'], asObj(tp.loadBalancer));
  checkConnectionPool(r, [...path, 'connectionPool'], asObj(tp.connectionPool));
  checkOutlier(r, [...path, 'outlierDetection'], asObj(tp.outlierDetection));
}

function checkLoadBalancer(r: Reporter, path: Path, lb: Record<string, unknown> | undefined): void {
  if (!lb) return;
  if (isSet(lb.simple) && isSet(lb.consistentHash)) {
    r.error([...path, 'consistentHash'], 'loadBalancer takes one of simple and consistentHash: keep one');
  }
  if (asStr(lb.simple) === 'LEAST_CONN')
    r.warn([...path, 'simple'], 'LEAST_CONN is deprecated: use LEAST_REQUEST');
  const ch = asObj(lb.consistentHash);
  if (!ch) return;
  const keys = HASH_KEYS.filter((k) => isSet(ch[k]));
  if (keys.length !== 1) {
    r.error(
      keys.length ? [...path, 'consistentHash', keys[1]!] : [...path, 'consistentHash'],
      `consistentHash needs exactly one hash key (${HASH_KEYS.join(', ')})` +
        (keys.length ? `, but has ${keys.join(' and ')}: keep one` : ': add one'),
    );
  }
  const cookie = asObj(ch.httpCookie);
  if (cookie && !asStr(cookie.name))
    r.error([...path, 'consistentHash', 'httpCookie'], 'httpCookie.name is required: name the cookie');
  const algos = ['ringHash', 'maglev', 'minimumRingSize'].filter((k) => isSet(ch[k]));
  if (algos.length > 1)
    r.error([...path, 'consistentHash', algos[1]!], `use one of ${algos.join(' and ')}, not both`);
  const table = asNum(asObj(ch.maglev)?.tableSize);
  if (asObj(ch.maglev) && table === undefined)
    r.error([...path, 'consistentHash', 'maglev'], 'maglev.tableSize is required: use a prime such as 65537');
  if (table !== undefined && (table >= 5000011 || !isPrime(table))) {
    r.error(
      [...path, 'consistentHash', 'maglev', 'tableSize'],
      `tableSize ${table} must be a prime below 5000011, e.g. 65537`,
    );
  }
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let f = 2; f * f <= n; f++) if (n % f === 0) return false;
  return true;
}

function checkConnectionPool(r: Reporter, path: Path, cp: Record<string, unknown> | undefined): void {
  if (!cp) return;
  if (!isSet(cp.tcp) && !isSet(cp.http))
    r.error(path, 'connectionPool is empty: set tcp and/or http, or remove it');
  const http = asObj(cp.http);
  if (!http) return;
  for (const k of [
    'http1MaxPendingRequests',
    'http2MaxRequests',
    'maxRequestsPerConnection',
    'maxRetries',
    'maxConcurrentStreams',
  ]) {
    const v = asNum(http[k]);
    if (v !== undefined && v < 0)
      r.error([...path, 'http', k], `${k} cannot be negative: use 0 for the default`);
  }
  if (asStr(http.h2UpgradePolicy) === 'UPGRADE' && http.useClientProtocol === true) {
    r.error(
      [...path, 'http', 'useClientProtocol'],
      'useClientProtocol cannot be true with h2UpgradePolicy UPGRADE: drop one',
    );
  }
  const tcp = asObj(cp.tcp);
  const max = asNum(tcp?.maxConnections);
  if (max !== undefined && max < 0)
    r.error([...path, 'tcp', 'maxConnections'], 'maxConnections cannot be negative');
}

function checkOutlier(r: Reporter, path: Path, od: Record<string, unknown> | undefined): void {
  if (!od) return;
  const ce = asNum(od.consecutiveErrors);
  if (ce !== undefined && ce < 0)
    r.error([...path, 'consecutiveErrors'], 'consecutiveErrors cannot be negative');
  if (od.splitExternalLocalOriginErrors !== true && (asNum(od.consecutiveLocalOriginFailures) ?? 0) > 0) {
    r.error(
      [...path, 'consecutiveLocalOriginFailures'],
      'consecutiveLocalOriginFailures only counts when splitExternalLocalOriginErrors is true: set it, or remove this field',
    );
  }
}
