// Retries, timeouts and upstream failures end to end, over HTTP/1.1 and HTTP/2, against real upstreams.
import t from 'tap';
import { anyHost, bootstrap, H2C_OPTIONS, staticCluster } from './lib/bootstrap.ts';
import { PROTOCOLS } from './lib/client.ts';
import { startProxy } from './lib/proxy.ts';
import { closedPort, type Echo, startUpstream } from './lib/upstream.ts';

const up1 = await startUpstream({ name: 'one' });
const up2 = await startUpstream({ name: 'two' });
const h2up = await startUpstream({ name: 'h2', h2c: true });
const dead = await closedPort();
t.teardown(() => Promise.all([up1.close(), up2.close(), h2up.close()]));

const retry = (extra: Record<string, unknown> = {}) => ({
  retry_on: '5xx',
  num_retries: 2,
  retry_back_off: { base_interval: '0.005s', max_interval: '0.02s' },
  ...extra,
});

const proxy = await startProxy(
  bootstrap({
    clusters: [
      staticCluster('pair', [up1.port, up2.port]),
      staticCluster('one', [up1.port]),
      staticCluster('dead', [dead]),
      staticCluster('half-dead', [dead, up1.port]),
      staticCluster('h2', [h2up.port], H2C_OPTIONS),
    ],
    virtualHosts: [
      anyHost([
        { name: 'retry-5xx', match: { prefix: '/retry' }, route: { cluster: 'one', retry_policy: retry() } },
        { name: 'no-retry', match: { prefix: '/noretry' }, route: { cluster: 'one' } },
        {
          // Istio's default retry policy, on a service with a single endpoint
          name: 'istio-default',
          match: { prefix: '/istio-default' },
          route: {
            cluster: 'one',
            retry_policy: retry({
              retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
              retriable_status_codes: [503],
              retry_host_predicate: [
                {
                  name: 'envoy.retry_host_predicates.previous_hosts',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
                  },
                },
              ],
              host_selection_retry_max_attempts: 5,
            }),
          },
        },
        {
          name: 'codes',
          match: { prefix: '/codes' },
          route: {
            cluster: 'one',
            retry_policy: retry({ retry_on: 'retriable-status-codes', retriable_status_codes: [418] }),
          },
        },
        {
          name: '4xx',
          match: { prefix: '/conflict' },
          route: { cluster: 'one', retry_policy: retry({ retry_on: 'retriable-4xx' }) },
        },
        {
          name: 'headers',
          match: { prefix: '/rheaders' },
          route: {
            cluster: 'one',
            retry_policy: retry({
              retry_on: 'retriable-headers',
              retriable_headers: [{ name: 'x-retry-me', present_match: true }],
            }),
          },
        },
        {
          name: 'gateway',
          match: { prefix: '/gateway' },
          route: { cluster: 'one', retry_policy: retry({ retry_on: 'gateway-error' }) },
        },
        {
          name: 'dead',
          match: { prefix: '/dead' },
          route: { cluster: 'dead', retry_policy: retry({ retry_on: 'connect-failure' }) },
        },
        { name: 'dead-noretry', match: { prefix: '/uf' }, route: { cluster: 'dead' } },
        {
          name: 'half-dead',
          match: { prefix: '/failover' },
          route: {
            cluster: 'half-dead',
            retry_policy: retry({
              retry_on: 'connect-failure',
              num_retries: 1,
              retry_host_predicate: [
                {
                  name: 'envoy.retry_host_predicates.previous_hosts',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
                  },
                },
              ],
              host_selection_retry_max_attempts: 5,
            }),
          },
        },
        {
          name: 'reset',
          match: { prefix: '/reset' },
          route: { cluster: 'one', retry_policy: retry({ retry_on: 'reset' }) },
        },
        { name: 'timeout', match: { prefix: '/slow' }, route: { cluster: 'one', timeout: '0.2s' } },
        { name: 'no-timeout', match: { prefix: '/unbounded' }, route: { cluster: 'one', timeout: '0s' } },
        {
          name: 'per-try',
          match: { prefix: '/pertry' },
          route: {
            cluster: 'pair',
            timeout: '2s',
            retry_policy: retry({ per_try_timeout: '0.1s', num_retries: 3 }),
          },
        },
        {
          name: 'small-buffer',
          match: { prefix: '/bigbody' },
          route: { cluster: 'one', retry_policy: retry() },
          per_request_buffer_limit_bytes: 1024,
        },
        { name: 'h2', match: { prefix: '/h2up' }, route: { cluster: 'h2', retry_policy: retry() } },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());
const cluster = (name: string) => proxy.proxy.clusters.current.get(name)!.stats;
const flags = () => proxy.proxy.stats.httpStats('ingress_http').flags;
let key = 0;
const nextKey = () => `k${++key}`;

for (const { name, connect } of PROTOCOLS) {
  t.test(name, async (t) => {
    const client = connect(proxy.port);
    t.teardown(() => client.close());

    t.test('5xx is retried and the request body replayed', async (t) => {
      const k = nextKey();
      const retriesBefore = cluster('one').rqRetry;
      const r = await client({
        method: 'POST',
        path: '/retry',
        body: 'payload',
        headers: { 'x-test-key': k, 'x-test-fail-times': '2' },
      });
      t.equal(r.status, 200);
      t.equal((JSON.parse(r.body) as Echo).body, 'payload', 'body replayed on the third attempt');
      t.equal(up1.seen.filter((e) => e.headers['x-test-key'] === k).length, 3);
      t.equal(cluster('one').rqRetry - retriesBefore, 2);
      const last = up1.seen.filter((e) => e.headers['x-test-key'] === k).at(-1)!;
      t.equal(last.headers['x-envoy-attempt-count'], '3');
    });

    t.test('retries exhausted → upstream response with URX', async (t) => {
      const k = nextKey();
      const before = flags().get('URX') ?? 0;
      const r = await client({ path: '/retry', headers: { 'x-test-key': k, 'x-test-fail-times': '5' } });
      t.equal(r.status, 503);
      t.equal(up1.seen.filter((e) => e.headers['x-test-key'] === k).length, 3, '1 + num_retries attempts');
      t.equal(flags().get('URX'), before + 1);
    });

    t.test('no retry policy → no retry', async (t) => {
      const k = nextKey();
      const r = await client({ path: '/noretry', headers: { 'x-test-key': k, 'x-test-fail-times': '1' } });
      t.equal(r.status, 503);
      t.equal(up1.seen.filter((e) => e.headers['x-test-key'] === k).length, 1);
    });

    t.test('retriable-status-codes, retriable-4xx, retriable-headers, gateway-error', async (t) => {
      let k = nextKey();
      let r = await client({
        path: '/codes',
        headers: { 'x-test-key': k, 'x-test-fail-times': '1', 'x-test-status': '418' },
      });
      t.equal(r.status, 200, '418 retried');
      k = nextKey();
      r = await client({
        path: '/codes',
        headers: { 'x-test-key': k, 'x-test-fail-times': '1', 'x-test-status': '500' },
      });
      t.equal(r.status, 500, '500 not in the list');
      k = nextKey();
      r = await client({
        path: '/conflict',
        headers: { 'x-test-key': k, 'x-test-fail-times': '1', 'x-test-status': '409' },
      });
      t.equal(r.status, 200, '409 retried');
      k = nextKey();
      r = await client({
        path: '/gateway',
        headers: { 'x-test-key': k, 'x-test-fail-times': '1', 'x-test-status': '502' },
      });
      t.equal(r.status, 200, '502 retried');
      k = nextKey();
      r = await client({
        path: '/gateway',
        headers: { 'x-test-key': k, 'x-test-fail-times': '1', 'x-test-status': '500' },
      });
      t.equal(r.status, 500, '500 is not a gateway error');
      const up = await startProxy(
        bootstrap({
          clusters: [staticCluster('hdr', [up2.port])],
          virtualHosts: [
            anyHost([
              {
                match: { prefix: '/' },
                route: {
                  cluster: 'hdr',
                  retry_policy: retry({
                    retry_on: 'retriable-headers',
                    retriable_headers: [{ name: 'x-upstream', string_match: { exact: 'two' } }],
                  }),
                },
              },
            ]),
          ],
        }),
      );
      t.teardown(() => up.close());
      const hc = connect(up.port);
      t.teardown(() => hc.close());
      k = nextKey();
      r = await hc({ path: '/', headers: { 'x-test-key': k } });
      t.equal(
        up2.seen.filter((e) => e.headers['x-test-key'] === k).length,
        3,
        'a matching response header triggers retries',
      );
    });

    t.test('connect failure → 503 UF; with retries → UF,URX', async (t) => {
      const before = cluster('dead').cxConnectFail;
      const r = await client({ path: '/uf' });
      t.equal(r.status, name === 'HTTP/2' ? 503 : 503);
      t.match(r.body, /connection failure/);
      t.ok(cluster('dead').cxConnectFail > before);
      const urx = flags().get('URX') ?? 0;
      const uf = flags().get('UF') ?? 0;
      const r2 = await client({ path: '/dead' });
      t.equal(r2.status, 503);
      t.equal(flags().get('URX'), urx + 1);
      t.equal(flags().get('UF'), uf + 1);
    });

    t.test('previous_hosts predicate moves a retry to another endpoint', async (t) => {
      for (let i = 0; i < 6; i++) {
        const r = await client({ path: '/failover' });
        t.equal(r.status, 200, `request ${i} succeeds on the live endpoint`);
      }
    });

    t.test('reset before response is retried under reset', async (t) => {
      const k = nextKey();
      const r = await client({ path: '/reset', headers: { 'x-test-key': k, 'x-test-reset': '1' } });
      t.equal(r.status, 503);
      t.equal(up1.seen.filter((e) => e.headers['x-test-key'] === k).length, 3);
      t.match(r.body, /connection termination/);
    });

    t.test('route timeout → 504 UT', async (t) => {
      const before = flags().get('UT') ?? 0;
      const started = Date.now();
      const r = await client({ path: '/slow', headers: { 'x-test-delay-ms': '1000' } });
      const took = Date.now() - started;
      t.equal(r.status, 504);
      t.equal(r.body, 'upstream request timeout');
      t.ok(took >= 190 && took < 900, `timed out after ${took} ms (route timeout 200 ms)`);
      t.equal(flags().get('UT'), before + 1);
      const ok = await client({ path: '/slow', headers: { 'x-test-delay-ms': '50' } });
      t.equal(ok.status, 200);
    });

    t.test('timeout 0s disables the route timeout', async (t) => {
      const r = await client({ path: '/unbounded', headers: { 'x-test-delay-ms': '300' } });
      t.equal(r.status, 200);
    });

    t.test('per-try timeout retries on another attempt', async (t) => {
      const k = nextKey();
      const started = Date.now();
      const r = await client({ path: '/pertry', headers: { 'x-test-key': k, 'x-test-delay-ms': '400' } });
      t.equal(r.status, 504, 'every attempt is slow');
      const attempts = [...up1.seen, ...up2.seen].filter((e) => e.headers['x-test-key'] === k).length;
      t.equal(attempts, 4, '1 + 3 retries, each cut by per_try_timeout');
      t.ok(Date.now() - started < 1500, 'per-try timeouts, not the route timeout, ended it');
    });

    t.test('a body larger than the retry buffer is forwarded but not retried', async (t) => {
      const k = nextKey();
      const r = await client({
        method: 'POST',
        path: '/bigbody',
        body: 'y'.repeat(8192),
        headers: { 'x-test-key': k, 'x-test-fail-times': '1' },
      });
      t.equal(r.status, 503);
      t.equal(up1.seen.filter((e) => e.headers['x-test-key'] === k).length, 1);
      t.equal(up1.seen.find((e) => e.headers['x-test-key'] === k)!.body.length, 8192);
    });

    t.test('h2c upstream (typed_extension_protocol_options) with retries', async (t) => {
      const k = nextKey();
      const r = await client({
        path: '/h2up',
        method: 'POST',
        body: 'over h2c',
        headers: { 'x-test-key': k, 'x-test-fail-times': '1' },
      });
      t.equal(r.status, 200);
      const e = JSON.parse(r.body) as Echo;
      t.equal(e.server, 'h2');
      t.equal(e.body, 'over h2c');
      t.ok(
        h2up.seen.some((s) => s.headers[':method'] === 'POST'),
        'the upstream saw HTTP/2',
      );
    });
  });
}

t.test(
  "a single endpoint is retried with Istio's default policy (previous_hosts falls back to it)",
  async (t) => {
    const client = PROTOCOLS[0].connect(proxy.port);
    t.teardown(() => client.close());
    const before = cluster('one').rqRetry;
    const reply = await client({
      path: '/istio-default',
      headers: { 'x-test-key': 'single-endpoint', 'x-test-fail-times': '1', 'x-test-status': '503' },
    });
    t.equal(reply.status, 200, 'the retry reached the same, only, host and succeeded');
    t.equal(cluster('one').rqRetry - before, 1, 'upstream_rq_retry counted it');
  },
);
