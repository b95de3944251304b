// Active HTTP health checks feed the same endpoint health the balancer reads: a host whose health
// endpoint fails stops getting traffic and gets it back once it passes again.
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { h1Client } from './lib/client.ts';
import { blast, countByUpstream } from './lib/load.ts';
import { startProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

const sick = new Set<string>();
const hosts = await Promise.all(
  ['a', 'b', 'c'].map((name) =>
    startUpstream({
      name,
      handler: (req, res) => {
        const status = req.url === '/healthz' && sick.has(name) ? 503 : 200;
        res.writeHead(status, { 'x-upstream': name });
        res.end(name);
      },
    }),
  ),
);
t.teardown(() => Promise.all(hosts.map((h) => h.close())));

const proxy = await startProxy(
  bootstrap({
    clusters: [
      staticCluster(
        'app',
        hosts.map((h) => h.port),
        {
          health_checks: [
            {
              timeout: '0.5s',
              interval: '0.05s',
              no_traffic_interval: '0.05s',
              unhealthy_threshold: 2,
              healthy_threshold: 2,
              http_health_check: { path: '/healthz' },
            },
          ],
        },
      ),
    ],
    virtualHosts: [anyHost([{ match: { prefix: '/' }, route: { cluster: 'app' } }])],
  }),
);
t.teardown(() => proxy.close());
const client = h1Client(proxy.port);
t.teardown(() => client.close());
const app = () => proxy.proxy.clusters.current.get('app')!;

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('hosts pass their first check and share traffic', async (t) => {
  await until('all hosts healthy', () => app().endpoints.every((e) => e.healthy));
  const counts = countByUpstream(await blast(client, 90, 3, () => ({ path: '/' })));
  t.same(counts, { a: 30, b: 30, c: 30 });
  const seen = hosts[0]!.seen.filter((e) => e.path === '/healthz');
  t.ok(seen.length > 0, 'the health endpoint was called');
  t.equal(seen[0]!.headers.host, 'app', 'Host defaults to the cluster name');
});

t.test('a failing host is taken out, and put back when it passes again', async (t) => {
  sick.add('b');
  await until('b unhealthy', () => app().endpoints.some((e) => e.failedHealthCheck));
  const failing = app().endpoints.find((e) => e.failedHealthCheck)!;
  t.match(failing.id, `:${hosts[1]!.port}`);
  const without = countByUpstream(await blast(client, 60, 3, () => ({ path: '/' })));
  t.same(without, { a: 30, c: 30 }, 'no traffic to the failing host');
  const clusters = await (await fetch(`http://127.0.0.1:${proxy.adminPort}/clusters`)).text();
  t.match(clusters, `app::127.0.0.1:${hosts[1]!.port}::health_flags::/failed_active_hc`);
  sick.delete('b');
  await until('b healthy again', () => app().endpoints.every((e) => e.healthy));
  const back = countByUpstream(await blast(client, 90, 3, () => ({ path: '/' })));
  t.same(back, { a: 30, b: 30, c: 30 });
});
