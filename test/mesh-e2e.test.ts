// The control plane's done-when, end to end with real processes: weft-control-plane on a folder of
// YAML, a weft-proxy process taking its config over ADS, real upstreams registered as WorkloadEntries.
// Weights hold over 5 000 requests and change live with no failed request; header match; fault
// abort and delay rates; timeout and retries; a rejected edit leaves traffic on the last good config;
// the control plane crashes and comes back while the proxy keeps serving and then follows again.
import t from 'tap';
import { type Client, h1Client, type Reply, type Req } from './lib/client.ts';
import { startControlPlane, until } from './lib/control-plane.ts';
import { countByUpstream } from './lib/load.ts';
import { reviewsYaml } from './lib/mesh-yaml.ts';
import { runCli } from './lib/proxy.ts';
import { closedPort, startUpstream } from './lib/upstream.ts';

const v1 = await startUpstream({ name: 'v1' });
const v2 = await startUpstream({ name: 'v2' });
t.teardown(() => Promise.all([v1.close(), v2.close()]));
const servicePort = await closedPort();
const adminPort = await closedPort();

const workloads = reviewsYaml({
  port: servicePort,
  workloads: [
    { version: 'v1', port: v1.port },
    { version: 'v2', port: v2.port },
  ],
});
const virtualService = (w1: number | string, w2: number) => `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ headers: { end-user: { exact: jason } } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - match: [{ uri: { prefix: /abort } }]
      fault: { abort: { httpStatus: 418, percentage: { value: 25 } } }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - match: [{ uri: { prefix: /delay } }]
      fault: { delay: { fixedDelay: 250ms, percentage: { value: 50 } } }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - match: [{ uri: { prefix: /slow } }]
      timeout: 300ms
      route: [{ destination: { host: reviews, subset: v1 } }]
    - match: [{ uri: { prefix: /flaky } }]
      retries: { attempts: 2, retryOn: 5xx }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - route:
        - { destination: { host: reviews, subset: v1 }, weight: ${w1} }
        - { destination: { host: reviews, subset: v2 }, weight: ${w2} }
`;

const cp = await startControlPlane(t, {
  'workloads.yaml': workloads,
  'reviews.yaml': virtualService(90, 10),
});
const proxy = runCli([
  '--control-plane',
  cp.xdsAddress,
  '--node-id',
  'sidecar~127.0.0.1~productpage-1.default~default.svc.cluster.local',
  '--namespace',
  'default',
  '--labels',
  'app=productpage',
  '--admin-port',
  String(adminPort),
]);
t.teardown(async () => {
  proxy.child.kill('SIGKILL');
  await proxy.exited;
});
const client = h1Client(servicePort);
t.teardown(() => client.close());

/** A request that never throws: a transport failure is status 0. */
const send = async (c: Client, req: Req): Promise<Reply> => {
  try {
    return await c(req);
  } catch (err) {
    return { status: 0, headers: {}, body: String(err) };
  }
};
const get = (path = '/', headers: Record<string, string> = {}) =>
  send(client, { path, host: 'reviews', headers });

async function load(total: number, concurrency: number, req: () => Req): Promise<Reply[]> {
  const replies: Reply[] = [];
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total) {
        issued++;
        replies.push(await send(client, req()));
      }
    }),
  );
  return replies;
}
const statuses = (replies: readonly Reply[]) => {
  const out: Record<number, number> = {};
  for (const r of replies) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
};
const context = () =>
  `\nproxy log:\n${proxy.stderr().slice(-3000)}\ncontrol plane log:\n${cp.log().slice(-3000)}`;

await until('the proxy to route', async () => (await get()).status === 200, 20_000, context);

t.test('weights 90/10 hold over 5 000 requests (±3 %)', async (t) => {
  const replies = await load(5000, 16, () => ({ path: '/', host: 'reviews' }));
  t.same(statuses(replies), { 200: 5000 }, 'every request succeeded');
  const share = (countByUpstream(replies).v2 ?? 0) / 5000;
  t.ok(Math.abs(share - 0.1) <= 0.03, `v2 share ${(share * 100).toFixed(1)} % (expected 10 %)`);
});

t.test('a live weight change 90/10 → 50/50 → 0/100 fails no request', async (t) => {
  let stop = false;
  const during: Reply[] = [];
  const traffic = Promise.all(
    Array.from({ length: 8 }, async () => {
      while (!stop) during.push(await get());
    }),
  );
  for (const [w1, w2] of [
    [50, 50],
    [0, 100],
  ] as const) {
    const since = cp.log().length;
    await cp.write('reviews.yaml', virtualService(w1, w2));
    await cp.pushedSince(since);
    await new Promise((r) => setTimeout(r, 700));
  }
  stop = true;
  await traffic;
  t.ok(during.length > 200, `${during.length} requests during the change`);
  t.same(statuses(during), { 200: during.length }, 'no request failed while the weights changed');
  const after = await load(300, 8, () => ({ path: '/', host: 'reviews' }));
  t.same(countByUpstream(after), { v2: 300 }, 'all traffic on v2 at 0/100');
});

t.test('header match routes end-user jason to v2', async (t) => {
  const replies = await load(50, 5, () => ({ path: '/', host: 'reviews', headers: { 'end-user': 'jason' } }));
  t.same(countByUpstream(replies), { v2: 50 });
});

t.test('fault abort at 25 % and delay at 50 %', async (t) => {
  const aborts = await load(2000, 16, () => ({ path: '/abort', host: 'reviews' }));
  const aborted = aborts.filter((r) => r.status === 418).length;
  t.equal(aborted + aborts.filter((r) => r.status === 200).length, 2000, JSON.stringify(statuses(aborts)));
  t.ok(Math.abs(aborted / 2000 - 0.25) <= 0.03, `${((aborted / 2000) * 100).toFixed(1)} % aborted (25 %)`);
  // Ten at a time: 200 at once queue behind one another on a loaded machine, and queueing would
  // look like the injected delay.
  const timings: Array<{ status: number; ms: number }> = [];
  for (let batch = 0; batch < 20; batch++) {
    timings.push(
      ...(await Promise.all(
        Array.from({ length: 10 }, async () => {
          const started = performance.now();
          const r = await get('/delay');
          return { status: r.status, ms: performance.now() - started };
        }),
      )),
    );
  }
  t.ok(
    timings.every((x) => x.status === 200),
    'delayed requests succeed',
  );
  const delayed = timings.filter((x) => x.ms >= 240).length;
  t.ok(Math.abs(delayed / 200 - 0.5) <= 0.12, `${delayed}/200 delayed ≥ 250 ms (50 %)`);
});

t.test('timeout and retries follow the VirtualService', async (t) => {
  const started = performance.now();
  const slow = await get('/slow', { 'x-test-delay-ms': '2000' });
  const took = performance.now() - started;
  t.equal(slow.status, 504, 'upstream slower than the 300 ms route timeout → 504');
  t.ok(took < 1500, `answered after ${took.toFixed(0)} ms`);
  const flaky = await get('/flaky', { 'x-test-fail-times': '2', 'x-test-key': 'flaky-1' });
  t.equal(flaky.status, 200, 'two 503s then success: retried twice (attempts: 2)');
  const worse = await get('/flaky', { 'x-test-fail-times': '3', 'x-test-key': 'flaky-2' });
  t.equal(worse.status, 503, 'three 503s exceed attempts: 2');
});

t.test(
  'an invalid edit is rejected with file, line and path; traffic stays on the last good config',
  async (t) => {
    await cp.write('reviews.yaml', virtualService('"heavy"', 100));
    await until('the diagnostic', async () => {
      const config = await cp.debug<{ diagnostics: Array<{ path: string; line: number; file: string }> }>(
        '/debug/config',
      );
      return config.diagnostics.some(
        (d) => d.path === 'spec.http[5].route[0].weight' && d.file.endsWith('reviews.yaml') && d.line > 1,
      );
    });
    const replies = await load(200, 8, () => ({ path: '/', host: 'reviews' }));
    t.same(countByUpstream(replies), { v2: 200 }, 'still 0/100 from the last valid VirtualService');
  },
);

t.test('the control plane crashes and restarts; the proxy serves throughout and follows again', async (t) => {
  await cp.write('reviews.yaml', virtualService(0, 100));
  let stop = false;
  const during: Reply[] = [];
  const traffic = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!stop) during.push(await get());
    }),
  );
  await cp.kill();
  await new Promise((r) => setTimeout(r, 1000));
  await cp.write('reviews.yaml', virtualService(100, 0));
  await cp.start();
  await until(
    'traffic back on v1 after the restart',
    async () => (await get()).headers['x-upstream'] === 'v1',
    30_000,
    context,
  );
  stop = true;
  await traffic;
  t.same(statuses(during), { 200: during.length }, `${during.length} requests, none failed`);
  const syncz = await cp.debug<{ proxies: Array<{ nodeId: string }> }>('/debug/syncz');
  t.ok(
    syncz.proxies.some((p) => p.nodeId.startsWith('sidecar~127.0.0.1~productpage-1')),
    'the proxy reconnected',
  );
});
