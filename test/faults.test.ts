// Fault injection (envoy.filters.http.fault) end to end, over HTTP/1.1 and HTTP/2.
import http2 from 'node:http2';
import t from 'tap';
import { anyHost, bootstrap, FAULT_TYPE, faultFilter, staticCluster } from './lib/bootstrap.ts';
import { PROTOCOLS } from './lib/client.ts';
import { startProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

const up = await startUpstream({ name: 'app' });
t.teardown(() => up.close());

const perRoute = (config: Record<string, unknown>) => ({
  typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT_TYPE, ...config } },
});

const proxy = await startProxy(
  bootstrap({
    clusters: [staticCluster('app', [up.port]), staticCluster('other', [up.port])],
    // Filter level: header-controlled faults for every route without its own config.
    httpFilters: [
      faultFilter({
        delay: { header_delay: {}, percentage: { numerator: 100 } },
        abort: { header_abort: {}, percentage: { numerator: 100 } },
      }),
    ],
    virtualHosts: [
      anyHost([
        {
          name: 'abort-all',
          match: { prefix: '/abort' },
          route: { cluster: 'app' },
          ...perRoute({ abort: { http_status: 503, percentage: { numerator: 100 } } }),
        },
        {
          name: 'abort-half',
          match: { prefix: '/half' },
          route: { cluster: 'app' },
          ...perRoute({ abort: { http_status: 500, percentage: { numerator: 50, denominator: 'HUNDRED' } } }),
        },
        {
          name: 'delay',
          match: { prefix: '/delay' },
          route: { cluster: 'app' },
          ...perRoute({
            delay: { fixed_delay: '0.2s', percentage: { numerator: 1000000, denominator: 'MILLION' } },
          }),
        },
        {
          name: 'grpc-abort',
          match: { prefix: '/grpc' },
          route: { cluster: 'app' },
          ...perRoute({ abort: { grpc_status: 14, percentage: { numerator: 100 } } }),
        },
        {
          name: 'only-header',
          match: { prefix: '/targeted' },
          route: { cluster: 'app' },
          ...perRoute({
            abort: { http_status: 403, percentage: { numerator: 100 } },
            headers: [{ name: 'x-user', string_match: { exact: 'tester' } }],
          }),
        },
        {
          name: 'only-cluster',
          match: { prefix: '/clustered' },
          route: { cluster: 'app' },
          ...perRoute({
            abort: { http_status: 403, percentage: { numerator: 100 } },
            upstream_cluster: 'other',
          }),
        },
        {
          name: 'limited',
          match: { prefix: '/limited' },
          route: { cluster: 'app' },
          ...perRoute({
            delay: { fixed_delay: '0.3s', percentage: { numerator: 100 } },
            max_active_faults: 1,
          }),
        },
        { name: 'plain', match: { prefix: '/' }, route: { cluster: 'app' } },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());
const stats = () => proxy.proxy.stats.httpStats('ingress_http');

for (const { name, connect } of PROTOCOLS) {
  t.test(name, async (t) => {
    const client = connect(proxy.port);
    t.teardown(() => client.close());

    t.test('abort 100% → status, flag FI, upstream untouched', async (t) => {
      const seen = up.seen.length;
      const before = stats().flags.get('FI') ?? 0;
      const r = await client({ path: '/abort' });
      t.equal(r.status, 503);
      t.equal(r.body, 'fault filter abort');
      t.equal(up.seen.length, seen);
      t.equal(stats().flags.get('FI'), before + 1);
    });

    t.test('abort 50% over 400 requests', async (t) => {
      let aborted = 0;
      for (let i = 0; i < 400; i++) if ((await client({ path: '/half' })).status === 500) aborted++;
      // binomial(400, 0.5): sd 10; accept ±50 (5 sd)
      t.ok(aborted > 150 && aborted < 250, `${aborted}/400 aborted`);
    });

    t.test('fixed delay, flag DI', async (t) => {
      const started = Date.now();
      const r = await client({ path: '/delay' });
      t.equal(r.status, 200);
      t.ok(Date.now() - started >= 195, 'delayed ~200 ms');
      t.ok((stats().flags.get('DI') ?? 0) > 0);
    });

    t.test('gRPC abort: trailers-only gRPC status', async (t) => {
      const r = await client({
        path: '/grpc',
        method: 'POST',
        headers: { 'content-type': 'application/grpc' },
        body: '',
      });
      t.equal(r.status, 200);
      t.equal(r.headers['grpc-status'], '14');
      t.equal(r.headers['content-type'], 'application/grpc');
    });

    t.test('header-matched and cluster-scoped faults', async (t) => {
      t.equal((await client({ path: '/targeted' })).status, 200, 'no header, no fault');
      t.equal((await client({ path: '/targeted', headers: { 'x-user': 'tester' } })).status, 403);
      t.equal((await client({ path: '/clustered' })).status, 200, 'fault scoped to another cluster');
    });

    t.test('header-controlled faults (filter-level config)', async (t) => {
      t.equal((await client({ path: '/', headers: { 'x-envoy-fault-abort-request': '429' } })).status, 429);
      const started = Date.now();
      const r = await client({ path: '/', headers: { 'x-envoy-fault-delay-request': '150' } });
      t.equal(r.status, 200);
      t.ok(Date.now() - started >= 145);
      t.equal(
        (
          await client({
            path: '/',
            headers: { 'x-envoy-fault-abort-request': '429', 'x-envoy-fault-abort-request-percentage': '0' },
          })
        ).status,
        200,
        'percentage header lowers it to 0',
      );
      t.equal((await client({ path: '/' })).status, 200, 'no headers, no fault');
    });

    t.test('max_active_faults: concurrent requests beyond it are not faulted', async (t) => {
      const started = Date.now();
      const overflowBefore = stats().faultsOverflow;
      const timings = await Promise.all(
        [0, 1, 2].map(async () => {
          const s = Date.now();
          await client({ path: '/limited' });
          return Date.now() - s;
        }),
      );
      const delayed = timings.filter((ms) => ms >= 290).length;
      t.equal(delayed, 1, `exactly one delayed (${timings.join(', ')} ms)`);
      t.equal(stats().faultsOverflow - overflowBefore, 2);
      t.ok(Date.now() - started < 1000);
    });
  });
}

t.test('gRPC abort reaches a real HTTP/2 client as grpc-status', async (t) => {
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  t.teardown(() => session.close());
  const stream = session.request({
    ':method': 'POST',
    ':path': '/grpc',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
  stream.resume();
  stream.end();
  t.equal(headers['grpc-status'], '14');
  t.equal(headers['grpc-message'], 'fault%20filter%20abort');
});
