// Circuit breaking, outlier detection, priority failover and panic mode through a running proxy
// against real upstream servers, with the numbers the issue names in the assertions.
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { h1Client } from './lib/client.ts';
import { blast, countByUpstream } from './lib/load.ts';
import { startProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

const ok = [
  await startUpstream({ name: 'ok0' }),
  await startUpstream({ name: 'ok1' }),
  await startUpstream({ name: 'ok2' }),
];
// Always 503: an upstream that has gone bad.
const bad = [0, 1, 2].map((i) =>
  startUpstream({
    name: `bad${i}`,
    handler: (_req, res) => {
      res.writeHead(503, { 'x-upstream': `bad${i}` });
      res.end('broken');
    },
  }),
);
const broken = await Promise.all(bad);
const slow = await startUpstream({ name: 'slow' });
t.teardown(() => Promise.all([...ok, ...broken, slow].map((u) => u.close())));

type Ep = { port: number; priority?: number };
function cluster(name: string, eps: Ep[], extra: Record<string, unknown> = {}) {
  const byPriority = new Map<number, unknown[]>();
  for (const e of eps) {
    const lb = { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: e.port } } } };
    byPriority.set(e.priority ?? 0, [...(byPriority.get(e.priority ?? 0) ?? []), lb]);
  }
  return {
    ...staticCluster(name, []),
    load_assignment: {
      cluster_name: name,
      endpoints: [...byPriority].map(([priority, lb_endpoints]) => ({ priority, lb_endpoints })),
    },
    ...extra,
  };
}

const outlier = (extra: Record<string, unknown> = {}) => ({
  outlier_detection: {
    consecutive_5xx: 3,
    interval: '0.1s',
    base_ejection_time: '0.5s',
    max_ejection_percent: 100,
    ...extra,
  },
});

const proxy = await startProxy(
  bootstrap({
    clusters: [
      cluster('limited', [{ port: slow.port }], {
        circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1 }] },
      }),
      cluster('queued', [{ port: slow.port }], {
        circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 2 }] },
      }),
      cluster('retry-limited', [{ port: broken[0]!.port }], {
        circuit_breakers: { thresholds: [{ max_retries: 0 }] },
      }),
      cluster('ejecting', [{ port: broken[0]!.port }, { port: ok[0]!.port }], outlier()),
      cluster(
        'failover',
        [{ port: broken[1]!.port }, { port: broken[2]!.port }, { port: ok[1]!.port, priority: 1 }],
        outlier({ consecutive_5xx: 1 }),
      ),
      cluster(
        'panic',
        [
          { port: broken[0]!.port },
          { port: broken[1]!.port },
          { port: broken[2]!.port },
          { port: ok[2]!.port },
        ],
        outlier({ consecutive_5xx: 1, base_ejection_time: '30s' }),
      ),
    ],
    virtualHosts: [
      anyHost([
        { match: { prefix: '/limited' }, route: { cluster: 'limited' } },
        { match: { prefix: '/queued' }, route: { cluster: 'queued' } },
        {
          match: { prefix: '/retry-limited' },
          route: { cluster: 'retry-limited', retry_policy: { retry_on: '5xx', num_retries: 3 } },
        },
        { match: { prefix: '/ejecting' }, route: { cluster: 'ejecting' } },
        { match: { prefix: '/failover' }, route: { cluster: 'failover' } },
        { match: { prefix: '/panic' }, route: { cluster: 'panic' } },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());
const client = h1Client(proxy.port);
t.teardown(() => client.close());
const clusterOf = (name: string) => proxy.proxy.clusters.current.get(name)!;

t.test(
  'max_connections 1 + max_pending_requests 1: of 3 concurrent slow requests exactly one gets 503 UO',
  async (t) => {
    const replies = await Promise.all(
      [0, 1, 2].map(() => client({ path: '/limited', headers: { 'x-test-delay-ms': '300' } })),
    );
    const overflowed = replies.filter((r) => r.status === 503);
    t.equal(overflowed.length, 1, `statuses ${replies.map((r) => r.status).join(',')}`);
    t.equal(overflowed[0]?.headers['x-envoy-overloaded'], 'true');
    t.equal(
      replies.filter((r) => r.status === 200).length,
      2,
      'one ran, one waited in the pending queue and ran next',
    );
    t.equal(clusterOf('limited').admission.limits.rqPendingOverflow, 1);
    t.equal(proxy.proxy.stats.httpStats('ingress_http').flags.get('UO'), 1);
    t.equal(clusterOf('limited').admission.limits.pending, 0, 'the queue is empty afterwards');
    const prom = await (await fetch(`http://127.0.0.1:${proxy.adminPort}/stats/prometheus`)).text();
    t.match(prom, 'envoy_cluster_upstream_rq_pending_overflow{envoy_cluster_name="limited"} 1');
  },
);

t.test('pending requests run in arrival order; a cancelled one leaves the queue', async (t) => {
  const { request } = await import('undici');
  const url = `http://127.0.0.1:${proxy.port}/queued`;
  const order: string[] = [];
  const send = (id: string, signal?: AbortSignal) =>
    request(url, { headers: { 'x-test-delay-ms': '150', 'x-id': id }, ...(signal ? { signal } : {}) }).then(
      async (r) => {
        await r.body.text();
        order.push(id);
        return r.statusCode;
      },
    );
  const first = send('first');
  await new Promise((r) => setTimeout(r, 30));
  const abort = new AbortController();
  const cancelled = send('cancelled', abort.signal).catch(() => 'aborted');
  await new Promise((r) => setTimeout(r, 30));
  const last = send('last');
  await new Promise((r) => setTimeout(r, 30));
  t.equal(clusterOf('queued').admission.limits.pending, 2, 'two waiting behind the one running');
  abort.abort();
  t.same(await Promise.all([first, cancelled, last]), [200, 'aborted', 200]);
  t.same(order, ['first', 'last']);
  t.notOk(
    slow.seen.some((e) => e.headers['x-id'] === 'cancelled'),
    'the cancelled request never reached the upstream',
  );
  t.equal(clusterOf('queued').admission.limits.pending, 0);
});

t.test('max_retries 0: retries are not attempted and counted as overflow', async (t) => {
  const seen = broken[0]!.seen.length;
  const r = await client({ path: '/retry-limited' });
  t.equal(r.status, 503);
  t.equal(broken[0]!.seen.length - seen, 1, 'only the first attempt went out');
  t.equal(clusterOf('retry-limited').admission.limits.rqRetryOverflow, 1);
});

t.test(
  'a host returning 5xx is ejected after consecutive_5xx (3) and returns after base_ejection_time',
  async (t) => {
    const c = clusterOf('ejecting');
    const badHost = c.endpoints.find((e) => e.id.endsWith(`:${broken[0]!.port}`))!;
    let fives = 0;
    for (let i = 0; i < 20 && !badHost.ejected; i++) {
      if ((await client({ path: '/ejecting' })).status === 503) fives++;
    }
    t.ok(badHost.ejected, 'ejected');
    t.equal(fives, 3, 'after exactly three 5xx from it');
    t.equal(c.state.outlier!.stats.ejections_enforced_consecutive_5xx, 1);
    // Only requests sent while the host is still ejected count: on a loaded machine 500 ms can pass
    // within a burst, and then the host is rightly back in rotation.
    const whileEjected: Record<string, number> = {};
    let sent = 0;
    while (badHost.ejected && sent < 50) {
      const replies = await blast(client, 4, 4, () => ({ path: '/ejecting' }));
      if (!badHost.ejected) break;
      sent += 4;
      for (const [name, n] of Object.entries(countByUpstream(replies)))
        whileEjected[name] = (whileEjected[name] ?? 0) + n;
    }
    t.ok(sent >= 8, `${sent} requests sent while ejected`);
    t.same(whileEjected, { ok0: sent }, 'no traffic to the ejected host');
    const started = Date.now();
    while (badHost.ejected && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    const outFor = Date.now() - started;
    t.notOk(
      badHost.ejected,
      `returned after ~${outFor} ms more (base_ejection_time 500 ms, checked every 100 ms)`,
    );
    const after = countByUpstream(await blast(client, 4, 1, () => ({ path: '/ejecting' })));
    t.ok((after.bad0 ?? 0) > 0, 'traffic reaches it again');
  },
);

t.test('priority failover: when priority 0 hosts are ejected, priority 1 takes the traffic', async (t) => {
  const c = clusterOf('failover');
  t.same(c.priorityLoad.load, [100, 0], 'all load on priority 0 while it is healthy');
  const first = await client({ path: '/failover' });
  t.match(first.headers['x-upstream'], /^bad[12]$/, 'the first request goes to priority 0');
  t.same(
    c.priorityLoad.load,
    [70, 30],
    'one of two healthy × 1.4 overprovisioning = 70 % stays on priority 0',
  );
  for (let i = 0; i < 50 && c.endpoints.filter((e) => e.ejected).length < 2; i++)
    await client({ path: '/failover' });
  t.equal(c.endpoints.filter((e) => e.ejected).length, 2, 'both priority-0 hosts ejected');
  t.same(c.priorityLoad.load, [0, 100]);
  const after = countByUpstream(await blast(client, 40, 4, () => ({ path: '/failover' })));
  t.same(after, { ok1: 40 }, 'all traffic on priority 1');
});

t.test('panic mode: below 50 % healthy, traffic spreads over all hosts', async (t) => {
  await blast(client, 12, 1, () => ({ path: '/panic' }));
  const c = clusterOf('panic');
  t.equal(c.endpoints.filter((e) => e.ejected).length, 3, 'three of four hosts ejected (25 % healthy)');
  t.same(c.priorityLoad.panic, [true]);
  const counts = countByUpstream(await blast(client, 400, 4, () => ({ path: '/panic' })));
  t.ok((counts.ok2 ?? 0) < 200, `the healthy host got ${counts.ok2} of 400, not all`);
  t.ok(
    (counts.bad0 ?? 0) + (counts.bad1 ?? 0) + (counts.bad2 ?? 0) > 200,
    'ejected hosts get traffic in panic',
  );
});
