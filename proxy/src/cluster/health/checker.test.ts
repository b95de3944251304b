// The checker against real upstream servers on 127.0.0.1, with 50 ms intervals. Every threshold is
// asserted exactly: the upstream counts the checks it answered, and the onChange callback records
// that count (the next check cannot have arrived yet, it waits at least an interval).
import t from 'tap';
import { type HealthCheckedHost, HealthChecker } from './checker.ts';
import type { HealthCheckConfig } from './config.ts';
import type { HealthCheckStats } from './stats.ts';
import {
  countingTimers,
  fastConfig,
  type Script,
  sleep,
  startUpstream,
  type Upstream,
  waitFor,
} from './testing.ts';

interface Change {
  readonly id: string;
  readonly healthy: boolean;
  readonly reason: string;
  /** Checks the upstream had answered when the host flipped. */
  readonly hits: number;
  readonly stats: HealthCheckStats;
}

/** The part of a tap test that setup needs. */
interface Owner {
  teardown(fn: () => unknown): void;
}

async function setup(
  tt: Owner,
  config: HealthCheckConfig,
  script: Script,
  protocol: 'http1' | 'h2c' = 'http1',
) {
  const upstream = await startUpstream(script, protocol);
  const host: HealthCheckedHost = { id: 'h1', address: '127.0.0.1', port: upstream.port };
  const changes: Change[] = [];
  const timers = countingTimers();
  const checker = new HealthChecker(config, {
    clusterName: 'backend',
    timers,
    onChange: (h, healthy, reason) =>
      changes.push({ id: h.id, healthy, reason, hits: upstream.hits, stats: { ...checker.stats } }),
  });
  tt.teardown(async () => {
    checker.close();
    await upstream.close();
  });
  return { upstream, host, changes, checker, timers };
}

const statusScript =
  (...statuses: number[]): Script =>
  (n) =>
    statuses[Math.min(n, statuses.length) - 1]!;

t.test('a host answering 200 is healthy after its first check and stays so', async (t) => {
  const config = fastConfig({}, { request_headers_to_add: [{ header: { key: 'x-probe', value: 'weft' } }] });
  const { upstream, host, changes, checker } = await setup(t, config, () => 200);
  checker.setHosts([host]);
  t.equal(checker.isHealthy(host), false, 'a new host starts failing active health checks');
  await waitFor('the first change', () => changes.length === 1);
  t.match(changes[0], { id: 'h1', healthy: true, hits: 1, reason: 'passed its first health check' });
  t.equal(checker.isHealthy(host), true);
  await waitFor('four passed checks', () => checker.stats.success >= 4);
  t.equal(changes.length, 1, 'no further change');
  t.equal(checker.isHealthy(host), true);
  t.match(upstream.seen[0], {
    method: 'GET',
    path: '/healthz',
    host: 'backend',
    userAgent: 'Envoy/HC',
    headers: { 'x-probe': 'weft' },
  });
  t.match(checker.stats, { failure: 0, network_failure: 0, healthy: 1, degraded: 0 });
  t.ok(checker.stats.attempt >= checker.stats.success);
});

t.test(
  'an unexpected status fails a healthy host at once; healthy_threshold 200s bring it back',
  async (t) => {
    // unhealthy_threshold 3 does not apply to a status that is neither expected nor retriable
    const script = statusScript(200, 200, 503, 503, 200, 503, 200, 200, 200);
    const { upstream, host, changes, checker } = await setup(t, fastConfig(), script);
    checker.setHosts([host]);
    await waitFor('three changes', () => changes.length === 3);
    t.match(changes, [
      { healthy: true, hits: 1 },
      { healthy: false, hits: 3, reason: 'status 503 is not an expected status' },
      { healthy: true, hits: 8, reason: 'passed 2 consecutive health checks' },
    ]);
    t.match(changes[1]?.stats, { failure: 1, network_failure: 0, healthy: 0 });
    t.match(changes[2]?.stats, { success: 5, failure: 3, healthy: 1 });
    t.ok(upstream.hits >= 8);
  },
);

t.test('a retriable status fails the host after exactly unhealthy_threshold checks', async (t) => {
  const config = fastConfig({}, { retriable_statuses: [{ start: 500, end: 600 }] });
  const script = statusScript(200, 503, 503, 200, 503, 503, 503, 200, 200);
  const { host, changes, checker } = await setup(t, config, script);
  checker.setHosts([host]);
  await waitFor('three changes', () => changes.length === 3);
  t.match(changes, [
    { healthy: true, hits: 1 },
    { healthy: false, hits: 7, reason: /^failed 3 consecutive health checks, last: retriable status 503/ },
    { healthy: true, hits: 9 },
  ]);
});

t.test(
  'a host whose server goes away turns unhealthy after unhealthy_threshold refused connects',
  async (t) => {
    const { upstream, host, changes, checker } = await setup(t, fastConfig(), () => 200);
    checker.setHosts([host]);
    await waitFor('healthy', () => checker.isHealthy(host));
    await upstream.close();
    await waitFor('unhealthy', () => changes.length === 2);
    t.match(changes[1], { healthy: false, reason: /ECONNREFUSED|ECONNRESET|socket hang up/ });
    t.equal(changes[1]?.stats.network_failure, 3, 'exactly unhealthy_threshold network failures');
    t.equal(changes[1]?.stats.failure, 3);
    t.equal(checker.stats.healthy, 0);
  },
);

t.test('a check that hangs past the timeout is a network failure', async (t) => {
  const config = fastConfig({ timeout: '0.1s', unhealthy_threshold: 2 });
  const { host, changes, checker } = await setup(t, config, (n) => (n === 1 ? 200 : 'hang'));
  checker.setHosts([host]);
  await waitFor('healthy', () => changes.length === 1);
  const healthyAt = performance.now();
  await waitFor('unhealthy', () => changes.length === 2);
  const elapsed = performance.now() - healthyAt;
  t.match(changes[1], { healthy: false, hits: 3, reason: /timeout: no complete response within 100 ms/ });
  t.match(changes[1]?.stats, { network_failure: 2, failure: 2 });
  // interval, timeout, interval, timeout
  t.ok(elapsed >= 2 * 100 + 50, `two timeouts and the intervals take at least 250 ms (took ${elapsed})`);
  t.ok(elapsed < 2000, 'bounded by the timeout, not by the hung server');
});

t.test('a host that never answers never becomes healthy', async (t) => {
  const config = fastConfig({ timeout: '0.05s' });
  const { host, changes, checker } = await setup(t, config, () => 'hang');
  checker.setHosts([host]);
  await waitFor('two failed checks', () => checker.stats.failure >= 2);
  t.equal(changes.length, 0);
  t.equal(checker.isHealthy(host), false);
  t.match(checker.hostState(host), { healthy: false, checked: true, lastFailure: /^timeout/ });
});

t.test('expected_statuses are half-open ranges', async (t) => {
  const config = fastConfig(
    {},
    {
      expected_statuses: [
        { start: 200, end: 205 },
        { start: 404, end: 405 },
      ],
    },
  );
  const statuses = [204, 404, 205, 200, 500];
  const upstreams: Upstream[] = [];
  for (const status of statuses) upstreams.push(await startUpstream(() => status));
  const hosts = upstreams.map((u, i) => ({ id: String(statuses[i]), address: '127.0.0.1', port: u.port }));
  const checker = new HealthChecker(config, { clusterName: 'c' });
  t.teardown(async () => {
    checker.close();
    await Promise.all(upstreams.map((u) => u.close()));
  });
  checker.setHosts(hosts);
  await waitFor('two checks of every host', () => upstreams.every((u) => u.hits >= 2));
  const verdicts = Object.fromEntries(hosts.map((h) => [h.id, checker.isHealthy(h)]));
  t.same(verdicts, { 204: true, 404: true, 205: false, 200: true, 500: false });
  t.match(checker.hostState({ id: '205' }), { lastFailure: 'status 205 is not an expected status' });
  t.equal(checker.stats.healthy, 3);
});

t.test('HTTP/2 (h2c): Host override, path, and one connection for every check', async (t) => {
  const config = fastConfig({}, { codec_client_type: 'HTTP2', host: 'health.internal', path: '/ready' });
  const { upstream, host, changes, checker } = await setup(t, config, statusScript(200, 200, 503), 'h2c');
  checker.setHosts([host]);
  await waitFor('healthy then unhealthy', () => changes.length === 2);
  t.match(changes, [
    { healthy: true, hits: 1 },
    { healthy: false, hits: 3 },
  ]);
  t.match(upstream.seen[0], {
    method: 'GET',
    path: '/ready',
    host: 'health.internal',
    userAgent: 'Envoy/HC',
  });
  await waitFor('five checks', () => upstream.hits >= 5);
  t.equal(upstream.connections, 1, 'reuse_connection defaults to true');
});

t.test('HTTP/2 (h2c): a refused connection counts as a network failure', async (t) => {
  const config = fastConfig({ unhealthy_threshold: 2 }, { codec_client_type: 'HTTP2' });
  const { upstream, host, changes, checker } = await setup(t, config, () => 200, 'h2c');
  checker.setHosts([host]);
  await waitFor('healthy', () => checker.isHealthy(host));
  await upstream.close();
  await waitFor('unhealthy', () => changes.length === 2);
  t.equal(changes[1]?.stats.network_failure, 2);
});

t.test('reuse_connection: one connection by default, one per check when false', async (t) => {
  const reused = await setup(t, fastConfig(), () => 200);
  const fresh = await setup(t, fastConfig({ reuse_connection: false }), () => 200);
  reused.checker.setHosts([reused.host]);
  fresh.checker.setHosts([fresh.host]);
  await waitFor('four checks each', () => reused.upstream.hits >= 4 && fresh.upstream.hits >= 4);
  t.equal(reused.upstream.connections, 1);
  t.equal(fresh.upstream.connections, fresh.upstream.hits);
});

t.test('setHosts keeps known hosts, starts new ones unhealthy, stops removed ones', async (t) => {
  const { upstream, host, changes, checker } = await setup(t, fastConfig(), () => 200);
  const other = await startUpstream(() => 200);
  t.teardown(() => other.close());
  const second = { id: 'h2', address: '127.0.0.1', port: other.port };
  checker.setHosts([host]);
  await waitFor('h1 healthy', () => checker.isHealthy(host));
  checker.setHosts([{ ...host }, second]);
  t.equal(checker.isHealthy(host), true, 'a known host keeps its state');
  t.equal(checker.isHealthy(second), false, 'a new host starts unhealthy');
  await waitFor('h2 healthy', () => checker.isHealthy(second));
  t.equal(checker.stats.healthy, 2);
  checker.setHosts([second]);
  t.equal(checker.isHealthy(host), false, 'a removed host is not healthy');
  t.equal(checker.hostState(host), undefined);
  t.equal(checker.stats.healthy, 1);
  const hitsAtRemoval = upstream.hits;
  await sleep(200);
  t.equal(upstream.hits, hitsAtRemoval, 'no checks of a removed host');
  t.same(
    changes.map((c) => [c.id, c.healthy]),
    [
      ['h1', true],
      ['h2', true],
    ],
    'removal is not reported as a health change',
  );
  checker.setHosts([{ ...second, port: upstream.port }]);
  t.equal(checker.isHealthy(second), false, 'the same id at another port is a new host');
});

t.test('close() stops every check and leaves no timer armed', async (t) => {
  const config = fastConfig({ timeout: '1s' });
  const { upstream, host, checker, timers } = await setup(t, config, (n) => (n < 3 ? 200 : 'hang'));
  checker.setHosts([host]);
  await waitFor('a check in flight', () => upstream.hits >= 3);
  checker.close();
  t.equal(timers.armed, 0, 'no timer left armed');
  const hits = upstream.hits;
  await sleep(150);
  t.equal(upstream.hits, hits, 'no check after close');
  t.equal(checker.isHealthy(host), false);
  t.equal(checker.stats.healthy, 0);
  t.throws(() => checker.setHosts([host]), /after close/);
});

t.test('initial_jitter delays the first check; no_traffic_interval applies until traffic', async (t) => {
  const upstream = await startUpstream(() => 200);
  const host = { id: 'h', address: '127.0.0.1', port: upstream.port };
  let traffic = false;
  const config = fastConfig({ initial_jitter: '0.1s', no_traffic_interval: '10s' });
  const checker = new HealthChecker(config, {
    clusterName: 'c',
    random: () => 0.99,
    hasTraffic: () => traffic,
  });
  t.teardown(async () => {
    checker.close();
    await upstream.close();
  });
  checker.setHosts([host]);
  await sleep(50);
  t.equal(upstream.hits, 0, 'the first check waits for its jitter (99 ms)');
  await waitFor('the first check', () => upstream.hits === 1);
  await sleep(150);
  t.equal(upstream.hits, 1, 'no traffic yet: the next check is 10 s away');
  // The delay is chosen when a check finishes, so traffic shows from the check after next.
  traffic = true;
  checker.setHosts([]);
  checker.setHosts([host]);
  await waitFor('checks at the 50 ms interval', () => upstream.hits >= 4);
});
