// The fault filter's per-request decision (Envoy envoy.filters.http.fault). The compiled FaultTable
// says what may happen; this decides what does, given the request's headers and the active count.
import type { FaultTable, RequestView } from '../../compile/index.ts';
import type { HttpStats } from '../../metrics/index.ts';
import type { Random } from '../../time/index.ts';

export interface FaultDecision {
  delayMs: number;
  abortStatus?: number;
  grpcStatus?: number;
}

const NO_FAULT: FaultDecision = { delayMs: 0 };

function headerNumber(req: RequestView, name: string): number | undefined {
  const raw = req.header(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Header-supplied percentages can only lower the configured one (Envoy: min of the two). */
function effectiveFraction(configured: number, req: RequestView, header: string): number {
  const pct = headerNumber(req, header);
  return pct === undefined ? configured : Math.min(configured, Math.max(0, pct) / 100);
}

export function decideFault(
  fault: FaultTable,
  req: RequestView,
  cluster: string | undefined,
  stats: HttpStats,
  random: Random,
): FaultDecision {
  if (fault.upstreamClusters.size > 0 && (cluster === undefined || !fault.upstreamClusters.has(cluster))) {
    return NO_FAULT;
  }
  for (const matcher of fault.headers) if (!matcher.matches(req.header(matcher.name))) return NO_FAULT;
  if (fault.maxActiveFaults !== undefined && stats.faultsActive >= fault.maxActiveFaults) {
    stats.faultsOverflow++;
    return NO_FAULT;
  }
  let delayMs = 0;
  const delay = fault.delay;
  if (delay) {
    const ms = delay.fromHeader ? headerNumber(req, 'x-envoy-fault-delay-request') : delay.fixedMs;
    const fraction = delay.fromHeader
      ? effectiveFraction(delay.fraction, req, 'x-envoy-fault-delay-request-percentage')
      : delay.fraction;
    if (ms !== undefined && ms > 0 && random() < fraction) delayMs = ms;
  }
  const abort = fault.abort;
  if (abort) {
    let http = abort.httpStatus;
    let grpc = abort.grpcStatus;
    if (abort.fromHeader) {
      http = headerNumber(req, 'x-envoy-fault-abort-request');
      grpc = headerNumber(req, 'x-envoy-fault-abort-grpc-request');
      if (http !== undefined && (http < 200 || http >= 600)) http = undefined;
    }
    const fraction = abort.fromHeader
      ? effectiveFraction(abort.fraction, req, 'x-envoy-fault-abort-request-percentage')
      : abort.fraction;
    if ((http !== undefined || grpc !== undefined) && random() < fraction) {
      const decision: FaultDecision = { delayMs };
      if (http !== undefined) decision.abortStatus = http;
      if (grpc !== undefined) decision.grpcStatus = grpc;
      return decision;
    }
  }
  return delayMs > 0 ? { delayMs } : NO_FAULT;
}
