// request_mirror_policies: shadow traffic is fire and forget and never affects the caller.
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { PROTOCOLS } from './lib/client.ts';
import { startProxy } from './lib/proxy.ts';
import { closedPort, startUpstream } from './lib/upstream.ts';

const primary = await startUpstream({ name: 'primary' });
const shadow = await startUpstream({ name: 'shadow' });
const slowShadow = await startUpstream({
  name: 'slow-shadow',
  handler: (_req, res) => setTimeout(() => res.end('late'), 2000),
});
const dead = await closedPort();
t.teardown(() => Promise.all([primary.close(), shadow.close(), slowShadow.close()]));

const proxy = await startProxy(
  bootstrap({
    clusters: [
      staticCluster('primary', [primary.port]),
      staticCluster('shadow', [shadow.port]),
      staticCluster('slow', [slowShadow.port]),
      staticCluster('dead', [dead]),
    ],
    virtualHosts: [
      anyHost([
        {
          name: 'mirrored',
          match: { prefix: '/m' },
          route: { cluster: 'primary', request_mirror_policies: [{ cluster: 'shadow' }] },
        },
        {
          name: 'broken-mirrors',
          match: { prefix: '/b' },
          route: { cluster: 'primary', request_mirror_policies: [{ cluster: 'slow' }, { cluster: 'dead' }] },
        },
        {
          name: 'none',
          match: { prefix: '/n' },
          route: {
            cluster: 'primary',
            request_mirror_policies: [
              { cluster: 'shadow', runtime_fraction: { default_value: { numerator: 0 } } },
            ],
          },
        },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());

for (const { name, connect } of PROTOCOLS) {
  t.test(name, async (t) => {
    const client = connect(proxy.port);
    t.teardown(() => client.close());
    const id = `${name}-1`;
    const r = await client({
      method: 'POST',
      path: '/m/x',
      body: 'copy me',
      headers: { 'x-id': id, host: 'svc.local' },
    });
    t.equal(r.status, 200);
    t.equal(JSON.parse(r.body).server, 'primary');
    await new Promise((res) => setTimeout(res, 100));
    const copy = shadow.seen.find((e) => e.headers['x-id'] === id);
    t.ok(copy, 'the shadow got a copy');
    t.equal(copy?.body, 'copy me');
    t.match(copy?.headers.host, /-shadow/);
    const started = Date.now();
    const b = await client({ path: '/b' });
    t.equal(b.status, 200, 'slow and dead mirrors do not affect the caller');
    t.ok(Date.now() - started < 1000);
    const before = shadow.seen.length;
    await client({ path: '/n' });
    await new Promise((res) => setTimeout(res, 50));
    t.equal(shadow.seen.length, before, '0% mirror sends nothing');
  });
}
