import t from 'tap';
import {
  RETRY_ON_5XX,
  RETRY_ON_CONNECT_FAILURE,
  RETRY_ON_GATEWAY_ERROR,
  RETRY_ON_RETRIABLE_STATUS_CODES,
} from '../compile/retry.ts';
import type { RetryPolicyTable } from '../compile/types.ts';
import { backoffMs, retriableFailure, retriableResponse } from './retry.ts';

const policy = (retryOn: number, extra: Partial<RetryPolicyTable> = {}): RetryPolicyTable => ({
  retryOn,
  numRetries: 1,
  perTryTimeoutMs: 0,
  baseIntervalMs: 25,
  maxIntervalMs: 250,
  retriableStatusCodes: new Set(),
  retriableHeaders: [],
  avoidPreviousHosts: false,
  hostSelectionRetryMaxAttempts: 1,
  ...extra,
});

t.test('status classification per retry_on', async (t) => {
  t.ok(retriableResponse(policy(RETRY_ON_5XX), 500, {}, undefined));
  t.notOk(retriableResponse(policy(RETRY_ON_5XX), 404, {}, undefined));
  t.ok(retriableResponse(policy(RETRY_ON_GATEWAY_ERROR), 503, {}, undefined));
  t.notOk(retriableResponse(policy(RETRY_ON_GATEWAY_ERROR), 500, {}, undefined));
  const codes = policy(RETRY_ON_RETRIABLE_STATUS_CODES, { retriableStatusCodes: new Set([418]) });
  t.ok(retriableResponse(codes, 418, {}, undefined));
  t.ok(retriableResponse(codes, 429, {}, new Set([429])), 'x-envoy-retriable-status-codes adds codes');
});

t.test('failure classification per retry_on', async (t) => {
  t.ok(retriableFailure(policy(RETRY_ON_CONNECT_FAILURE), 'connect-failure'));
  t.notOk(retriableFailure(policy(RETRY_ON_CONNECT_FAILURE), 'reset'));
  t.ok(retriableFailure(policy(RETRY_ON_5XX), 'reset'), '5xx includes resets');
  t.ok(retriableFailure(policy(RETRY_ON_5XX), 'per-try-timeout'));
});

t.test('back-off is fully jittered and capped', async (t) => {
  const p = policy(RETRY_ON_5XX);
  for (let n = 1; n <= 6; n++) {
    let max = 0;
    for (let i = 0; i < 2000; i++) max = Math.max(max, backoffMs(p, n));
    const ceiling = Math.min((2 ** n - 1) * 25, 250);
    t.ok(max <= ceiling, `retry ${n}: max ${max.toFixed(1)} ≤ ${ceiling}`);
    t.ok(max > ceiling * 0.9, `retry ${n}: the range is used up to the ceiling`);
  }
});
