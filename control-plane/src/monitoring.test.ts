import t from 'tap';
import { MonitoringServer } from './monitoring.ts';
import { AdsServer, createSnapshot, TestAdsClient } from './xds/index.ts';

t.test('/ready, /debug/syncz and /debug/config', async (t) => {
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
  ads.setSnapshot(
    '*',
    createSnapshot('1', {
      clusters: [{ name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }],
    }),
  );
  const client = new TestAdsClient(`127.0.0.1:${xdsPort}`, 'node-a');
  t.teardown(() => client.close());
  client.request('type.googleapis.com/envoy.config.cluster.v3.Cluster', []);
  await client.nextOf('type.googleapis.com/envoy.config.cluster.v3.Cluster');
  const syncz = (await get('/debug/syncz')).body as { proxies: Array<{ nodeId: string }> };
  t.equal(syncz.proxies[0]?.nodeId, 'node-a');
  const config = (await get('/debug/config')).body as { diagnostics: Array<{ path: string }> };
  t.equal(config.diagnostics[0]?.path, 'spec.hosts');
});
