// weft-proxy in control-plane mode against the ADS server: listeners, RDS routes, EDS clusters over
// one real gRPC stream; updates applied; a bad update NACKed while the last good config keeps
// serving; the proxy keeps serving while the control plane is down and resumes when it returns.
import t from 'tap';
import { AdsServer } from '../control-plane/src/xds/ads-server.ts';
import { createSnapshot } from '../control-plane/src/xds/snapshot.ts';
import { WeftProxy } from '../proxy/src/proxy.ts';
import { connectXds } from '../proxy/src/xds/index.ts';
import { HCM, ROUTER } from './lib/bootstrap.ts';
import { h1Client } from './lib/client.ts';
import { closedPort, type Echo, startUpstream } from './lib/upstream.ts';

const v1 = await startUpstream({ name: 'v1' });
const v2 = await startUpstream({ name: 'v2' });
t.teardown(() => Promise.all([v1.close(), v2.close()]));
const listenPort = await closedPort();

function snapshot(
  version: string,
  opts: { weights: [number, number]; extraRouteField?: Record<string, unknown> },
) {
  return createSnapshot(version, {
    listeners: [
      {
        name: 'outbound_0.0.0.0_80',
        address: { socket_address: { address: '127.0.0.1', port_value: listenPort } },
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': HCM,
                  stat_prefix: 'outbound',
                  rds: { route_config_name: '80', config_source: { ads: {}, resource_api_version: 'V3' } },
                  http_filters: [ROUTER],
                },
              },
            ],
          },
        ],
      },
    ],
    routes: [
      {
        name: '80',
        virtual_hosts: [
          {
            name: 'reviews',
            domains: ['*'],
            routes: [
              {
                name: 'canary',
                match: { prefix: '/', ...opts.extraRouteField },
                route: {
                  weighted_clusters: {
                    clusters: [
                      {
                        name: 'outbound|80|v1|reviews.default.svc.cluster.local',
                        weight: { value: opts.weights[0] },
                      },
                      {
                        name: 'outbound|80|v2|reviews.default.svc.cluster.local',
                        weight: { value: opts.weights[1] },
                      },
                    ],
                  },
                },
              },
            ],
          },
        ],
      },
    ],
    clusters: ['v1', 'v2'].map((subset) => ({
      name: `outbound|80|${subset}|reviews.default.svc.cluster.local`,
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: { seconds: 1 },
    })),
    endpoints: [
      { subset: 'v1', port: v1.port },
      { subset: 'v2', port: v2.port },
    ].map(({ subset, port }) => ({
      cluster_name: `outbound|80|${subset}|reviews.default.svc.cluster.local`,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } },
          ],
        },
      ],
    })),
  });
}

const server = new AdsServer();
let xdsPort = await server.start({ host: '127.0.0.1', port: 0 });
server.setSnapshot('*', snapshot('1', { weights: [100, 0] }));
const proxy = new WeftProxy();
const events: Array<{ kind: string; typeUrl?: string; error?: string }> = [];
const connection = connectXds(
  proxy,
  `127.0.0.1:${xdsPort}`,
  { id: 'sidecar~127.0.0.1~reviews-0.default', metadata: { NAMESPACE: 'default' } },
  {
    onEvent: (e) => events.push(e),
  },
);
t.teardown(async () => {
  connection.close();
  await proxy.stop(0);
  await server.stop();
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const client = h1Client(listenPort);
t.teardown(() => client.close());
const served = async () => {
  try {
    return (JSON.parse((await client({ path: '/' })).body) as Echo).server;
  } catch {
    return undefined;
  }
};

t.test('listener, RDS routes and EDS endpoints arrive and serve traffic', async (t) => {
  await until('the listener to serve', async () => (await served()) === 'v1');
  t.ok(proxy.ready);
  t.ok(
    events.some((e) => e.kind === 'ack'),
    'updates were ACKed',
  );
});

t.test('a new snapshot shifts the canary weights', async (t) => {
  server.setSnapshot('*', snapshot('2', { weights: [0, 100] }));
  await until('traffic on v2', async () => (await served()) === 'v2');
  t.equal(await served(), 'v2');
});

t.test('an update the proxy cannot compile is NACKed and the last good config keeps serving', async (t) => {
  const nacksBefore = events.filter((e) => e.kind === 'nack').length;
  // a regex RE2 rejects (backreference): valid proto, invalid config
  server.setSnapshot(
    '*',
    snapshot('3', {
      weights: [100, 0],
      extraRouteField: { prefix: undefined, safe_regex: { regex: '(a)\\1' } },
    }),
  );
  await until('a NACK', () => events.filter((e) => e.kind === 'nack').length > nacksBefore);
  const nack = events.filter((e) => e.kind === 'nack').at(-1)!;
  t.match(nack.error, /RouteConfiguration\(80\)/);
  t.equal(await served(), 'v2', 'still on the last good config');
  await until('the server to record the NACK', () => server.nacks().length > 0);
});

t.test('the weft-proxy executable in control-plane mode serves what the server sends', async (t) => {
  const { runCli } = await import('./lib/proxy.ts');
  const port = await closedPort();
  const cliServer = new AdsServer();
  const cliXds = await cliServer.start({ host: '127.0.0.1', port: 0 });
  t.teardown(() => cliServer.stop());
  const snap = snapshot('cli-1', { weights: [0, 100] });
  const listener = snap.resources
    .get('type.googleapis.com/envoy.config.listener.v3.Listener')!
    .get('outbound_0.0.0.0_80') as {
    address: { socket_address: { port_value: number } };
  };
  listener.address.socket_address.port_value = port;
  cliServer.setSnapshot('sidecar~cli', snap);
  const run = runCli([
    '--control-plane',
    `127.0.0.1:${cliXds}`,
    '--node-id',
    'sidecar~cli',
    '--admin-port',
    '0',
    '--labels',
    'app=reviews,version=v1',
  ]);
  t.teardown(() => {
    run.child.kill('SIGKILL');
  });
  const cli = h1Client(port);
  t.teardown(() => cli.close());
  await until(
    'the process to serve',
    async () => {
      try {
        return (JSON.parse((await cli({ path: '/' })).body) as Echo).server === 'v2';
      } catch {
        return false;
      }
    },
    15_000,
  );
  t.ok(
    cliServer.status().some((p) => p.nodeId === 'sidecar~cli'),
    'the server sees the node',
  );
  run.child.kill('SIGTERM');
  t.equal(await run.exited, 0, 'SIGTERM drains and exits 0');
});

t.test('the control plane goes away: the proxy keeps serving, then resumes', async (t) => {
  await server.stop();
  t.equal(await served(), 'v2', 'serving without a control plane');
  const again = new AdsServer();
  xdsPort = await again.start({ host: '127.0.0.1', port: xdsPort });
  t.teardown(() => again.stop());
  again.setSnapshot('*', snapshot('4', { weights: [100, 0] }));
  await until('reconnect and apply', async () => (await served()) === 'v1', 15_000);
  t.ok(events.some((e) => e.kind === 'disconnected'));
});
