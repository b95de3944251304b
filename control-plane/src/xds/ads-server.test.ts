import { once } from 'node:events';
import t, { type Test } from 'tap';
import { AdsServer } from './ads-server.ts';
import { TestAdsClient } from './ads-test-client.ts';
import {
  CLUSTER_TYPE,
  createSnapshot,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
  resourcesOf,
} from './snapshot.ts';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function cluster(name: string): object {
  return {
    name,
    type: 'EDS',
    connect_timeout: { seconds: '1', nanos: 0 },
    eds_cluster_config: { eds_config: { ads: {} } },
  };
}

function route(name: string, clusterName: string): object {
  return {
    name,
    virtual_hosts: [
      { name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName } }] },
    ],
  };
}

function listener(name: string, routeName: string): object {
  return {
    name,
    api_listener: {
      api_listener: { '@type': HCM, rds: { route_config_name: routeName, config_source: { ads: {} } } },
    },
  };
}

function endpoints(clusterName: string, port: number): object {
  return {
    cluster_name: clusterName,
    endpoints: [
      {
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: port } } } },
        ],
      },
    ],
  };
}

async function setup(t: Test, ...nodeIds: string[]) {
  const server = new AdsServer({ shutdownGraceMs: 500 });
  const port = await server.start({ host: '127.0.0.1', port: 0 });
  const clients = nodeIds.map((id) => new TestAdsClient(`127.0.0.1:${port}`, id));
  t.teardown(async () => {
    for (const client of clients) client.close();
    await server.stop();
  });
  return { server, clients };
}

/** Resolves with the first server event matching `predicate`, bounded by a timeout. */
async function serverEvent<K extends 'ack' | 'nack'>(
  server: AdsServer,
  name: K,
  predicate: (record: { nodeId: string; typeUrl: string; version: string }) => boolean,
  timeoutMs = 3_000,
) {
  const signal = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const [record] = (await once(server, name, { signal })) as [
      { nodeId: string; typeUrl: string; version: string },
    ];
    if (predicate(record)) return record;
  }
}

t.test('wildcard CDS receives every cluster with the snapshot version; ACK advances acked', async (t) => {
  const { server, clients } = await setup(t, 'a');
  const [client] = clients as [TestAdsClient];
  server.setSnapshot('*', createSnapshot('v1', { clusters: [cluster('c1'), cluster('c2')] }));
  client.request(CLUSTER_TYPE);
  const response = await client.nextOf(CLUSTER_TYPE);
  t.equal(response.version_info, 'v1');
  t.ok(response.nonce);
  t.same(response.decoded.map((c) => c.name).sort(), ['c1', 'c2']);
  t.equal(response.decoded[0]?.type, 'EDS');
  t.same(response.decoded[0]?.connect_timeout, { seconds: '1', nanos: 0 });
  t.equal(server.status()[0]?.types[CLUSTER_TYPE]?.sent, 'v1');
  t.equal(server.status()[0]?.types[CLUSTER_TYPE]?.acked, undefined);

  const acked = serverEvent(server, 'ack', (r) => r.typeUrl === CLUSTER_TYPE);
  client.ack(response);
  t.equal((await acked).version, 'v1');
  const [status] = server.status();
  t.equal(status?.nodeId, 'a');
  t.ok(status && !Number.isNaN(Date.parse(status.connectedAt)));
  t.same(status?.types[CLUSTER_TYPE], { sent: 'v1', acked: 'v1' });
});

t.test(
  'a NACK is recorded, keeps the acked version and is not retried; a new snapshot is pushed',
  async (t) => {
    const { server, clients } = await setup(t, 'a');
    const [client] = clients as [TestAdsClient];
    server.setSnapshot('*', createSnapshot('v1', { clusters: [cluster('c1')] }));
    client.request(CLUSTER_TYPE);
    const first = await client.nextOf(CLUSTER_TYPE);
    const firstAck = serverEvent(server, 'ack', (r) => r.version === 'v1');
    client.ack(first);
    await firstAck;
    server.setSnapshot('*', createSnapshot('v2', { clusters: [cluster('c1'), cluster('bad')] }));
    const second = await client.nextOf(CLUSTER_TYPE);
    t.equal(second.version_info, 'v2');
    t.not(second.nonce, first.nonce, 'nonce is unique per response');

    const nacked = serverEvent(server, 'nack', () => true);
    client.nack(second, 'cluster bad: unsupported', 'v1');
    const record = await nacked;
    t.same(record, {
      nodeId: 'a',
      typeUrl: CLUSTER_TYPE,
      version: 'v2',
      nonce: second.nonce,
      message: 'cluster bad: unsupported',
    });
    t.same(server.nacks(), [record]);
    t.same(server.status()[0]?.types[CLUSTER_TYPE], {
      sent: 'v2',
      acked: 'v1',
      nacked: { version: 'v2', message: 'cluster bad: unsupported' },
    });
    await t.rejects(client.nextOf(CLUSTER_TYPE, 300), 'the rejected version is not sent again');

    server.setSnapshot('*', createSnapshot('v3', { clusters: [cluster('c1')] }));
    const third = await client.nextOf(CLUSTER_TYPE);
    t.equal(third.version_info, 'v3');
    const acked = serverEvent(server, 'ack', (r) => r.version === 'v3');
    client.ack(third);
    await acked;
    t.same(server.status()[0]?.types[CLUSTER_TYPE], { sent: 'v3', acked: 'v3' }, 'an ACK clears the NACK');
  },
);

t.test('a request with a stale nonce is ignored', async (t) => {
  const { server, clients } = await setup(t, 'a');
  const [client] = clients as [TestAdsClient];
  server.setSnapshot('*', createSnapshot('v1', { clusters: [cluster('c1')] }));
  client.request(CLUSTER_TYPE);
  const first = await client.nextOf(CLUSTER_TYPE);
  server.setSnapshot('*', createSnapshot('v2', { clusters: [cluster('c2')] }));
  const second = await client.nextOf(CLUSTER_TYPE);
  client.nack(first, 'late NACK of v1');
  client.ack(second);
  await serverEvent(server, 'ack', (r) => r.version === 'v2');
  t.same(server.nacks(), [], 'the NACK for an old nonce was dropped');
  t.same(server.status()[0]?.types[CLUSTER_TYPE], { sent: 'v2', acked: 'v2' });
});

t.test('a per-node snapshot goes only to that node and overrides *', async (t) => {
  const { server, clients } = await setup(t, 'a', 'b');
  const [a, b] = clients as [TestAdsClient, TestAdsClient];
  server.setSnapshot('*', createSnapshot('all-1', { clusters: [cluster('shared')] }));
  a.request(CLUSTER_TYPE);
  b.request(CLUSTER_TYPE);
  t.equal((await a.nextOf(CLUSTER_TYPE)).version_info, 'all-1');
  t.equal((await b.nextOf(CLUSTER_TYPE)).version_info, 'all-1');

  server.setSnapshot('b', createSnapshot('b-1', { clusters: [cluster('only-b')] }));
  const forB = await b.nextOf(CLUSTER_TYPE);
  t.equal(forB.version_info, 'b-1');
  t.same(
    forB.decoded.map((c) => c.name),
    ['only-b'],
  );
  await t.rejects(a.nextOf(CLUSTER_TYPE, 300), 'node a is not pushed');

  server.setSnapshot('*', createSnapshot('all-2', { clusters: [cluster('shared')] }));
  t.equal((await a.nextOf(CLUSTER_TYPE)).version_info, 'all-2');
  await t.rejects(b.nextOf(CLUSTER_TYPE, 300), 'node b keeps its own snapshot');

  server.clearSnapshot('b');
  t.equal((await b.nextOf(CLUSTER_TYPE)).version_info, 'all-2', 'cleared node falls back to *');
});

t.test('RDS by name receives only the requested names; a new name set is answered', async (t) => {
  const { server, clients } = await setup(t, 'a');
  const [client] = clients as [TestAdsClient];
  server.setSnapshot(
    '*',
    createSnapshot('v1', { routes: [route('r1', 'c1'), route('r2', 'c2'), route('r3', 'c3')] }),
  );
  client.request(ROUTE_TYPE, ['r2']);
  const first = await client.nextOf(ROUTE_TYPE);
  t.same(
    first.decoded.map((r) => r.name),
    ['r2'],
  );
  t.same(first.decoded[0]?.virtual_hosts, [
    { name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c2' } }] },
  ]);
  client.ack(first, ['r2', 'r3']);
  const second = await client.nextOf(ROUTE_TYPE);
  t.equal(second.version_info, 'v1');
  t.same(second.decoded.map((r) => r.name).sort(), ['r2', 'r3']);
});

t.test('one change to several types goes CDS, EDS, LDS, RDS', async (t) => {
  const { server, clients } = await setup(t, 'a');
  const [client] = clients as [TestAdsClient];
  server.setSnapshot(
    '*',
    createSnapshot('v1', {
      listeners: [listener('l1', 'r1')],
      routes: [route('r1', 'c1')],
      clusters: [cluster('c1')],
      endpoints: [endpoints('c1', 8080)],
    }),
  );
  // Subscribe in the "wrong" order, as a proxy might after a reconnect; an ACK repeats the names.
  const names: Record<string, string[]> = { [ROUTE_TYPE]: ['r1'], [ENDPOINT_TYPE]: ['c1', 'c2'] };
  for (const type of [ROUTE_TYPE, LISTENER_TYPE, ENDPOINT_TYPE, CLUSTER_TYPE])
    client.request(type, names[type]);
  for (const type of [ROUTE_TYPE, LISTENER_TYPE, ENDPOINT_TYPE, CLUSTER_TYPE]) {
    const acked = serverEvent(server, 'ack', (r) => r.typeUrl === type);
    client.ack(await client.nextOf(type), names[type]);
    await acked;
  }
  const listenerResponse = client.received.find((r) => r.type_url === LISTENER_TYPE);
  const hcm = (listenerResponse?.decoded[0]?.api_listener as { api_listener?: Record<string, unknown> })
    ?.api_listener;
  t.equal(hcm?.['@type'], HCM);
  t.same(hcm?.rds, { route_config_name: 'r1', config_source: { ads: {} } });

  const before = client.received.length;
  server.setSnapshot(
    '*',
    createSnapshot('v2', {
      listeners: [listener('l1', 'r1')],
      routes: [route('r1', 'c2')],
      clusters: [cluster('c1'), cluster('c2')],
      endpoints: [endpoints('c1', 8080), endpoints('c2', 9090)],
    }),
  );
  const rds = await client.nextOf(ROUTE_TYPE);
  t.equal(rds.version_info, 'v2');
  const order = client.received.slice(before).map((r) => r.type_url);
  t.same(order, [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE]);
  const eds = client.received[before + 1];
  t.same(eds?.decoded.map((e) => e.cluster_name).sort(), ['c1', 'c2']);
});

t.test('removing a cluster: routes move off it before the cluster goes', async (t) => {
  const { server, clients } = await setup(t, 'a');
  const [client] = clients as [TestAdsClient];
  server.setSnapshot('*', createSnapshot('v1', { routes: [route('r1', 'old')], clusters: [cluster('old')] }));
  client.request(CLUSTER_TYPE);
  client.request(ROUTE_TYPE, ['r1']);
  client.ack(await client.nextOf(CLUSTER_TYPE));
  client.ack(await client.nextOf(ROUTE_TYPE), ['r1']);

  const before = client.received.length;
  server.setSnapshot('*', createSnapshot('v2', { routes: [route('r1', 'new')], clusters: [cluster('new')] }));
  await client.nextOf(ROUTE_TYPE);
  const final = await client.nextOf(CLUSTER_TYPE);
  const pushed = client.received.slice(before);
  t.same(
    pushed.map((r) => [r.type_url, r.version_info]),
    [
      [CLUSTER_TYPE, 'v2+keep'],
      [ROUTE_TYPE, 'v2'],
      [CLUSTER_TYPE, 'v2'],
    ],
  );
  t.same(
    pushed[0]?.decoded.map((c) => c.name).sort(),
    ['new', 'old'],
    'old cluster kept while routes use it',
  );
  t.same(
    final.decoded.map((c) => c.name),
    ['new'],
  );
  const acked = serverEvent(server, 'ack', (r) => r.typeUrl === CLUSTER_TYPE && r.version === 'v2');
  client.ack(final);
  await acked;
});

t.test('one proxy NACKing does not block another', async (t) => {
  const { server, clients } = await setup(t, 'good', 'bad');
  const [good, bad] = clients as [TestAdsClient, TestAdsClient];
  server.setSnapshot('*', createSnapshot('v1', { clusters: [cluster('c1')] }));
  good.request(CLUSTER_TYPE);
  bad.request(CLUSTER_TYPE);
  const nacked = serverEvent(server, 'nack', (r) => r.nodeId === 'bad');
  bad.nack(await bad.nextOf(CLUSTER_TYPE), 'cannot compile c1');
  await nacked;
  const acked = serverEvent(server, 'ack', (r) => r.nodeId === 'good' && r.version === 'v1');
  good.ack(await good.nextOf(CLUSTER_TYPE));
  await acked;

  server.setSnapshot('*', createSnapshot('v2', { clusters: [cluster('c2')] }));
  t.equal((await good.nextOf(CLUSTER_TYPE)).version_info, 'v2');
  t.equal((await bad.nextOf(CLUSTER_TYPE)).version_info, 'v2');
  const byNode = new Map(server.status().map((s) => [s.nodeId, s.types[CLUSTER_TYPE]]));
  t.equal(byNode.get('good')?.acked, 'v1');
  t.equal(byNode.get('bad')?.acked, undefined);
  t.equal(byNode.get('bad')?.nacked?.message, 'cannot compile c1');
});

t.test('stop() ends every stream and the server', async (t) => {
  const server = new AdsServer({ shutdownGraceMs: 500 });
  const port = await server.start({ host: '127.0.0.1', port: 0 });
  const clients = ['a', 'b'].map((id) => new TestAdsClient(`127.0.0.1:${port}`, id));
  t.teardown(() => {
    for (const client of clients) client.close();
  });
  server.setSnapshot('*', createSnapshot('v1', { clusters: [cluster('c1')] }));
  for (const client of clients) client.request(CLUSTER_TYPE);
  for (const client of clients) await client.nextOf(CLUSTER_TYPE);
  t.equal(server.status().length, 2);
  await server.stop();
  t.same(server.status(), []);
  for (const client of clients) {
    const status = await Promise.race([
      client.ended,
      new Promise<undefined>((resolve) => setTimeout(resolve, 3_000, undefined)),
    ]);
    t.ok(status, `client ${client.nodeId} saw its stream end`);
  }
});

t.test('setSnapshot rejects a resource that cannot be encoded', async (t) => {
  const server = new AdsServer();
  t.throws(() =>
    server.setSnapshot('*', createSnapshot('v1', { clusters: [{ name: 'c', connect_timeout: 'soon' }] })),
  );
  t.same(server.status(), []);
});

t.test('a node that reconnects before its old stream ends is not reported gone', async (t) => {
  const { server, clients } = await setup(t, 'same-node', 'same-node');
  const [first, second] = clients as [TestAdsClient, TestAdsClient];
  const gone: string[] = [];
  server.on('disconnect', ({ nodeId }) => gone.push(nodeId));
  server.setSnapshot('*', createSnapshot('v1', { clusters: [cluster('c1')] }));
  first.request(CLUSTER_TYPE);
  await first.nextOf(CLUSTER_TYPE);
  second.request(CLUSTER_TYPE);
  await second.nextOf(CLUSTER_TYPE);
  first.close();
  await new Promise((r) => setTimeout(r, 200));
  t.same(gone, [], 'the node still has a stream');
  t.equal(server.status().length, 1);
  second.close();
  await new Promise((r) => setTimeout(r, 200));
  t.same(gone, ['same-node'], 'gone with its last stream');
});

t.test('a snapshot set from the connect event answers the first request once, not twice', async (t) => {
  const { server, clients } = await setup(t, 'fresh');
  const [client] = clients as [TestAdsClient];
  server.setSnapshot('*', createSnapshot('v1', { clusters: [cluster('shared')] }));
  server.on('connect', ({ nodeId }) =>
    server.setSnapshot(nodeId, createSnapshot('v1', { clusters: [cluster('own')] })),
  );
  client.request(CLUSTER_TYPE);
  const first = await client.nextOf(CLUSTER_TYPE);
  t.same(
    first.decoded.map((c) => (c as { name: string }).name),
    ['own'],
  );
  await new Promise((r) => setTimeout(r, 300));
  t.equal(client.received.filter((r) => r.type_url === CLUSTER_TYPE).length, 1, 'one CDS response');
});

t.test('equal resources in different snapshots are encoded once', async (t) => {
  const { server } = await setup(t);
  const a = createSnapshot('v1', { clusters: [cluster('c1')] });
  const b = createSnapshot('v1', { clusters: [cluster('c1')] });
  server.setSnapshot('a', a);
  server.setSnapshot('b', b);
  const encode = (s: typeof a) =>
    (server as unknown as { encode(type: string, r: object): unknown }).encode(
      CLUSTER_TYPE,
      [...resourcesOf(s, CLUSTER_TYPE).values()][0]!,
    );
  t.equal(encode(a), encode(b), 'the same encoded Any');
});
