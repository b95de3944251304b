// The invariants checked after each fuzz sequence. Each finding is classified: crash (the process
// died or stopped serving), leak (a permit or gauge that does not return to rest), integrity (a
// truncated or altered body passed on as whole, or a request that was never whole forwarded), status
// (a response with an invalid status, a local reply that is not an error, or no answer at all).
import http from 'node:http';
import type { Outcome } from './client-actions.ts';
import { PROBE_PATH } from './mesh-config.ts';
import type { ProxyUnderTest } from './proxy-under-test.ts';
import { PROBE_BODY, type RecordingUpstreams } from './recording-upstream.ts';

export type FindingKind = 'crash' | 'leak' | 'integrity' | 'status';

export interface Finding {
  readonly kind: FindingKind;
  readonly detail: string;
}

/** How long gauges may take to come back to rest once every client request has ended. */
const SETTLE_MS = 2_500;

/** What the client saw, against what the upstream recorded. */
export function checkOutcomes(outcomes: readonly Outcome[], upstreams: RecordingUpstreams): Finding[] {
  const findings: Finding[] = [];
  for (const o of outcomes) {
    const at = `request ${o.id} (${o.step.protocol} ${o.step.method}, abort ${o.step.abort.at}, upstream ${o.step.upstream.kind})`;
    for (const v of upstreams.violations.get(o.id) ?? [])
      findings.push({ kind: 'integrity', detail: `${at}: ${v}` });
    const arrivals = upstreams.arrivals.get(o.id) ?? [];
    if (o.step.abort.at === 'headers' && o.step.protocol === 'h1' && arrivals.length > 0)
      findings.push({ kind: 'integrity', detail: `${at}: forwarded although its head never arrived whole` });
    if (o.result === 'hung')
      findings.push({ kind: 'status', detail: `${at}: neither a response nor a reset within the bound` });
    if (o.status === undefined) continue;
    if (!(o.status >= 100 && o.status <= 599))
      findings.push({ kind: 'status', detail: `${at}: invalid status ${o.status}` });
    if (o.fromUpstream === undefined) {
      if (o.status < 400)
        findings.push({ kind: 'status', detail: `${at}: local reply with non-error status ${o.status}` });
    } else if (!arrivals.some((a) => a.upstream === o.fromUpstream)) {
      findings.push({
        kind: 'status',
        detail: `${at}: response from ${o.fromUpstream}, which never saw the request`,
      });
    }
    if (o.bodyProblem) findings.push({ kind: 'integrity', detail: `${at}: ${o.bodyProblem}` });
  }
  return findings;
}

interface Sample {
  name: string;
  labels: string;
  value: number;
}

function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (m) out.push({ name: m[1]!, labels: m[2]!, value: Number(m[3]) });
  }
  return out;
}

const ZERO_GAUGES = [
  'envoy_http_downstream_rq_active',
  'envoy_http_fault_active_faults',
  'envoy_cluster_upstream_rq_active',
  'envoy_cluster_upstream_rq_pending_active',
];

/** Each remaining_* gauge and the /clusters maximum it must come back to. */
const REMAINING = [
  ['envoy_cluster_circuit_breakers_default_remaining_cx', 'max_connections'],
  ['envoy_cluster_circuit_breakers_default_remaining_pending', 'max_pending_requests'],
  ['envoy_cluster_circuit_breakers_default_remaining_rq', 'max_requests'],
  ['envoy_cluster_circuit_breakers_default_remaining_retries', 'max_retries'],
] as const;

interface ClusterStatus {
  name: string;
  circuit_breakers: Record<string, number>;
}

/** The gauges that are not at rest, as text; empty when all are. */
async function unsettled(proxy: ProxyUnderTest, upstreams: RecordingUpstreams): Promise<string[]> {
  const [prom, clusters] = await Promise.all([
    proxy.admin('/stats/prometheus'),
    proxy.admin('/clusters?format=json'),
  ]);
  const samples = parsePrometheus(prom);
  const maxima = new Map(
    (JSON.parse(clusters) as { cluster_statuses: ClusterStatus[] }).cluster_statuses.map((c) => [
      `envoy_cluster_name="${c.name}"`,
      c.circuit_breakers,
    ]),
  );
  const bad: string[] = [];
  for (const s of samples) {
    if (ZERO_GAUGES.includes(s.name) && s.value !== 0) bad.push(`${s.name}{${s.labels}} = ${s.value}`);
    const remaining = REMAINING.find(([name]) => name === s.name);
    const max = remaining && maxima.get(s.labels)?.[remaining[1]];
    if (max !== undefined && s.value !== max) bad.push(`${s.name}{${s.labels}} = ${s.value}, max ${max}`);
  }
  if (upstreams.open !== 0) bad.push(`upstream requests still open: ${upstreams.open}`);
  return bad;
}

/** Polls until every gauge is at rest; a leak finding if one is not within SETTLE_MS. */
export async function checkSettled(proxy: ProxyUnderTest, upstreams: RecordingUpstreams): Promise<Finding[]> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    if (!proxy.alive) return [];
    let bad: string[];
    try {
      bad = await unsettled(proxy, upstreams);
    } catch (err) {
      if (!proxy.alive) return [];
      return [{ kind: 'crash', detail: `the admin endpoint does not answer: ${(err as Error).message}` }];
    }
    if (bad.length === 0) return [];
    if (Date.now() > deadline)
      return [{ kind: 'leak', detail: `not at rest after ${SETTLE_MS} ms: ${bad.join('; ')}` }];
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The process is alive and a plain request through it works. */
export async function checkServing(proxy: ProxyUnderTest, listenPort: number): Promise<Finding[]> {
  if (!proxy.alive) return [{ kind: 'crash', detail: `weft-proxy exited: ${proxy.exitReport()}` }];
  try {
    const { status, body } = await plainGet(listenPort);
    if (status === 200 && body === PROBE_BODY) return [];
    return [{ kind: 'crash', detail: `a plain request got ${status} ${body.slice(0, 100)}` }];
  } catch (err) {
    // a refused connection is often the process on its way out: give the exit a moment to show
    if (await proxy.exitsWithin(1_000))
      return [{ kind: 'crash', detail: `weft-proxy exited: ${proxy.exitReport()}` }];
    return [{ kind: 'crash', detail: `a plain request failed: ${(err as Error).message}` }];
  }
}

/** On a connection of its own: a kept-alive one may be from a process that has since been replaced. */
function plainGet(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: PROBE_PATH, agent: false, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
}
