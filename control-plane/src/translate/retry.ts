// VirtualService retries → Envoy RetryPolicy, and the default policy when `retries` is absent.
//
// Istio's default (2 attempts on connect-failure, refused-stream, unavailable, cancelled and
// retriable-status-codes 503, other hosts first) re-sends requests the upstream may already have
// acted on: a 503 or a gRPC UNAVAILABLE is an answer from the upstream. Weft's default does that
// only for idempotent methods; any other request is retried only on failures that prove the
// upstream never saw it (connect-failure, refused-stream). Envoy cannot key a retry policy on the
// method, so the route is split in two (see http-routes.ts): a variant that also matches
// `:method` against the idempotent methods and carries Istio's policy, then the original match
// with the safe policy. A route with fault injection gets no default retries at all, so the
// injected abort rate is what callers see.
import type { EnvoyObject, HttpRoute } from './types.ts';
import { compact, duration } from './values.ts';

const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
const NOT_SENT_RETRY_ON = 'connect-failure,refused-stream';
const DEFAULT_ATTEMPTS = 2;
/** RFC 9110 §9.2.2 idempotent methods. */
export const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'];
export const IDEMPOTENT_METHOD_REGEX = IDEMPOTENT_METHODS.join('|');

const PREVIOUS_HOSTS = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  },
};

function policy(
  retryOn: string,
  attempts: number,
  extra: { perTryTimeout?: string; backoff?: string; otherHosts?: boolean } = {},
): EnvoyObject {
  // Istio lets retryOn list status codes ("503,gateway-error"); Envoy wants them apart.
  const tokens = retryOn
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const codes = tokens.filter((t) => /^\d+$/.test(t)).map(Number);
  const conditions = tokens.filter((t) => !/^\d+$/.test(t));
  if (codes.length > 0 && !conditions.includes('retriable-status-codes'))
    conditions.push('retriable-status-codes');
  if (conditions.includes('retriable-status-codes') && codes.length === 0) codes.push(503);
  const otherHosts = extra.otherHosts ?? true;
  return compact({
    retry_on: conditions.join(','),
    num_retries: { value: attempts },
    per_try_timeout: extra.perTryTimeout ? duration(extra.perTryTimeout) : undefined,
    retry_back_off: extra.backoff ? { base_interval: duration(extra.backoff) } : undefined,
    retriable_status_codes: codes.length > 0 ? codes : undefined,
    retry_host_predicate: otherHosts ? [PREVIOUS_HOSTS] : undefined,
    host_selection_retry_max_attempts: otherHosts ? 5 : undefined,
  });
}

/** The route's own `retries`: undefined means no retries (attempts 0 or unset disables them). */
export function explicitRetryPolicy(retries: NonNullable<HttpRoute['retries']>): EnvoyObject | undefined {
  if (!retries.attempts || retries.attempts <= 0) return undefined;
  return policy(retries.retryOn ?? ISTIO_DEFAULT_RETRY_ON, retries.attempts, {
    ...(retries.perTryTimeout ? { perTryTimeout: retries.perTryTimeout } : {}),
    ...(retries.backoff ? { backoff: retries.backoff } : {}),
    otherHosts: retries.retryIgnorePreviousHosts ?? true,
  });
}

/** Istio's default policy: for idempotent requests only, under Weft's rule. */
export const idempotentDefaultPolicy = (): EnvoyObject => policy(ISTIO_DEFAULT_RETRY_ON, DEFAULT_ATTEMPTS);

/** For every other request: only what cannot have reached the upstream. */
export const notSentDefaultPolicy = (): EnvoyObject => policy(NOT_SENT_RETRY_ON, DEFAULT_ATTEMPTS);
