// The connection manager and the router on a fake clock: the http_filters run in config order, a
// fault delay and the route and per-try timeouts are time the test moves, the breaker gauges end at
// zero, and a bug in one stream ends that stream only. Real sockets and real upstreams throughout;
// only time is simulated.
import t from 'tap';
import { anyHost, bootstrap, faultFilter, staticCluster } from '../../../test/lib/bootstrap.ts';
import { h1Client } from '../../../test/lib/client.ts';
import { type Echo, startUpstream } from '../../../test/lib/upstream.ts';
import { FakeClock, fixedRandom } from '../time/index.ts';
import { CONTINUE, type HttpFilter } from './filters/index.ts';
import { type ManagerHarness, startManager } from './test-harness.ts';

const up = await startUpstream({ name: 'up' });
t.teardown(() => up.close());

const HEADER_MUTATION = 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation';
const addMarker = {
  name: 'mark',
  typed_config: {
    '@type': HEADER_MUTATION,
    mutations: { request_mutations: [{ append: { header: { key: 'x-marked', value: 'yes' } } }] },
  },
};
const abortMarked = faultFilter({
  abort: { http_status: 418, percentage: { numerator: 100 } },
  headers: [{ name: 'x-marked', exact_match: 'yes' }],
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

function routeTo(route: Record<string, unknown> = {}) {
  return anyHost([{ name: 'r', match: { prefix: '/' }, route: { cluster: 'up', ...route } }]);
}

async function harness(
  t: { teardown(fn: () => unknown): void },
  spec: { httpFilters?: Record<string, unknown>[]; route?: Record<string, unknown>; cluster?: number },
  clock = new FakeClock(),
): Promise<ManagerHarness> {
  const h = await startManager(
    bootstrap({
      clusters: [staticCluster('up', [spec.cluster ?? up.port])],
      ...(spec.httpFilters ? { httpFilters: spec.httpFilters } : {}),
      virtualHosts: [routeTo(spec.route)],
    }),
    { clock, random: fixedRandom(0) },
  );
  t.teardown(() => h.close());
  return h;
}

t.test('http_filters run in config order', async (t) => {
  const markThenFault = await harness(t, { httpFilters: [addMarker, abortMarked] });
  const client = h1Client(markThenFault.port);
  t.teardown(() => client.close());
  t.equal((await client()).status, 418, 'header_mutation first: the fault filter sees x-marked and aborts');

  const faultThenMark = await harness(t, { httpFilters: [abortMarked, addMarker] });
  const other = h1Client(faultThenMark.port);
  t.teardown(() => other.close());
  const reply = await other();
  t.equal(reply.status, 200, 'fault first: no x-marked yet, no abort');
  t.equal(
    (JSON.parse(reply.body) as Echo).headers['x-marked'],
    'yes',
    'the mutation still reaches the upstream',
  );
});

t.test('a fault delay is clock time: nothing before it elapses, the response after', async (t) => {
  const clock = new FakeClock();
  const h = await harness(
    t,
    { httpFilters: [faultFilter({ delay: { fixed_delay: '10s', percentage: { numerator: 100 } } })] },
    clock,
  );
  const client = h1Client(h.port);
  t.teardown(() => client.close());
  const stats = h.stats.httpStats('ingress_http');
  let status = 0;
  const pending = client().then((r) => {
    status = r.status;
  });
  await until(() => stats.faultsActive === 1, 'the delay to start');
  clock.advance(9_999);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(status, 0, 'still delayed at 9.999 s');
  clock.advance(1);
  await pending;
  t.equal(status, 200);
  await until(() => stats.faultsActive === 0 && stats.rqActive === 0, 'the stream to end');
});

t.test('route timeout on the clock: 504 UT, and every gauge back to zero', async (t) => {
  const silent = await startUpstream({ name: 'silent', handler: () => {} });
  t.teardown(() => silent.close());
  const clock = new FakeClock();
  const h = await harness(t, { route: { timeout: '5s' }, cluster: silent.port }, clock);
  const client = h1Client(h.port);
  t.teardown(() => client.close());
  const cluster = h.manager.clusterFor('up')!;
  const reply = client();
  await until(() => silent.seen.length === 1, 'the upstream to get the request');
  clock.advance(5_000);
  t.equal((await reply).status, 504);
  t.equal(cluster.stats.rqTimeout, 1);
  await until(() => cluster.admission.limits.requests === 0, 'the breaker permit to return');
  t.equal(cluster.stats.rqActive, 0);
  t.equal(clock.pending, 0, 'no timer left armed');
});

t.test('per-try timeout and retries on the clock: each try times out, then URX-style 504', async (t) => {
  const silent = await startUpstream({ name: 'silent', handler: () => {} });
  t.teardown(() => silent.close());
  const clock = new FakeClock();
  const h = await harness(
    t,
    {
      route: { timeout: '0s', retry_policy: { retry_on: '5xx', num_retries: 2, per_try_timeout: '1s' } },
      cluster: silent.port,
    },
    clock,
  );
  const client = h1Client(h.port);
  t.teardown(() => client.close());
  const cluster = h.manager.clusterFor('up')!;
  const reply = client();
  for (let attempt = 1; attempt <= 3; attempt++) {
    // the back-off is a 0 ms timer on the clock with random() = 0: let it fire as it is armed
    await until(() => {
      clock.advance(0);
      return silent.seen.length === attempt;
    }, `attempt ${attempt} to reach the upstream`);
    clock.advance(1_000); // the per-try timeout
  }
  t.equal((await reply).status, 504);
  t.equal(cluster.stats.rqPerTryTimeout, 3);
  t.equal(cluster.stats.rqRetry, 2);
  t.equal(cluster.stats.rqRetryLimitExceeded, 1);
  await until(() => cluster.stats.rqActive === 0, 'the attempts to end');
  const limits = cluster.admission.limits;
  t.same([limits.requests, limits.retries, limits.pending], [0, 0, 0], 'no permit leaked');
});

t.test('a bug in one stream ends that stream only (500), and is counted', async (t) => {
  const boom: HttpFilter = {
    name: 'boom',
    onRequest(s) {
      if (s.info.header('x-boom') !== undefined) throw new Error('a filter bug');
      return CONTINUE;
    },
  };
  const h = await harness(t, {});
  const { ConnectionManager } = await import('./connection-manager.ts');
  const http = await import('node:http');
  const stats = h.stats.httpStats('other');
  const manager = new ConnectionManager({
    table: h.manager.table,
    clusters: new Map([['up', h.manager.clusterFor('up')!]]),
    stats,
    accessLogs: [],
    filters: [boom],
  });
  const server = http.createServer((req, res) => manager.handle(req, res, false));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const client = h1Client(port);
  t.teardown(() => client.close());
  t.equal((await client({ headers: { 'x-boom': '1' } })).status, 500);
  t.equal((await client()).status, 200, 'the next request on the same connection is served');
  t.equal(stats.rqInternalError, 1);
  await until(() => stats.rqActive === 0, 'both streams to end');
});
