// envoy.config.route.v3.RetryPolicy → RetryPolicyTable. retry_on is parsed into a bit set once, so the
// router tests a bit per attempt instead of comparing strings.

import {
  ConfigError,
  durationMs,
  joinPath,
  message,
  optionalUint,
  type RetryPolicy,
  repeated,
  str,
  uint,
} from '../config/index.ts';
import { compileHeaderMatcher } from './string-match.ts';
import type { RetryPolicyTable } from './types.ts';

// x-envoy-retry-on conditions
export const RETRY_ON_5XX = 1 << 0;
export const RETRY_ON_GATEWAY_ERROR = 1 << 1;
export const RETRY_ON_RESET = 1 << 2;
export const RETRY_ON_CONNECT_FAILURE = 1 << 3;
export const RETRY_ON_REFUSED_STREAM = 1 << 4;
export const RETRY_ON_RETRIABLE_4XX = 1 << 5;
export const RETRY_ON_RETRIABLE_STATUS_CODES = 1 << 6;
export const RETRY_ON_RETRIABLE_HEADERS = 1 << 7;
export const RETRY_ON_ENVOY_RATELIMITED = 1 << 8;
export const RETRY_ON_RESET_BEFORE_REQUEST = 1 << 9;
export const RETRY_ON_HTTP3_POST_CONNECT_FAILURE = 1 << 10;
// x-envoy-retry-grpc-on conditions (Istio puts them in retry_on too)
export const RETRY_ON_GRPC_CANCELLED = 1 << 11;
export const RETRY_ON_GRPC_DEADLINE_EXCEEDED = 1 << 12;
export const RETRY_ON_GRPC_INTERNAL = 1 << 13;
export const RETRY_ON_GRPC_RESOURCE_EXHAUSTED = 1 << 14;
export const RETRY_ON_GRPC_UNAVAILABLE = 1 << 15;

const TOKENS: ReadonlyMap<string, number> = new Map([
  ['5xx', RETRY_ON_5XX],
  ['gateway-error', RETRY_ON_GATEWAY_ERROR],
  ['reset', RETRY_ON_RESET],
  ['connect-failure', RETRY_ON_CONNECT_FAILURE],
  ['refused-stream', RETRY_ON_REFUSED_STREAM],
  ['retriable-4xx', RETRY_ON_RETRIABLE_4XX],
  ['retriable-status-codes', RETRY_ON_RETRIABLE_STATUS_CODES],
  ['retriable-headers', RETRY_ON_RETRIABLE_HEADERS],
  ['envoy-ratelimited', RETRY_ON_ENVOY_RATELIMITED],
  ['reset-before-request', RETRY_ON_RESET_BEFORE_REQUEST],
  ['http3-post-connect-failure', RETRY_ON_HTTP3_POST_CONNECT_FAILURE],
  ['cancelled', RETRY_ON_GRPC_CANCELLED],
  ['deadline-exceeded', RETRY_ON_GRPC_DEADLINE_EXCEEDED],
  ['internal', RETRY_ON_GRPC_INTERNAL],
  ['resource-exhausted', RETRY_ON_GRPC_RESOURCE_EXHAUSTED],
  ['unavailable', RETRY_ON_GRPC_UNAVAILABLE],
]);

/** One retry_on token → its flag, 0 when unknown (for x-envoy-retry-on, where Envoy ignores those). */
export function retryOnFlag(token: string): number {
  return TOKENS.get(token) ?? 0;
}

/** A comma-separated retry_on list → flags; an unknown token is a ConfigError naming it. */
export function parseRetryOn(value: string, path: string): number {
  let flags = 0;
  for (const raw of value.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const flag = TOKENS.get(token);
    if (flag === undefined) {
      throw new ConfigError(
        path,
        `unknown retry_on condition "${token}" (known: ${[...TOKENS.keys()].join(', ')})`,
      );
    }
    flags |= flag;
  }
  return flags;
}

const PREVIOUS_HOSTS_NAME = 'envoy.retry_host_predicates.previous_hosts';
const PREVIOUS_HOSTS_TYPE =
  'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

// Envoy's documented defaults.
const DEFAULT_NUM_RETRIES = 1;
const DEFAULT_BASE_INTERVAL_MS = 25;
const MAX_INTERVAL_FACTOR = 10;
const DEFAULT_HOST_SELECTION_ATTEMPTS = 1;

export function compileRetryPolicy(rp: RetryPolicy, path: string): RetryPolicyTable {
  const retryOn = parseRetryOn(str(rp.retry_on, joinPath(path, 'retry_on')), joinPath(path, 'retry_on'));
  const numRetries = optionalUint(rp.num_retries, joinPath(path, 'num_retries'), DEFAULT_NUM_RETRIES);
  const perTryTimeoutMs =
    rp.per_try_timeout == null ? 0 : durationMs(rp.per_try_timeout, joinPath(path, 'per_try_timeout'));

  let baseIntervalMs = DEFAULT_BASE_INTERVAL_MS;
  let maxIntervalMs = DEFAULT_BASE_INTERVAL_MS * MAX_INTERVAL_FACTOR;
  if (rp.retry_back_off != null) {
    const bPath = joinPath(path, 'retry_back_off');
    const b = message(rp.retry_back_off, bPath);
    if (b.base_interval == null)
      throw new ConfigError(joinPath(bPath, 'base_interval'), 'base_interval is required');
    const base = durationMs(b.base_interval, joinPath(bPath, 'base_interval'));
    if (base <= 0) throw new ConfigError(joinPath(bPath, 'base_interval'), 'must be greater than 0');
    // Envoy rounds sub-millisecond intervals up to 1 ms.
    baseIntervalMs = Math.max(1, base);
    maxIntervalMs = baseIntervalMs * MAX_INTERVAL_FACTOR;
    if (b.max_interval != null) {
      const max = durationMs(b.max_interval, joinPath(bPath, 'max_interval'));
      if (max <= 0) throw new ConfigError(joinPath(bPath, 'max_interval'), 'must be greater than 0');
      if (max < base)
        throw new ConfigError(
          joinPath(bPath, 'max_interval'),
          'must be greater than or equal to base_interval',
        );
      maxIntervalMs = Math.max(1, max);
    }
  }

  let avoidPreviousHosts = false;
  repeated(rp.retry_host_predicate, joinPath(path, 'retry_host_predicate')).forEach((raw, i) => {
    const at = joinPath(joinPath(path, 'retry_host_predicate'), i);
    const p = message(raw, at);
    const type = message(p.typed_config, joinPath(at, 'typed_config'))['@type'];
    if (type === PREVIOUS_HOSTS_TYPE || (type === undefined && p.name === PREVIOUS_HOSTS_NAME))
      avoidPreviousHosts = true;
    else
      throw new ConfigError(
        at,
        `retry host predicate ${String(type ?? p.name)} is not supported (only previous_hosts)`,
        'unsupported',
      );
  });

  const hPath = joinPath(path, 'host_selection_retry_max_attempts');
  const hostSelectionRetryMaxAttempts =
    rp.host_selection_retry_max_attempts == null
      ? DEFAULT_HOST_SELECTION_ATTEMPTS
      : uint(rp.host_selection_retry_max_attempts, hPath);

  const codesPath = joinPath(path, 'retriable_status_codes');
  const retriableStatusCodes = new Set(
    repeated(rp.retriable_status_codes, codesPath).map((c, i) => uint(c, joinPath(codesPath, i))),
  );
  const headersPath = joinPath(path, 'retriable_headers');
  const retriableHeaders = repeated(rp.retriable_headers, headersPath).map((h, i) => {
    const at = joinPath(headersPath, i);
    return compileHeaderMatcher(message(h, at), at);
  });

  return {
    retryOn,
    numRetries,
    perTryTimeoutMs,
    baseIntervalMs,
    maxIntervalMs,
    retriableStatusCodes,
    retriableHeaders,
    avoidPreviousHosts,
    hostSelectionRetryMaxAttempts,
  };
}
