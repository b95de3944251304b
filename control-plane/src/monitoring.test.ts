import t from 'tap';
import { findProxy, MonitoringServer } from './monitoring.ts';
import { AdsServer, createSnapshot, TestAdsClient } from './xds/index.ts';

const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

t.test('/ready, /debug/syncz, /debug/config and /debug/config_dump', async (t) => {
  const ads = new AdsServer();
  const xdsPort = await ads.start({ host: '127.0.0.1', port: 0 });
  t.teardown(() => ads.stop());
  let ready = false;
  const monitoring = new MonitoringServer(ads, {
    ready: () => ready,
    version: () => 'v7',
    diagnostics: () => [
      {
        severity: 'error',
        file: 'vs.yaml',
        line: 3,
        resource: 'VirtualService default/x',
        path: 'spec.hosts',
        message: 'add a host',
      },
    ],
    identities: () => new Map([['node-a', { nodeId: 'node-a', namespace: 'shop', labels: { app: 'cart' } }]]),
  });
  const { port } = await monitoring.listen('127.0.0.1', 0);
  t.teardown(() => monitoring.close());
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  t.equal((await get('/ready')).status, 503);
  ready = true;
  t.same((await get('/ready')).body, { ready: true, version: 'v7' });
  const cluster = { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } };
  ads.setSnapshot('*', createSnapshot('1', { clusters: [cluster] }));
  const client = new TestAdsClient(`127.0.0.1:${xdsPort}`, 'node-a');
  t.teardown(() => client.close());
  client.request(CLUSTER_TYPE, []);
  await client.nextOf(CLUSTER_TYPE);
  const syncz = (await get('/debug/syncz')).body as {
    proxies: Array<{ nodeId: string; namespace?: string; labels?: Record<string, string> }>;
  };
  t.equal(syncz.proxies[0]?.nodeId, 'node-a');
  t.equal(syncz.proxies[0]?.namespace, 'shop', 'syncz carries the identity translation uses');
  t.same(syncz.proxies[0]?.labels, { app: 'cart' });
  const config = (await get('/debug/config')).body as { diagnostics: Array<{ path: string }> };
  t.equal(config.diagnostics[0]?.path, 'spec.hosts');

  const dump = await get('/debug/config_dump?proxy=node-a');
  t.equal(dump.status, 200);
  t.same(dump.body, {
    nodeId: 'node-a',
    version: '1',
    listeners: [],
    routes: [],
    clusters: [cluster],
    endpoints: [],
  });
  const unknown = await get('/debug/config_dump?proxy=nobody');
  t.equal(unknown.status, 404);
  t.same(unknown.body, { error: 'no connected proxy "nobody" (connected: node-a)' });
  t.equal((await get('/debug/config_dump')).status, 400, 'the proxy must be named');
});

t.test('findProxy: node id, pod.namespace of an Istio-style id, or a unique prefix', async (t) => {
  const connected = [
    'sidecar~10.0.0.1~productpage.default~default.svc',
    'sidecar~10.0.0.2~reviews-v1.shop',
    'gw-1',
  ];
  t.same(findProxy('gw-1', connected), { nodeId: 'gw-1' });
  t.same(findProxy('productpage', connected), { nodeId: connected[0] }, 'the default namespace is implied');
  t.same(findProxy('reviews-v1.shop', connected), { nodeId: connected[1] });
  t.same(findProxy('gw', connected), { nodeId: 'gw-1' });
  t.match(findProxy('sidecar', connected), { error: /matches several connected proxies/ });
  t.match(findProxy('ratings', connected), { error: /^no connected proxy "ratings" \(connected: / });
  t.same(findProxy('x', []), { error: 'no connected proxy "x" (no proxy is connected)' });
});
