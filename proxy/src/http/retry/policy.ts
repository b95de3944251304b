// Whether an attempt's outcome is retriable under a route's retry_policy (Envoy router semantics),
// and how long to back off first. Pure functions of the compiled policy; RetryState (retry-state.ts)
// keeps the per-request count, hosts and breaker unit.

import type { RetryPolicyTable } from '../../compile/index.ts';
import {
  RETRY_ON_5XX,
  RETRY_ON_CONNECT_FAILURE,
  RETRY_ON_GATEWAY_ERROR,
  RETRY_ON_GRPC_CANCELLED,
  RETRY_ON_GRPC_DEADLINE_EXCEEDED,
  RETRY_ON_GRPC_INTERNAL,
  RETRY_ON_GRPC_RESOURCE_EXHAUSTED,
  RETRY_ON_GRPC_UNAVAILABLE,
  RETRY_ON_REFUSED_STREAM,
  RETRY_ON_RESET,
  RETRY_ON_RETRIABLE_4XX,
  RETRY_ON_RETRIABLE_HEADERS,
  RETRY_ON_RETRIABLE_STATUS_CODES,
} from '../../compile/index.ts';
import type { Random } from '../../time/index.ts';
import type { Headers } from '../stream/index.ts';

/** Why an attempt produced no response. */
export type AttemptFailure =
  | 'connect-failure'
  | 'reset'
  | 'refused-stream'
  | 'per-try-timeout'
  | 'protocol-error';

const GRPC_CONDITIONS =
  RETRY_ON_GRPC_CANCELLED |
  RETRY_ON_GRPC_DEADLINE_EXCEEDED |
  RETRY_ON_GRPC_INTERNAL |
  RETRY_ON_GRPC_RESOURCE_EXHAUSTED |
  RETRY_ON_GRPC_UNAVAILABLE;

/** gRPC status code → the retry_on condition that retries it (x-envoy-retry-grpc-on names). */
const GRPC_STATUS_CONDITION: Readonly<Record<number, number>> = {
  1: RETRY_ON_GRPC_CANCELLED,
  4: RETRY_ON_GRPC_DEADLINE_EXCEEDED,
  8: RETRY_ON_GRPC_RESOURCE_EXHAUSTED,
  13: RETRY_ON_GRPC_INTERNAL,
  14: RETRY_ON_GRPC_UNAVAILABLE,
};

export function retriableFailure(policy: RetryPolicyTable, failure: AttemptFailure): boolean {
  const on = policy.retryOn;
  switch (failure) {
    case 'connect-failure':
      return (on & (RETRY_ON_CONNECT_FAILURE | RETRY_ON_5XX | RETRY_ON_GATEWAY_ERROR)) !== 0;
    // Any reset, refused streams included, is retried by the policies that retry "no response".
    case 'refused-stream':
      return (on & (RETRY_ON_REFUSED_STREAM | RETRY_ON_5XX | RETRY_ON_GATEWAY_ERROR | RETRY_ON_RESET)) !== 0;
    case 'reset':
    case 'protocol-error':
      return (on & (RETRY_ON_RESET | RETRY_ON_5XX | RETRY_ON_GATEWAY_ERROR)) !== 0;
    case 'per-try-timeout':
      // A per-try timeout looks like a 504 from the upstream, so every policy that retries 504 or
      // "no response" retries it.
      return (on & (RETRY_ON_5XX | RETRY_ON_GATEWAY_ERROR | RETRY_ON_RESET)) !== 0;
  }
}

export function retriableResponse(
  policy: RetryPolicyTable,
  status: number,
  headers: Headers,
  requestStatusCodes: ReadonlySet<number> | undefined,
): boolean {
  const on = policy.retryOn;
  if (on & RETRY_ON_5XX && status >= 500) return true;
  if (on & RETRY_ON_GATEWAY_ERROR && status >= 502 && status <= 504) return true;
  if (on & RETRY_ON_RETRIABLE_4XX && status === 409) return true;
  if (on & RETRY_ON_RETRIABLE_STATUS_CODES) {
    if (policy.retriableStatusCodes.has(status) || requestStatusCodes?.has(status)) return true;
  }
  if (on & GRPC_CONDITIONS && headers['grpc-status'] !== undefined) {
    // Envoy reads grpc-status from the response headers only: a trailers-only gRPC response
    const grpc = GRPC_STATUS_CONDITION[Number(headers['grpc-status'])];
    if (grpc !== undefined && (on & grpc) !== 0) return true;
  }
  if (on & RETRY_ON_RETRIABLE_HEADERS) {
    for (const matcher of policy.retriableHeaders) {
      const value = headers[matcher.name];
      if (matcher.matches(Array.isArray(value) ? value.join(',') : value)) return true;
    }
  }
  return false;
}

/**
 * Envoy's fully jittered exponential back-off: the n-th retry waits a random time in
 * [0, min((2^n - 1) × base, max)].
 */
export function backoffMs(policy: RetryPolicyTable, retryNumber: number, random: Random): number {
  const ceiling = Math.min((2 ** retryNumber - 1) * policy.baseIntervalMs, policy.maxIntervalMs);
  return random() * ceiling;
}
