// WeftProxy.apply is atomic: a version whose listener cannot bind changes nothing — the old
// listeners keep serving through the old pools, none of which is closed — and a version that
// applies closes the pools it no longer has only after the swap.
import net from 'node:net';
import t from 'tap';
import { compileBootstrap } from '../proxy/src/compile/runtime.ts';
import { loadBootstrapText } from '../proxy/src/config/index.ts';
import { WeftProxy } from '../proxy/src/proxy.ts';
import { anyHost, HCM, ROUTER, staticCluster } from './lib/bootstrap.ts';
import { h1Client } from './lib/client.ts';
import { closedPort, type Echo, startUpstream } from './lib/upstream.ts';

type Obj = Record<string, unknown>;
const v1 = await startUpstream({ name: 'v1' });
const v2 = await startUpstream({ name: 'v2' });
t.teardown(() => Promise.all([v1.close(), v2.close()]));

function listener(name: string, address: string, port: number, cluster: string): Obj {
  const routeConfig = { name, virtual_hosts: [anyHost([{ match: { prefix: '/' }, route: { cluster } }])] };
  return {
    name,
    address: { socket_address: { address, port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: name,
              route_config: routeConfig,
              http_filters: [ROUTER],
            },
          },
        ],
      },
    ],
  };
}

async function compile(listeners: Obj[], clusters: Obj[]) {
  const doc = { static_resources: { listeners, clusters } };
  return compileBootstrap((await loadBootstrapText(JSON.stringify(doc), 'apply.json')).bootstrap);
}

const mainPort = await closedPort();
const blocker = net.createServer();
await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
const takenPort = (blocker.address() as net.AddressInfo).port;
const proxy = new WeftProxy();
const client = h1Client(mainPort);
t.teardown(async () => {
  await client.close();
  await proxy.stop(0);
  if (blocker.listening) await new Promise<void>((resolve) => blocker.close(() => resolve()));
});

async function serverOn(c: typeof client = client): Promise<string | undefined> {
  try {
    return (JSON.parse((await c({ path: '/' })).body) as Echo).server;
  } catch {
    return undefined;
  }
}

const first = await compile(
  [listener('main', '127.0.0.1', mainPort, 'c1')],
  [staticCluster('c1', [v1.port])],
);
await proxy.apply(first);

t.test('a bind failure rolls the whole version back', async (t) => {
  t.equal(await serverOn(), 'v1');
  const endpoint = proxy.clusters.current.get('c1')!.endpoints[0]!;
  // removes c1, moves main to c2, and adds a listener on a port another socket holds
  const second = await compile(
    [listener('main', '127.0.0.1', mainPort, 'c2'), listener('taken', '127.0.0.1', takenPort, 'c2')],
    [staticCluster('c2', [v2.port])],
  );
  await t.rejects(proxy.apply(second), { code: 'EADDRINUSE' });
  t.equal(proxy.config, first, 'the first version is still current');
  t.same([...proxy.clusters.current.keys()], ['c1']);
  t.equal(proxy.clusters.current.get('c1')!.endpoints[0], endpoint, 'the same host');
  t.notOk(endpoint.pool.closed || endpoint.pool.destroyed, 'its pool is open');
  for (let i = 0; i < 3; i++) t.equal(await serverOn(), 'v1', `request ${i} still reaches v1`);
  t.same(
    proxy.listenerAddresses().map((l) => l.name),
    ['main'],
  );

  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  await proxy.apply(second);
  t.equal(await serverOn(), 'v2', 'once the port is free the version applies');
  t.ok(endpoint.pool.closed || endpoint.pool.destroyed, 'and the pool it no longer has is closed');
  const taken = h1Client(takenPort);
  t.teardown(() => taken.close());
  t.equal(await serverOn(taken), 'v2');
});

t.test('a listener moving to another address on its port takes the port over', async (t) => {
  const moved = await compile(
    [listener('main', '0.0.0.0', mainPort, 'c1')],
    [staticCluster('c1', [v1.port])],
  );
  await proxy.apply(moved);
  t.same(
    proxy.listenerAddresses().map((l) => `${l.name} ${l.address}:${l.port}`),
    [`main 0.0.0.0:${mainPort}`],
  );
  const fresh = h1Client(mainPort);
  t.teardown(() => fresh.close());
  t.equal(await serverOn(fresh), 'v1');
});
