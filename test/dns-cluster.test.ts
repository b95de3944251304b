// STRICT_DNS and LOGICAL_DNS clusters end to end: the real proxy resolves `localhost` with node:dns
// and forwards to a real upstream on 127.0.0.1, over HTTP/1.1 and HTTP/2; then the same through the
// control plane: a DNS ServiceEntry and its VirtualService (with a corsPolicy), translated and served
// over xDS to a proxy in control-plane mode.
import t from 'tap';
import { loadResources } from '../control-plane/src/model/index.ts';
import { translate } from '../control-plane/src/translate/index.ts';
import { AdsServer, createSnapshot } from '../control-plane/src/xds/index.ts';
import { compileBootstrap } from '../proxy/src/compile/runtime.ts';
import { loadBootstrapText } from '../proxy/src/config/index.ts';
import { WeftProxy } from '../proxy/src/proxy.ts';
import { connectXds } from '../proxy/src/xds/index.ts';
import { anyHost, bootstrap } from './lib/bootstrap.ts';
import { h1Client, PROTOCOLS } from './lib/client.ts';
import { expectConfigError } from './lib/expect-config-error.ts';
import { startProxy } from './lib/proxy.ts';
import { closedPort, startUpstream } from './lib/upstream.ts';

function dnsCluster(name: string, type: 'STRICT_DNS' | 'LOGICAL_DNS', hosts: Array<[string, number]>) {
  return {
    name,
    type,
    connect_timeout: '1s',
    dns_lookup_family: 'V4_ONLY',
    dns_refresh_rate: '0.1s',
    respect_dns_ttl: true,
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: hosts.map(([address, port]) => ({
            endpoint: { address: { socket_address: { address, port_value: port } } },
          })),
        },
      ],
    },
  };
}

const up = await startUpstream({ name: 'app' });
t.teardown(() => up.close());

const proxy = await startProxy(
  bootstrap({
    clusters: [
      dnsCluster('strict', 'STRICT_DNS', [
        ['localhost', up.port],
        ['127.0.0.1', up.port],
      ]),
      dnsCluster('logical', 'LOGICAL_DNS', [['localhost', up.port]]),
      dnsCluster('nowhere', 'STRICT_DNS', [['no-such-host.invalid', up.port]]),
    ],
    virtualHosts: [
      anyHost([
        { name: 'strict', match: { prefix: '/strict' }, route: { cluster: 'strict' } },
        {
          name: 'logical',
          match: { prefix: '/logical' },
          route: { cluster: 'logical', auto_host_rewrite: true },
        },
        { name: 'nowhere', match: { prefix: '/nowhere' }, route: { cluster: 'nowhere' } },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());

const hostsOf = (cluster: string) =>
  proxy.proxy.clusters.current.get(cluster)?.endpoints.map((e) => e.id) ?? [];

t.test('resolved hosts: every address of every name (STRICT_DNS), the first one (LOGICAL_DNS)', async (t) => {
  // No waiting: the config goes live only once its DNS clusters have answered (Envoy's warming).
  t.same(hostsOf('strict'), [`127.0.0.1:${up.port}`, `127.0.0.1:${up.port}`]);
  t.same(hostsOf('logical'), [`127.0.0.1:${up.port}`]);
  t.same(hostsOf('nowhere'), [], 'a name that does not resolve has no hosts');
  const res = await fetch(`http://127.0.0.1:${proxy.adminPort}/clusters`);
  const text = await res.text();
  t.match(text, `strict::127.0.0.1:${up.port}::`);
  t.match(text, `logical::127.0.0.1:${up.port}::`);
});

for (const { name, connect } of PROTOCOLS) {
  t.test(name, async (t) => {
    const client = connect(proxy.port);
    t.teardown(() => client.close());

    t.test('STRICT_DNS forwards to the resolved addresses', async (t) => {
      for (let i = 0; i < 4; i++) {
        const r = await client({ path: '/strict' });
        t.equal(r.status, 200);
        t.equal(r.headers['x-upstream'], 'app');
      }
    });

    t.test("LOGICAL_DNS forwards, and auto_host_rewrite uses the host's DNS name", async (t) => {
      const r = await client({ path: '/logical', host: 'original.example' });
      t.equal(r.status, 200);
      t.equal(JSON.parse(r.body).headers.host, 'localhost', 'the upstream speaks HTTP/1.1: Host');
    });

    t.test('a cluster whose name does not resolve answers 503 UH', async (t) => {
      const r = await client({ path: '/nowhere' });
      t.equal(r.status, 503);
      t.equal(r.body, 'no healthy upstream');
    });
  });
}

t.test('hosts stay the same object across refreshes (pools are kept)', async (t) => {
  const before = proxy.proxy.clusters.current.get('strict');
  await new Promise((r) => setTimeout(r, 300)); // three refreshes at 0.1 s
  t.equal(proxy.proxy.clusters.current.get('strict'), before, 'unchanged answers do not rebuild the cluster');
});

t.test('a LOGICAL_DNS cluster takes exactly one endpoint', async (t) => {
  const doc = bootstrap({
    clusters: [
      dnsCluster('two', 'LOGICAL_DNS', [
        ['a.example', 80],
        ['b.example', 80],
      ]),
    ],
    virtualHosts: [anyHost([{ name: 'r', match: { prefix: '/' }, route: { cluster: 'two' } }])],
  });
  const loaded = await loadBootstrapText(JSON.stringify(doc), 'dns.json');
  expectConfigError(t, () => compileBootstrap(loaded.bootstrap), {
    path: 'static_resources.clusters[0].load_assignment',
    problem: 'a LOGICAL_DNS cluster connects through exactly one name: give it one endpoint (it has 2)',
  });
});

t.test('a DNS ServiceEntry with a VirtualService, translated and served over xDS', async (t) => {
  const servicePort = await closedPort();
  const { resources, errors } = loadResources(
    `apiVersion: networking.weft.dev/v1
kind: ServiceEntry
metadata: {name: local-api, namespace: default}
spec:
  hosts: [localhost]
  ports: [{number: ${servicePort}, name: http, protocol: HTTP, targetPort: ${up.port}}]
  resolution: DNS
---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: {name: local-api, namespace: default}
spec:
  hosts: [localhost]
  http:
  - name: api
    route: [{destination: {host: localhost}}]
    headers: {response: {set: {x-routed-by: local-api}}}
    corsPolicy: {allowOrigins: [{exact: "https://example.com"}], allowMethods: [GET]}
`,
    'mesh.yaml',
  );
  t.same(errors, []);
  const identity = { nodeId: 'sidecar~127.0.0.1~web.default', namespace: 'default', labels: {} };
  const server = new AdsServer();
  const port = await server.start({ host: '127.0.0.1', port: 0 });
  server.setSnapshot('*', createSnapshot('1', translate(resources, identity)));
  const meshProxy = new WeftProxy();
  const connection = connectXds(meshProxy, `127.0.0.1:${port}`, {
    id: identity.nodeId,
    metadata: { NAMESPACE: 'default' },
  });
  t.teardown(async () => {
    connection.close();
    await meshProxy.stop(0);
    await server.stop();
  });
  const client = h1Client(servicePort);
  t.teardown(() => client.close());
  const cluster = `outbound|${servicePort}||localhost`;
  const deadline = Date.now() + 10_000;
  while (
    (meshProxy.clusters.current.get(cluster)?.endpoints.length ?? 0) === 0 ||
    meshProxy.listenerAddresses().length === 0
  ) {
    if (Date.now() > deadline) throw new Error('the DNS cluster never resolved');
    await new Promise((r) => setTimeout(r, 20));
  }
  const r = await client({
    path: '/x',
    host: `localhost:${servicePort}`,
    headers: { origin: 'https://example.com' },
  });
  t.equal(r.status, 200);
  t.equal(r.headers['x-upstream'], 'app');
  t.equal(r.headers['x-routed-by'], 'local-api');
  t.equal(r.headers['access-control-allow-origin'], 'https://example.com');
  const pre = await client({
    method: 'OPTIONS',
    path: '/x',
    host: 'localhost',
    headers: { origin: 'https://example.com', 'access-control-request-method': 'GET' },
  });
  t.equal(pre.status, 200);
  t.equal(pre.headers['access-control-allow-methods'], 'GET');
  t.equal(pre.headers['x-upstream'], undefined, 'the preflight is answered by the proxy');
});
