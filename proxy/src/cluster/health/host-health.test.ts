import t from 'tap';
import { compileHealthChecks, type HealthCheckConfig } from './config.ts';
import { type CheckResult, HostHealth, initialDelayMs, nextDelayMs, withJitter } from './host-health.ts';

const OK: CheckResult = { kind: 'success' };
const BAD_STATUS: CheckResult = { kind: 'failure', immediate: true, reason: 'status 503' };
const NETWORK: CheckResult = { kind: 'failure', immediate: false, network: true, reason: 'ECONNREFUSED' };
const RETRIABLE: CheckResult = { kind: 'failure', immediate: false, network: false, reason: 'retriable 503' };

function config(extra: Record<string, unknown> = {}): HealthCheckConfig {
  const c = compileHealthChecks(
    [
      {
        timeout: '1s',
        interval: '10s',
        healthy_threshold: 2,
        unhealthy_threshold: 3,
        http_health_check: { path: '/' },
        ...extra,
      },
    ],
    'hc',
  );
  if (!c) throw new Error('no config');
  return c;
}

t.test('a new host is unhealthy until its first check passes, which alone makes it healthy', async (t) => {
  const h = new HostHealth(3, 3);
  t.same([h.healthy, h.checked], [false, false]);
  t.equal(h.record(OK), 'changed', 'healthy_threshold does not apply to the first check');
  t.equal(h.healthy, true);
});

t.test('a new host whose first check fails stays unhealthy and then needs healthy_threshold', async (t) => {
  const h = new HostHealth(3, 3);
  t.equal(h.record(NETWORK), 'unchanged');
  t.equal(h.healthy, false);
  t.equal(h.record(OK), 'pending');
  t.equal(h.record(OK), 'pending');
  t.equal(h.record(OK), 'changed');
  t.equal(h.healthy, true);
});

t.test('network failures and retriable statuses count to unhealthy_threshold', async (t) => {
  for (const failure of [NETWORK, RETRIABLE]) {
    const h = new HostHealth(2, 3);
    h.record(OK);
    t.equal(h.record(failure), 'pending');
    t.equal(h.record(failure), 'pending');
    t.equal(h.consecutiveFailures, 2);
    t.equal(h.record(failure), 'changed');
    t.equal(h.healthy, false);
    t.equal(h.lastFailure, failure.kind === 'failure' ? failure.reason : '');
  }
});

t.test('a success restarts the failure count, a failure restarts the success count', async (t) => {
  const h = new HostHealth(2, 3);
  h.record(OK);
  h.record(NETWORK);
  h.record(NETWORK);
  h.record(OK);
  t.equal(h.record(NETWORK), 'pending');
  t.equal(h.record(NETWORK), 'pending', 'count restarted after the success');
  t.equal(h.record(NETWORK), 'changed');
  t.equal(h.record(OK), 'pending');
  t.equal(h.record(NETWORK), 'unchanged', 'already unhealthy');
  t.equal(h.record(OK), 'pending', 'count restarted after the failure');
  t.equal(h.record(OK), 'changed');
});

t.test('an unexpected status fails a healthy host at once', async (t) => {
  const h = new HostHealth(2, 5);
  h.record(OK);
  h.record(NETWORK);
  t.equal(h.record(BAD_STATUS), 'changed');
  t.equal(h.healthy, false);
});

t.test('a threshold of 0 never trips, as in Envoy', async (t) => {
  const h = new HostHealth(0, 0);
  h.record(OK);
  for (let i = 0; i < 5; i++) t.equal(h.record(NETWORK), 'pending');
  t.equal(h.healthy, true);
  t.equal(h.record(BAD_STATUS), 'changed');
  for (let i = 0; i < 5; i++) t.equal(h.record(OK), 'pending');
  t.equal(h.healthy, false);
});

t.test(
  'the next delay: interval, unhealthy_interval and the edge intervals while a flip is pending',
  async (t) => {
    const c = config({
      unhealthy_interval: '20s',
      unhealthy_edge_interval: '3s',
      healthy_edge_interval: '2s',
      no_traffic_interval: '60s',
      no_traffic_healthy_interval: '120s',
    });
    const zero = () => 0;
    t.equal(nextDelayMs(c, true, 'unchanged', true, zero), 10_000, 'healthy, stays healthy');
    t.equal(nextDelayMs(c, true, 'changed', true, zero), 10_000, 'just turned healthy');
    t.equal(nextDelayMs(c, true, 'pending', true, zero), 2000, 'success, not yet healthy');
    t.equal(nextDelayMs(c, false, 'unchanged', true, zero), 20_000, 'unhealthy, stays unhealthy');
    t.equal(nextDelayMs(c, false, 'changed', true, zero), 20_000, 'just turned unhealthy');
    t.equal(nextDelayMs(c, false, 'pending', true, zero), 3000, 'failure, not yet unhealthy');
    t.equal(nextDelayMs(c, true, 'unchanged', false, zero), 120_000, 'no traffic yet, healthy');
    t.equal(nextDelayMs(c, true, 'pending', false, zero), 60_000, 'no traffic yet, pending');
    t.equal(nextDelayMs(c, false, 'unchanged', false, zero), 60_000, 'no traffic yet, unhealthy');
  },
);

t.test('jitter adds [0, interval_jitter) and [0, interval·percent/100)', async (t) => {
  const c = config({ interval_jitter: '1s', interval_jitter_percent: 50 });
  t.equal(
    nextDelayMs(c, true, 'unchanged', true, () => 0),
    10_000,
  );
  t.equal(
    nextDelayMs(c, true, 'unchanged', true, () => 0.5),
    10_000 + 2500 + 500,
  );
  t.ok(nextDelayMs(c, true, 'unchanged', true, () => 0.999_999) < 10_000 + 5000 + 1000);
  t.equal(
    withJitter(0, 0, 0, () => 0),
    1,
    'never 0 ms',
  );
});

t.test('the first check: at once, or within initial_jitter', async (t) => {
  t.equal(
    initialDelayMs(config(), () => 0.5),
    0,
  );
  const c = config({ initial_jitter: '2s' });
  t.equal(
    initialDelayMs(c, () => 0.5),
    1000,
  );
  t.equal(
    initialDelayMs(c, () => 0),
    1,
  );
});
