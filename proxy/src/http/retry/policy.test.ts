import t from 'tap';
import type { RetryPolicyTable } from '../../compile/index.ts';
import {
  RETRY_ON_5XX,
  RETRY_ON_CONNECT_FAILURE,
  RETRY_ON_GATEWAY_ERROR,
  RETRY_ON_GRPC_CANCELLED,
  RETRY_ON_GRPC_UNAVAILABLE,
  RETRY_ON_RETRIABLE_STATUS_CODES,
} from '../../compile/index.ts';
import { fixedRandom } from '../../time/index.ts';
import { backoffMs, retriableFailure, retriableResponse } from './policy.ts';

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

t.test('back-off is fully jittered in [0, min((2^n - 1) × base, max)]', async (t) => {
  const p = policy(RETRY_ON_5XX);
  for (let n = 1; n <= 6; n++) {
    const ceiling = Math.min((2 ** n - 1) * 25, 250);
    t.equal(backoffMs(p, n, fixedRandom(0)), 0, `retry ${n}: the low end is 0`);
    t.equal(backoffMs(p, n, fixedRandom(0.5)), ceiling / 2, `retry ${n}: halfway`);
    t.ok(backoffMs(p, n, fixedRandom(0.999999)) < ceiling, `retry ${n}: below the ceiling ${ceiling}`);
  }
});

t.test('gRPC conditions read grpc-status from a trailers-only response', async (t) => {
  const p = policy(RETRY_ON_GRPC_UNAVAILABLE | RETRY_ON_GRPC_CANCELLED);
  t.ok(retriableResponse(p, 200, { 'grpc-status': '14' }, undefined), 'unavailable');
  t.ok(retriableResponse(p, 200, { 'grpc-status': '1' }, undefined), 'cancelled');
  t.notOk(retriableResponse(p, 200, { 'grpc-status': '13' }, undefined), 'internal is not asked for');
  t.notOk(retriableResponse(p, 200, { 'grpc-status': '0' }, undefined), 'OK');
  t.notOk(retriableResponse(p, 200, {}, undefined), 'status only in trailers: not retriable');
});
