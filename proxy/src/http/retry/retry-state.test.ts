// RetryState on a fake clock and a fixed random source: the decision for each outcome, the retry
// breaker unit held exactly while a retried attempt runs, and the back-off as time, not luck.
import t from 'tap';
import { Admission, ResourceLimits, THRESHOLD_DEFAULTS } from '../../cluster/breaker/index.ts';
import type { RetryPolicyTable } from '../../compile/index.ts';
import { RETRY_ON_5XX, RETRY_ON_CONNECT_FAILURE } from '../../compile/index.ts';
import { FakeClock, fixedRandom } from '../../time/index.ts';
import { RetryState } from './retry-state.ts';

const policy = (extra: Partial<RetryPolicyTable> = {}): RetryPolicyTable => ({
  retryOn: RETRY_ON_5XX | RETRY_ON_CONNECT_FAILURE,
  numRetries: 2,
  perTryTimeoutMs: 0,
  baseIntervalMs: 100,
  maxIntervalMs: 1000,
  retriableStatusCodes: new Set(),
  retriableHeaders: [],
  avoidPreviousHosts: true,
  hostSelectionRetryMaxAttempts: 1,
  ...extra,
});

function setup(p = policy(), maxRetries = 3) {
  const limits = new ResourceLimits({
    priority: 'DEFAULT',
    maxConnections: THRESHOLD_DEFAULTS.maxConnections,
    maxPendingRequests: THRESHOLD_DEFAULTS.maxPendingRequests,
    maxRequests: THRESHOLD_DEFAULTS.maxRequests,
    maxRetries,
    retryBudget: undefined,
    trackRemaining: false,
  });
  const admission = new Admission(limits, false);
  const clock = new FakeClock();
  const state = new RetryState<string>(p, admission, clock, fixedRandom(0.5), {});
  return { limits, clock, state };
}

t.test('a retriable response is retried until the retries run out (URX)', async (t) => {
  const { limits, state } = setup();
  t.equal(state.onResponse(503, {}, true), 'retry');
  t.equal(limits.retries, 1, 'the retry holds a unit of max_retries');
  state.attemptEnded();
  t.equal(limits.retries, 0, 'given back when the retried attempt ends');
  t.equal(state.onResponse(503, {}, true), 'retry');
  state.attemptEnded();
  t.equal(state.onResponse(503, {}, true), 'limit-exceeded', 'num_retries: 2');
  t.equal(state.retries, 2);
  t.equal(limits.retries, 0);
});

t.test('not retriable, or not allowed to retry, is final and holds nothing', async (t) => {
  const { limits, state } = setup(policy({ retryOn: RETRY_ON_5XX }));
  t.equal(state.onResponse(404, {}, true), 'final', '404 is not 5xx');
  t.equal(state.onFailure('refused-stream', true), 'retry', '5xx covers a refused stream');
  state.attemptEnded();
  const { state: connectOnly } = setup(policy({ retryOn: RETRY_ON_CONNECT_FAILURE }));
  t.equal(connectOnly.onFailure('reset', true), 'final', 'reset is not in retry_on: connect-failure');
  t.equal(state.onResponse(503, {}, false), 'final', 'body not replayable / timed out');
  t.equal(limits.retries, 0);
});

t.test('an open retry breaker refuses the retry (overflow) and counts it', async (t) => {
  const { limits, state } = setup(policy(), 0);
  t.equal(state.onFailure('connect-failure', true), 'overflow');
  t.equal(limits.rqRetryOverflow, 1);
  t.equal(state.lastRefusal, 'max_retries');
  t.equal(limits.retries, 0);
});

t.test('releasing is idempotent: attemptEnded and close in any order free the unit once', async (t) => {
  const { limits, state } = setup();
  t.equal(state.onResponse(500, {}, true), 'retry');
  state.attemptEnded();
  state.attemptEnded();
  state.close();
  state.close();
  t.equal(limits.retries, 0);
  t.notOk(state.holdsPermit);
});

t.test('back-off waits the jittered time on the clock; cancel cuts it short', async (t) => {
  const { clock, state } = setup();
  t.equal(state.onResponse(503, {}, true), 'retry');
  let done: boolean | undefined;
  void state.backoff().then((v) => {
    done = v;
  });
  // retry 1: ceiling min((2^1 - 1) × 100, 1000) = 100, random 0.5 → 50 ms
  clock.advance(49);
  await Promise.resolve();
  t.equal(done, undefined, 'still waiting at 49 ms');
  clock.advance(1);
  await Promise.resolve();
  t.equal(done, true, 'elapsed at 50 ms');
  state.attemptEnded();
  t.equal(state.onResponse(503, {}, true), 'retry');
  let second: boolean | undefined;
  void state.backoff().then((v) => {
    second = v;
  });
  state.cancel();
  await Promise.resolve();
  t.equal(second, false, 'cancelled');
  t.equal(clock.pending, 0, 'no timer left armed');
  state.close();
});

t.test('the hosts tried are recorded for previous_hosts', async (t) => {
  const { state } = setup();
  state.attemptStarted('a');
  state.attemptStarted('b');
  t.same([...(state.tried ?? [])], ['a', 'b']);
  const { state: plain } = setup(policy({ avoidPreviousHosts: false }));
  t.equal(plain.tried, undefined, 'no set without the predicate');
});
