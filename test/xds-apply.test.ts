// The xDS apply cycle end to end, with the real ADS server, real sockets and upstreams: a version
// that cannot be bound is rolled back whole and NACKed while the old one keeps serving through its
// pools; an invalid cluster is NACKed by name while the rest of its response applies; an ACK means
// the config already serves; a resource re-sent unchanged is not compiled again.
import net from 'node:net';
import t from 'tap';
import { AdsServer } from '../control-plane/src/xds/ads-server.ts';
import { CLUSTER_TYPE, createSnapshot, LISTENER_TYPE } from '../control-plane/src/xds/snapshot.ts';
import { WeftProxy } from '../proxy/src/proxy.ts';
import { connectXds } from '../proxy/src/xds/index.ts';
import { h1Client } from './lib/client.ts';
import { closedPort, type Echo, startUpstream } from './lib/upstream.ts';
import { xdsRdsListener, xdsStaticCluster } from './lib/xds-resources.ts';

const V3 = { resource_api_version: 'V3' };

type Obj = Record<string, unknown>;
const v1 = await startUpstream({ name: 'v1' });
const v2 = await startUpstream({ name: 'v2' });
t.teardown(() => Promise.all([v1.close(), v2.close()]));
const mainPort = await closedPort();

/** Route "80": each [prefix, cluster] pair in order. */
function routes(pairs: Array<[string, string]>): Obj {
  return {
    name: '80',
    virtual_hosts: [
      {
        name: 'any',
        domains: ['*'],
        routes: pairs.map(([prefix, to]) => ({ match: { prefix }, route: { cluster: to } })),
      },
    ],
  };
}

const server = new AdsServer();
const xdsPort = await server.start({ host: '127.0.0.1', port: 0 });
const proxy = new WeftProxy();
const events: Array<{ kind: string; typeUrl?: string; version?: string; error?: string }> = [];
server.setSnapshot(
  '*',
  createSnapshot('1', {
    listeners: [xdsRdsListener('main', mainPort, '80', V3)],
    routes: [
      routes([
        ['/bad', 'bad'],
        ['/', 'c1'],
      ]),
    ],
    clusters: [xdsStaticCluster('c1', v1.port), xdsStaticCluster('bad', v1.port)],
  }),
);
const xds = connectXds(
  proxy,
  `127.0.0.1:${xdsPort}`,
  { id: 'sidecar~127.0.0.1~apply-0.default' },
  { onEvent: (e) => events.push(e) },
);
t.teardown(async () => {
  xds.close();
  await proxy.stop(0);
  await server.stop();
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const client = h1Client(mainPort);
t.teardown(() => client.close());
async function get(path: string): Promise<{ status: number; server?: string }> {
  try {
    const reply = await client({ path });
    const echo = reply.status === 200 ? (JSON.parse(reply.body) as Echo) : undefined;
    return { status: reply.status, ...(echo ? { server: echo.server } : {}) };
  } catch {
    return { status: 0 };
  }
}

const nacksOf = (typeUrl: string) => events.filter((e) => e.kind === 'nack' && e.typeUrl === typeUrl);
const acked = (typeUrl: string, version: string) =>
  events.some((e) => e.kind === 'ack' && e.typeUrl === typeUrl && e.version === version);

t.test('version 1 serves', async (t) => {
  await until('the listener to serve', async () => (await get('/')).server === 'v1');
  t.same(await get('/bad'), { status: 200, server: 'v1' });
});

t.test('a listener that cannot bind: the response is NACKed, the old config serves on', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const takenPort = (blocker.address() as net.AddressInfo).port;
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const endpoint = proxy.clusters.current.get('c1')!.endpoints[0]!;
  const served = v1.seen.length;
  server.setSnapshot(
    '*',
    createSnapshot('2', {
      listeners: [xdsRdsListener('main', mainPort, '80', V3), xdsRdsListener('taken', takenPort, '80', V3)],
      routes: [
        routes([
          ['/bad', 'bad'],
          ['/', 'c1'],
        ]),
      ],
      clusters: [xdsStaticCluster('c1', v1.port), xdsStaticCluster('bad', v1.port)],
    }),
  );
  await until('the LDS NACK', () => nacksOf(LISTENER_TYPE).length > 0);
  t.match(nacksOf(LISTENER_TYPE)[0]!.error, /cannot apply version 2: .*EADDRINUSE/);
  t.same(
    proxy.listenerAddresses().map((l) => l.name),
    ['main'],
    'nothing of version 2 is bound',
  );
  for (let i = 0; i < 5; i++)
    t.same(await get('/'), { status: 200, server: 'v1' }, `request ${i} after the NACK`);
  t.equal(v1.seen.length, served + 5, 'every request reached v1');
  t.equal(proxy.clusters.current.get('c1')!.endpoints[0], endpoint, 'the same host and pool');
  t.notOk(endpoint.pool.closed || endpoint.pool.destroyed, 'the pool was not closed');
  const status = server.status()[0]!.types[LISTENER_TYPE]!;
  t.equal(status.acked, '1', 'LDS version 1 stays ACKed');
  t.equal(status.nacked?.version, '2');
  t.equal(xds.stats.applyFailed, 1);
});

t.test('one invalid cluster is NACKed by name; the rest of the response applies', async (t) => {
  const nacks = nacksOf(CLUSTER_TYPE).length;
  server.setSnapshot(
    '*',
    createSnapshot('3', {
      listeners: [xdsRdsListener('main', mainPort, '80', V3)],
      routes: [
        routes([
          ['/added', 'added'],
          ['/bad', 'bad'],
          ['/', 'c1'],
        ]),
      ],
      // port 0: a valid message the proxy's compiler refuses
      clusters: [
        xdsStaticCluster('c1', v1.port),
        xdsStaticCluster('bad', 0),
        xdsStaticCluster('added', v2.port),
      ],
    }),
  );
  await until('the CDS NACK', () => nacksOf(CLUSTER_TYPE).length > nacks);
  const message = nacksOf(CLUSTER_TYPE).at(-1)!.error!;
  t.match(message, /^cluster "bad": Cluster\(bad\)\.load_assignment[^\n]*port 0 out of range/);
  t.equal(message.split('\n').length, 1, 'only the bad cluster is named');
  await until('the route to the added cluster', async () => (await get('/added')).server === 'v2');
  t.same(await get('/bad'), { status: 200, server: 'v1' }, 'bad keeps its last good version');
  t.same(await get('/'), { status: 200, server: 'v1' });
  t.equal(
    server.status()[0]!.types[CLUSTER_TYPE]!.acked,
    '2',
    'CDS stays at version 2, the last one accepted whole',
  );
  t.ok(proxy.clusters.current.has('added'));
});

t.test('an ACK means the new config already serves', async (t) => {
  const seenAtAck: Array<{ type: string; version: string; ready: boolean }> = [];
  const onAck = (record: { typeUrl: string; version: string }) => {
    if (record.version !== '4') return;
    // synchronously, as the ACK arrives: is what it acknowledges in place?
    const ready =
      record.typeUrl === CLUSTER_TYPE
        ? proxy.clusters.current.has('late')
        : record.typeUrl === LISTENER_TYPE
          ? proxy.listenerAddresses().some((l) => l.name === 'second')
          : true;
    seenAtAck.push({ type: record.typeUrl, version: record.version, ready });
  };
  server.on('ack', onAck);
  t.teardown(() => server.off('ack', onAck));
  const secondPort = await closedPort();
  server.setSnapshot(
    '*',
    createSnapshot('4', {
      listeners: [xdsRdsListener('main', mainPort, '80', V3), xdsRdsListener('second', secondPort, '80', V3)],
      routes: [routes([['/', 'late']])],
      clusters: [xdsStaticCluster('c1', v1.port), xdsStaticCluster('late', v2.port)],
    }),
  );
  const relevant = () => seenAtAck.filter((s) => s.type === CLUSTER_TYPE || s.type === LISTENER_TYPE);
  await until('the server to see CDS and LDS version 4 ACKed', () => relevant().length === 2);
  t.ok(
    relevant().every((s) => s.ready),
    'at each ACK the config it acknowledges is live',
  );
  await until('the second listener to serve', async () => {
    const second = h1Client(secondPort);
    try {
      return (JSON.parse((await second({ path: '/' })).body) as Echo).server === 'v2';
    } catch {
      return false;
    } finally {
      await second.close();
    }
  });
});

t.test('a resource re-sent unchanged is not compiled again', async (t) => {
  const before = { ...xds.stats };
  const secondPort = proxy.listenerAddresses().find((l) => l.name === 'second')!.port;
  // version 5: the same listeners and clusters; only the route changes
  server.setSnapshot(
    '*',
    createSnapshot('5', {
      listeners: [xdsRdsListener('main', mainPort, '80', V3), xdsRdsListener('second', secondPort, '80', V3)],
      routes: [routes([['/', 'c1']])],
      clusters: [xdsStaticCluster('c1', v1.port), xdsStaticCluster('late', v2.port)],
    }),
  );
  await until('RDS version 5 ACKed', () =>
    acked('type.googleapis.com/envoy.config.route.v3.RouteConfiguration', '5'),
  );
  await until('CDS and LDS version 5 ACKed', () => acked(CLUSTER_TYPE, '5') && acked(LISTENER_TYPE, '5'));
  t.same(await get('/'), { status: 200, server: 'v1' });
  t.equal(xds.stats.clustersCompiled, before.clustersCompiled, 'no cluster compiled');
  t.equal(xds.stats.listenersCompiled, before.listenersCompiled + 2, 'the two listeners using the new route');
  t.equal(xds.stats.validated, before.validated + 1, 'only the route configuration validated');
});
