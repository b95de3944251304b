// envoy.extensions.filters.http.fault.v3.HTTPFault → FaultTable, for the listener's fault filter and
// for per-route overrides in typed_per_filter_config.

import {
  ConfigError,
  durationMs,
  type FractionalPercent,
  fractionalPercent,
  type HTTPFault,
  joinPath,
  message,
  oneOf,
  optionalUint,
  repeated,
  str,
  uint,
} from '../config/index.ts';
import { compileHeaderMatcher } from './string-match.ts';
import type { FaultTable } from './types.ts';

export const FAULT_NAME = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
export const FAULT_TYPE_URL = `type.googleapis.com/${FAULT_NAME}`;

// An absent percentage means every request: a fault that is configured but never fires is never what
// the author meant, and Istio always sets it.
const ALL = 1;
const DENOMINATORS: Readonly<Record<string, number>> = {
  HUNDRED: 100,
  TEN_THOUSAND: 10_000,
  MILLION: 1_000_000,
};

/** The denominator header-controlled percentages are read over (Envoy: the configured one, default 100). */
function denominatorOf(percentage: FractionalPercent | undefined): number {
  const d = percentage?.denominator;
  return d === undefined ? 100 : (DENOMINATORS[d] ?? 100);
}

export function compileFault(f: HTTPFault, path: string): FaultTable {
  let delay: FaultTable['delay'];
  if (f.delay != null) {
    const at = joinPath(path, 'delay');
    const d = message(f.delay, at);
    const kind = oneOf(d, ['fixed_delay', 'header_delay'], at);
    if (kind === undefined) throw new ConfigError(at, 'one of fixed_delay or header_delay is required');
    const fraction = fractionalPercent(d.percentage, joinPath(at, 'percentage'), ALL);
    if (kind === 'fixed_delay') {
      const fixedMs = durationMs(d.fixed_delay, joinPath(at, 'fixed_delay'));
      if (fixedMs <= 0) throw new ConfigError(joinPath(at, 'fixed_delay'), 'must be greater than 0');
      delay = { fixedMs, fromHeader: false, fraction };
    } else delay = { fromHeader: true, fraction, denominator: denominatorOf(d.percentage) };
  }

  let abort: FaultTable['abort'];
  if (f.abort != null) {
    const at = joinPath(path, 'abort');
    const a = message(f.abort, at);
    const kind = oneOf(a, ['http_status', 'grpc_status', 'header_abort'], at);
    if (kind === undefined)
      throw new ConfigError(at, 'one of http_status, grpc_status or header_abort is required');
    const fraction = fractionalPercent(a.percentage, joinPath(at, 'percentage'), ALL);
    if (kind === 'http_status') {
      const httpStatus = uint(a.http_status, joinPath(at, 'http_status'));
      if (httpStatus < 200 || httpStatus > 599) {
        throw new ConfigError(joinPath(at, 'http_status'), `must be in [200, 600), got ${httpStatus}`);
      }
      abort = { httpStatus, fromHeader: false, fraction };
    } else if (kind === 'grpc_status') {
      abort = { grpcStatus: uint(a.grpc_status, joinPath(at, 'grpc_status')), fromHeader: false, fraction };
    } else abort = { fromHeader: true, fraction, denominator: denominatorOf(a.percentage) };
  }

  const headersPath = joinPath(path, 'headers');
  const headers = repeated(f.headers, headersPath).map((h, i) =>
    compileHeaderMatcher(message(h, joinPath(headersPath, i)), joinPath(headersPath, i)),
  );
  const cluster = str(f.upstream_cluster, joinPath(path, 'upstream_cluster'));
  const maxActiveFaults = optionalUint(f.max_active_faults, joinPath(path, 'max_active_faults'));
  const delayPercentRuntime = str(f.delay_percent_runtime, joinPath(path, 'delay_percent_runtime'));
  return {
    ...(delay ? { delay } : {}),
    ...(abort ? { abort } : {}),
    headers,
    upstreamClusters: new Set(cluster === '' ? [] : [cluster]),
    ...(maxActiveFaults === undefined ? {} : { maxActiveFaults }),
    ...(delayPercentRuntime === '' ? {} : { delayPercentRuntime }),
  };
}
