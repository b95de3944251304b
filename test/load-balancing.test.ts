// Load-balancing policies through a running proxy against real upstream servers: the distribution
// each policy produces, consistent hashing across a host being added, cookie affinity, and zero
// failed requests while endpoints churn under load.
import t from 'tap';
import { compileBootstrap } from '../proxy/src/compile/runtime.ts';
import { loadBootstrapText } from '../proxy/src/config/index.ts';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { h1Client } from './lib/client.ts';
import { blast, countByUpstream } from './lib/load.ts';
import { startProxy } from './lib/proxy.ts';
import { startUpstream, type Upstream } from './lib/upstream.ts';

const ups: Upstream[] = [];
for (let i = 0; i < 11; i++) ups.push(await startUpstream({ name: `u${i}` }));
t.teardown(() => Promise.all(ups.map((u) => u.close())));

function endpoints(list: Array<{ port: number; weight?: number; priority?: number }>) {
  const byPriority = new Map<number, unknown[]>();
  for (const e of list) {
    const lb = {
      endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: e.port } } },
      ...(e.weight ? { load_balancing_weight: e.weight } : {}),
    };
    byPriority.set(e.priority ?? 0, [...(byPriority.get(e.priority ?? 0) ?? []), lb]);
  }
  return [...byPriority].map(([priority, lb_endpoints]) => ({ priority, lb_endpoints }));
}

function cluster(
  name: string,
  list: Array<{ port: number; weight?: number; priority?: number }>,
  extra: Record<string, unknown> = {},
) {
  return {
    ...staticCluster(name, []),
    load_assignment: { cluster_name: name, endpoints: endpoints(list) },
    ...extra,
  };
}

// A host that answers every request after 50 ms: least-request should route around it.
const slowHost = await startUpstream({
  name: 'slow',
  handler: (_req, res) =>
    setTimeout(() => {
      res.writeHead(200, { 'x-upstream': 'slow' });
      res.end('slow');
    }, 50),
});
t.teardown(() => slowHost.close());

const ring10 = ups.slice(0, 10).map((u) => ({ port: u.port }));
const doc = (ringHosts: Array<{ port: number }>) =>
  bootstrap({
    clusters: [
      cluster('weighted', [
        { port: ups[0]!.port, weight: 1 },
        { port: ups[1]!.port, weight: 2 },
        { port: ups[2]!.port, weight: 7 },
      ]),
      cluster(
        'random',
        ups.slice(0, 4).map((u) => ({ port: u.port })),
        { lb_policy: 'RANDOM' },
      ),
      cluster('ring', ringHosts, { lb_policy: 'RING_HASH' }),
      cluster('maglev', ringHosts, { lb_policy: 'MAGLEV' }),
      cluster('least', [{ port: slowHost.port }, { port: ups[0]!.port }, { port: ups[1]!.port }], {
        lb_policy: 'LEAST_REQUEST',
      }),
      cluster('rr-slow', [{ port: slowHost.port }, { port: ups[0]!.port }, { port: ups[1]!.port }]),
      cluster(
        'sticky',
        ups.slice(0, 4).map((u) => ({ port: u.port })),
        { lb_policy: 'RING_HASH' },
      ),
    ],
    virtualHosts: [
      anyHost([
        { match: { prefix: '/weighted' }, route: { cluster: 'weighted' } },
        { match: { prefix: '/random' }, route: { cluster: 'random' } },
        { match: { prefix: '/least' }, route: { cluster: 'least' } },
        { match: { prefix: '/rr-slow' }, route: { cluster: 'rr-slow' } },
        {
          match: { prefix: '/ring' },
          route: { cluster: 'ring', hash_policy: [{ header: { header_name: 'x-user' } }] },
        },
        {
          match: { prefix: '/maglev' },
          route: { cluster: 'maglev', hash_policy: [{ header: { header_name: 'x-user' } }] },
        },
        {
          match: { prefix: '/sticky' },
          route: {
            cluster: 'sticky',
            hash_policy: [{ cookie: { name: 'affinity', ttl: '3600s', path: '/' } }],
          },
        },
      ]),
    ],
  });

const proxy = await startProxy(doc(ring10));
t.teardown(() => proxy.close());
const client = h1Client(proxy.port);
t.teardown(() => client.close());

t.test('ROUND_ROBIN honours endpoint weights within ±2 % over 10 000 requests', async (t) => {
  const counts = countByUpstream(await blast(client, 10_000, 16, () => ({ path: '/weighted' })));
  const share = (name: string) => (counts[name] ?? 0) / 10_000;
  t.ok(Math.abs(share('u0') - 0.1) <= 0.02, `u0 ${share('u0')} (weight 1/10)`);
  t.ok(Math.abs(share('u1') - 0.2) <= 0.02, `u1 ${share('u1')} (weight 2/10)`);
  t.ok(Math.abs(share('u2') - 0.7) <= 0.02, `u2 ${share('u2')} (weight 7/10)`);
});

t.test('RANDOM spreads across all hosts', async (t) => {
  const counts = countByUpstream(await blast(client, 2000, 8, () => ({ path: '/random' })));
  for (const name of ['u0', 'u1', 'u2', 'u3']) {
    t.ok(
      (counts[name] ?? 0) > 400 && (counts[name] ?? 0) < 600,
      `${name}: ${counts[name]} of 2000 (expected ~500)`,
    );
  }
});

t.test('LEAST_REQUEST sends less to a slow host than ROUND_ROBIN does', async (t) => {
  const least = countByUpstream(await blast(client, 600, 12, () => ({ path: '/least' })));
  const rr = countByUpstream(await blast(client, 600, 12, () => ({ path: '/rr-slow' })));
  t.equal(rr.slow, 200, 'round robin: exactly a third to the slow host');
  t.ok(
    (least.slow ?? 0) < 100,
    `least request: ${least.slow} of 600 to the slow host (round robin: ${rr.slow})`,
  );
});

async function placements(path: string, keys: number): Promise<string[]> {
  const replies = await blast(client, keys, 16, (i) => ({ path, headers: { 'x-user': `user-${i}` } }));
  return replies.map((r) => String(r.headers['x-upstream']));
}

t.test('RING_HASH and MAGLEV: keys stick, and adding an 11th host moves only ~1/11 of them', async (t) => {
  const keys = 2000;
  const ringBefore = await placements('/ring', keys);
  t.same(await placements('/ring', keys), ringBefore, 'the same key always reaches the same host');
  const maglevBefore = await placements('/maglev', keys);
  const loaded = loadBootstrapText(JSON.stringify(doc([...ring10, { port: ups[10]!.port }])), 'grown.json');
  await proxy.proxy.apply(compileBootstrap(loaded.bootstrap));
  for (const [name, before, path] of [
    ['ring hash', ringBefore, '/ring'],
    ['maglev', maglevBefore, '/maglev'],
  ] as const) {
    const after = await placements(path, keys);
    const moved = after.filter((host, i) => host !== before[i]);
    const toNewHost = moved.filter((host) => host === 'u10').length;
    const stayed = 1 - moved.length / keys;
    // 1/11 of the keys must move for the new host to get its share: 90.9 % stay at best.
    t.ok(stayed >= 0.88, `${name}: ${(stayed * 100).toFixed(1)} % of keys stayed`);
    t.ok(
      toNewHost / moved.length >= 0.9,
      `${name}: ${toNewHost} of ${moved.length} moved keys went to the new host`,
    );
  }
});

t.test('cookie hash policy: generates the cookie with its TTL, then sticks to it', async (t) => {
  const first = await client({ path: '/sticky' });
  const setCookie = String(first.headers['set-cookie']);
  t.match(setCookie, /^affinity="?[^;]+"?; Max-Age=3600; Path=\/; HttpOnly/);
  const cookie = setCookie.split(';')[0]!;
  const hosts = new Set<string>();
  for (let i = 0; i < 20; i++)
    hosts.add(String((await client({ path: '/sticky', headers: { cookie } })).headers['x-upstream']));
  t.equal(hosts.size, 1, 'every request with the cookie reaches one host');
  t.equal(
    (await client({ path: '/sticky', headers: { cookie } })).headers['set-cookie'],
    undefined,
    'no new cookie when present',
  );
});

t.test('a request in flight to an endpoint that is removed still completes', async (t) => {
  const inflight = client({ path: '/least', headers: { 'x-test-delay-ms': '200' } });
  const only = bootstrap({
    clusters: [cluster('least', [{ port: ups[5]!.port }])],
    virtualHosts: [anyHost([{ match: { prefix: '/' }, route: { cluster: 'least' } }])],
  });
  await new Promise((r) => setTimeout(r, 50));
  await proxy.proxy.apply(
    compileBootstrap(loadBootstrapText(JSON.stringify(only), 'removed.json').bootstrap),
  );
  const r = await inflight;
  t.equal(r.status, 200, `completed on ${r.headers['x-upstream']} after its endpoint left the config`);
  t.equal(
    (await client({ path: '/least' })).headers['x-upstream'],
    'u5',
    'new requests use the new endpoints',
  );
});

t.test('zero failed requests while endpoints are added and removed under load', async (t) => {
  const base = ups.slice(0, 3).map((u) => ({ port: u.port }));
  const variants = [
    base,
    [...base, { port: ups[3]!.port }],
    ups.slice(1, 4).map((u) => ({ port: u.port })),
    [{ port: ups[4]!.port }, { port: ups[5]!.port }],
  ];
  let stop = false;
  const churn = (async () => {
    for (let i = 0; !stop && i < 200; i++) {
      const hosts = variants[i % variants.length]!;
      const churned = bootstrap({
        clusters: [cluster('weighted', hosts)],
        virtualHosts: [anyHost([{ match: { prefix: '/' }, route: { cluster: 'weighted' } }])],
      });
      const next = loadBootstrapText(JSON.stringify(churned), 'churn.json');
      await proxy.proxy.apply(compileBootstrap(next.bootstrap));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const replies = await blast(client, 3000, 16, () => ({ path: '/weighted' }));
  stop = true;
  await churn;
  const failed = replies.filter((r) => r.status !== 200);
  t.equal(failed.length, 0, `${failed.length} of ${replies.length} failed while endpoints changed`);
});
