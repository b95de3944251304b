// Cross-field rules for one VirtualService http route, after Istio's validation: what may be combined,
// what must be present, and the values Envoy would refuse.
import type { Path, Reporter } from './report.ts';
import { asList, asNum, asObj, asStr, isSet } from './schema.ts';
import { GRPC_STATUS_NAMES, isDns1123Label, parseDurationNs, regexProblem } from './values.ts';

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on conditions, as Istio accepts them. */
const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

const GRPC_STATUS = new Set(GRPC_STATUS_NAMES);

/** Istio's CORS methods: the standard ones, spelt in capitals (no "*"). */
const CORS_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
]);
/** A CORS allow/expose header: "*" or a name of letters, digits, "-" and "_" (Istio's rule). */
const CORS_HEADER = /^(\*|[-_A-Za-z0-9]+)$/;

export function checkHttpRoute(r: Reporter, path: Path, route: Record<string, unknown>): void {
  checkExclusivity(r, path, route);
  asList(route.match).forEach((m, i) => {
    checkMatch(r, [...path, 'match', i], asObj(m));
  });
  checkDestinations(r, [...path, 'route'], route.route);
  if (isSet(route.delegate)) {
    r.error(
      [...path, 'delegate'],
      'delegate VirtualServices are not supported yet: put the routes here instead',
    );
  }
  checkRedirect(r, [...path, 'redirect'], asObj(route.redirect));
  checkDirectResponse(r, [...path, 'directResponse'], asObj(route.directResponse));
  checkRewrite(r, [...path, 'rewrite'], asObj(route.rewrite));
  checkRetries(r, [...path, 'retries'], asObj(route.retries));
  checkFault(r, [...path, 'fault'], asObj(route.fault));
  checkCors(r, [...path, 'corsPolicy'], asObj(route.corsPolicy));
  checkMirrors(r, path, route);
}

function checkExclusivity(r: Reporter, path: Path, route: Record<string, unknown>): void {
  const hasRoute = asList(route.route).length > 0;
  const actions = (['route', 'redirect', 'directResponse'] as const).filter((k) =>
    k === 'route' ? hasRoute : isSet(route[k]),
  );
  if (actions.length > 1) {
    r.error(
      [...path, actions[1]!],
      `a route may have only one of route, redirect and directResponse, but this one has ${actions.join(' and ')}: keep one`,
    );
  }
  if (actions.length === 0 && !isSet(route.delegate)) {
    r.error(path, 'the route does nothing: add route (destinations), redirect or directResponse');
  }
  const terminal = actions.find((a) => a !== 'route');
  if (terminal) {
    for (const k of ['fault', 'rewrite'] as const) {
      if (isSet(route[k])) {
        r.error(
          [...path, k],
          `${k} has no effect with ${terminal}, which answers without calling a destination: remove ${k}`,
        );
      }
    }
  }
}

function checkStringMatch(
  r: Reporter,
  path: Path,
  m: Record<string, unknown> | undefined,
  presenceOk: boolean,
): void {
  if (!m) return;
  const kinds = ['exact', 'prefix', 'regex'].filter((k) => isSet(m[k]));
  if (kinds.length > 1) {
    r.error(
      [...path, kinds[1]!],
      `a string match takes one of exact, prefix and regex, not ${kinds.join(' and ')}: keep one`,
    );
  } else if (kinds.length === 0 && !presenceOk) {
    r.error(path, 'empty string match: set exact, prefix or regex');
  }
  const re = asStr(m.regex);
  if (re !== undefined) {
    const problem = regexProblem(re);
    if (problem) r.error([...path, 'regex'], problem);
  }
}

function checkMatch(r: Reporter, path: Path, m: Record<string, unknown> | undefined): void {
  if (!m) return;
  for (const k of ['uri', 'scheme', 'method', 'authority'])
    checkStringMatch(r, [...path, k], asObj(m[k]), false);
  // For headers and query parameters an empty match ({}) is Istio's "is present" match.
  for (const k of ['headers', 'withoutHeaders', 'queryParams']) {
    for (const [name, sm] of Object.entries(asObj(m[k]) ?? {})) {
      if (name === '')
        r.error(
          [...path, k],
          `${k} has an empty name: name the ${k === 'queryParams' ? 'parameter' : 'header'}`,
        );
      if (k !== 'queryParams' && !/^[!#$%&'*+\-.^_`|~A-Za-z0-9:]+$/.test(name)) {
        r.error([...path, k, name], `${JSON.stringify(name)} is not a valid header name`);
      }
      checkStringMatch(r, [...path, k, name], asObj(sm), true);
    }
  }
  const ns = asStr(m.sourceNamespace);
  if (ns !== undefined && !isDns1123Label(ns)) {
    r.error(
      [...path, 'sourceNamespace'],
      `${JSON.stringify(ns)} is not a valid namespace name (lowercase DNS label)`,
    );
  }
}

/** Weights are relative: any non-negative values with a positive total (one destination may omit it). */
export function checkDestinations(r: Reporter, path: Path, value: unknown): void {
  const list = asList(value);
  let total = 0;
  list.forEach((d, i) => {
    const dest = asObj(d);
    if (!dest) return;
    checkDestination(r, [...path, i, 'destination'], dest.destination);
    const w = asNum(dest.weight);
    if (w !== undefined && w < 0)
      r.error([...path, i, 'weight'], `weight ${w} is negative: weights must be 0 or more`);
    else total += w ?? 0;
  });
  if (list.length > 1 && total === 0) {
    r.error(
      path,
      'the weights of these destinations add up to 0, so no request could be routed: give at least one a positive weight',
    );
  }
}

export function checkDestination(r: Reporter, path: Path, value: unknown): void {
  if (!isSet(value)) {
    r.error(path, 'destination is required: add destination.host');
    return;
  }
  const d = asObj(value);
  if (!d) return;
  const host = asStr(d.host);
  if (!isSet(d.host))
    r.error(
      path,
      'destination.host is required: name the service, e.g. reviews or reviews.ns.svc.cluster.local',
    );
  else if (host === '' || host === '*')
    r.error([...path, 'host'], `${JSON.stringify(host)} is not a valid destination host: name one service`);
  const subset = asStr(d.subset);
  if (subset !== undefined && !isDns1123Label(subset)) {
    r.error(
      [...path, 'subset'],
      `subset name ${JSON.stringify(subset)} is invalid: use a lowercase DNS label such as v1`,
    );
  }
}

function checkRedirect(r: Reporter, path: Path, red: Record<string, unknown> | undefined): void {
  if (!red) return;
  if (!['uri', 'authority', 'port', 'scheme', 'derivePort'].some((k) => isSet(red[k]))) {
    r.error(path, 'redirect must change something: set uri, authority, scheme or port');
  }
  const code = asNum(red.redirectCode);
  if (code !== undefined && code !== 0 && (code < 300 || code > 399)) {
    r.error([...path, 'redirectCode'], `${code} is not a redirect status: use a 3xx code such as 301 or 302`);
  }
  const scheme = asStr(red.scheme);
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    r.error(
      [...path, 'scheme'],
      `redirect scheme ${JSON.stringify(scheme)} is not supported: use "http" or "https"`,
    );
  }
}

function checkDirectResponse(r: Reporter, path: Path, dr: Record<string, unknown> | undefined): void {
  if (!dr) return;
  const status = asNum(dr.status);
  if (status === undefined)
    r.error(path, 'directResponse.status is required: set the HTTP status to answer with');
  else checkStatus(r, [...path, 'status'], status);
  const body = asObj(dr.body);
  if (body && isSet(body.string) && isSet(body.bytes)) {
    r.error([...path, 'body'], 'body takes one of string and bytes: keep one');
  }
  const size = (asStr(body?.string) ?? asStr(body?.bytes) ?? '').length;
  if (size > 1024 * 1024)
    r.error([...path, 'body'], 'body is larger than 1 MiB: serve large bodies from a service');
  else if (size > 100 * 1024)
    r.warn([...path, 'body'], 'body is larger than 100 KiB, which slows every config push');
}

/** Istio accepts 200 to 600 inclusive (its message says 200-599; the check lets 600 through). */
function checkStatus(r: Reporter, path: Path, status: number): void {
  if (status < 200 || status > 600)
    r.error(path, `HTTP status ${status} is out of range: use a status from 200 to 600`);
}

function checkRewrite(r: Reporter, path: Path, rw: Record<string, unknown> | undefined): void {
  if (!rw) return;
  const regex = asObj(rw.uriRegexRewrite);
  if (isSet(rw.uri) && isSet(rw.uriRegexRewrite)) {
    r.error([...path, 'uriRegexRewrite'], 'rewrite takes one of uri and uriRegexRewrite: keep one');
  }
  if (!isSet(rw.uri) && !isSet(rw.uriRegexRewrite) && !isSet(rw.authority)) {
    r.error(path, 'rewrite must change something: set uri, uriRegexRewrite or authority');
  }
  if (regex) {
    const match = asStr(regex.match);
    if (!match || !isSet(regex.rewrite)) {
      r.error([...path, 'uriRegexRewrite'], 'uriRegexRewrite needs both match (an RE2 regex) and rewrite');
    } else {
      const problem = regexProblem(match);
      if (problem) r.error([...path, 'uriRegexRewrite', 'match'], problem);
    }
  }
}

function checkRetries(r: Reporter, path: Path, rt: Record<string, unknown> | undefined): void {
  if (!rt) return;
  const attempts = asNum(rt.attempts);
  if (attempts !== undefined && attempts < 0)
    r.error([...path, 'attempts'], 'attempts cannot be negative: use 0 to disable retries');
  if (
    (attempts ?? 0) === 0 &&
    ['perTryTimeout', 'retryOn', 'retryRemoteLocalities'].some((k) => isSet(rt[k]))
  ) {
    r.error(
      path,
      'retry settings are given but attempts is 0 (retries disabled): set attempts or remove the settings',
    );
  }
  const retryOn = asStr(rt.retryOn);
  if (retryOn === undefined) return;
  for (const token of retryOn.split(',')) {
    const t = token.trim();
    const code = /^\d+$/.test(t) ? Number(t) : Number.NaN;
    if (RETRY_ON.has(t) || (code >= 100 && code <= 599)) continue;
    r.error(
      [...path, 'retryOn'],
      `${JSON.stringify(t)} is not a retry condition: use ${[...RETRY_ON].join(', ')} or an HTTP status code, separated by commas`,
    );
  }
}

function checkFault(r: Reporter, path: Path, f: Record<string, unknown> | undefined): void {
  if (!f) return;
  if (!isSet(f.delay) && !isSet(f.abort)) r.error(path, 'fault does nothing: add delay and/or abort');
  const delay = asObj(f.delay);
  if (delay) {
    if (isSet(delay.exponentialDelay)) {
      r.error(
        [...path, 'delay', 'exponentialDelay'],
        'exponentialDelay is not supported (nor by Istio): use fixedDelay',
      );
    } else if (!isSet(delay.fixedDelay))
      r.error([...path, 'delay'], 'delay needs fixedDelay, e.g. fixedDelay: 5s');
  }
  const abort = asObj(f.abort);
  if (abort) {
    const kinds = ['httpStatus', 'grpcStatus', 'http2Error'].filter((k) => isSet(abort[k]));
    if (kinds.length > 1)
      r.error([...path, 'abort', kinds[1]!], `abort takes one of ${kinds.join(' and ')}: keep one`);
    if (kinds.length === 0) r.error([...path, 'abort'], 'abort needs httpStatus or grpcStatus');
    if (isSet(abort.http2Error))
      r.error(
        [...path, 'abort', 'http2Error'],
        'http2Error aborts are not supported: use httpStatus or grpcStatus',
      );
    const status = asNum(abort.httpStatus);
    if (status !== undefined) checkStatus(r, [...path, 'abort', 'httpStatus'], status);
    const grpc = asStr(abort.grpcStatus);
    if (grpc !== undefined && !GRPC_STATUS.has(grpc)) {
      r.error(
        [...path, 'abort', 'grpcStatus'],
        `${JSON.stringify(grpc)} is not a gRPC status name: use one like UNAVAILABLE or NOT_FOUND`,
      );
    }
  }
}

function checkCors(r: Reporter, path: Path, c: Record<string, unknown> | undefined): void {
  if (!c) return;
  asList(c.allowOrigins).forEach((o, i) => {
    const at = [...path, 'allowOrigins', i];
    const match = asObj(o);
    checkStringMatch(r, at, match, false);
    const kind = ['exact', 'prefix', 'regex'].find((k) => match?.[k] === '');
    if (kind)
      r.error(
        [...at, kind],
        `an empty ${kind} matches no origin: write the origin, e.g. https://example.com`,
      );
  });
  asList(c.allowMethods).forEach((m, i) => {
    if (typeof m === 'string' && !CORS_METHODS.has(m)) {
      r.error(
        [...path, 'allowMethods', i],
        `${JSON.stringify(m)} is not an HTTP method: use one of ${[...CORS_METHODS].join(', ')}`,
      );
    }
  });
  for (const field of ['allowHeaders', 'exposeHeaders']) {
    asList(c[field]).forEach((h, i) => {
      if (typeof h === 'string' && !CORS_HEADER.test(h)) {
        r.error(
          [...path, field, i],
          h === ''
            ? 'a header name cannot be empty'
            : `${JSON.stringify(h)} is not a header name: use letters, digits, "-" and "_", or "*"`,
        );
      }
    });
  }
  const maxAge = asStr(c.maxAge);
  const ns = maxAge === undefined ? undefined : parseDurationNs(maxAge);
  if (ns !== undefined && ns % 1e9 !== 0) {
    r.error(
      [...path, 'maxAge'],
      'maxAge is sent in whole seconds: round it to seconds, e.g. "24h" or "600s"',
    );
  }
}

function checkMirrors(r: Reporter, path: Path, route: Record<string, unknown>): void {
  if (isSet(route.mirror) && isSet(route.mirrors)) {
    r.error([...path, 'mirrors'], 'use either mirror or mirrors, not both: move mirror into mirrors');
  }
  if (isSet(route.mirror)) checkDestination(r, [...path, 'mirror'], route.mirror);
  asList(route.mirrors).forEach((m, i) => {
    checkDestination(r, [...path, 'mirrors', i, 'destination'], asObj(m)?.destination);
  });
  const mp = asNum(route.mirrorPercent);
  if (mp !== undefined && mp > 100) r.error([...path, 'mirrorPercent'], `mirrorPercent ${mp} is above 100`);
}
