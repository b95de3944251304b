// The sidecar listener model on loopback (the original destination of a connection that was not
// redirected is its local address): use_original_dst hand-off to bind_to_port: false listeners,
// http_inspector choosing the HTTP or the TCP chain with every byte kept, ORIGINAL_DST clusters over
// HTTP (use_http_header) without looping back into the proxy, config updates that keep sockets
// and connections, and the same listeners arriving over xDS. test/interception-netns.test.ts does
// the same through real iptables REDIRECT.
import net from 'node:net';
import t from 'tap';
import { encodeResource } from '../control-plane/src/xds/index.ts';
import { compileBootstrap } from '../proxy/src/compile/runtime.ts';
import { loadBootstrapText } from '../proxy/src/config/index.ts';
import { WeftProxy } from '../proxy/src/proxy.ts';
import { CLUSTER_TYPE, LISTENER_TYPE } from '../proxy/src/xds/ads-client.ts';
import { XdsConfig } from '../proxy/src/xds/xds-config.ts';
import { staticCluster } from './lib/bootstrap.ts';
import { h1Client, h2Client } from './lib/client.ts';
import {
  bootstrapOf,
  HTTP_INSPECTOR,
  HTTP_PROTOCOLS,
  httpChain,
  listener,
  ORIGINAL_DST_FILTER,
  originalDstCluster,
  tcpChain,
} from './lib/listeners.ts';
import { startProxy } from './lib/proxy.ts';
import { startTcpServer, tcpExchange } from './lib/tcp.ts';
import { closedPort, type Echo, startUpstream } from './lib/upstream.ts';

type Obj = Record<string, unknown>;

async function compile(doc: Obj) {
  return compileBootstrap((await loadBootstrapText(JSON.stringify(doc), 'test.json')).bootstrap);
}

function portOf(proxy: WeftProxy, name: string): number {
  return proxy.listenerAddresses().find((l) => l.name === name)!.port;
}

const servers = await Promise.all(
  ['virtual', 'exact', 'wild', 'tcp'].map((name) => startTcpServer({ name, mode: 'reply-on-end' })),
);
const tcpSrv = servers[3]!;
const echo = await startTcpServer({ name: 'echo' });
const banner = await startTcpServer({ name: 'mysql', mode: 'banner' });
const upstream = await startUpstream({ name: 'web' });
const other = await startUpstream({ name: 'other' });
t.teardown(() => Promise.all([...servers, echo, banner, upstream, other].map((s) => s.close())));
const clusters = [
  ...servers.map((s) => staticCluster(s.name, [s.port])),
  staticCluster('echo', [echo.port]),
  staticCluster('mysql', [banner.port]),
  staticCluster('web', [upstream.port]),
];

t.test('use_original_dst hands a connection to the listener of its original destination', async (t) => {
  const port = await closedPort();
  const virtual = listener('virtual', '127.0.0.1', port, [tcpChain('virtual', 'virtual')], {
    use_original_dst: true,
    listener_filters: [ORIGINAL_DST_FILTER],
    traffic_direction: 'OUTBOUND',
  });
  const unbound = (name: string, host: string, p = port) =>
    listener(name, host, p, [tcpChain(name, name)], { bind_to_port: false });
  const running = await startProxy(
    bootstrapOf([virtual, unbound('exact', '127.0.0.1'), unbound('wild', '0.0.0.0')], clusters),
  );
  t.teardown(() => running.close());
  const { proxy } = running;
  t.same(
    proxy.listenerAddresses().map((l) => [l.name, l.bound]),
    [
      ['virtual', true],
      ['exact', false],
      ['wild', false],
    ],
    'only the virtual listener binds (the others would have collided with it)',
  );
  const send = async () => (await tcpExchange(port, 'hello')).data.toString();
  t.equal(await send(), 'exact:5', 'an exact address:port wins');

  await proxy.apply(await compile(bootstrapOf([virtual, unbound('wild', '0.0.0.0')], clusters)));
  t.equal(await send(), 'wild:5', 'then the wildcard address on that port');
  t.equal(portOf(proxy, 'virtual'), port);

  const elsewhere = await closedPort();
  await proxy.apply(await compile(bootstrapOf([virtual, unbound('wild', '0.0.0.0', elsewhere)], clusters)));
  t.equal(await send(), 'virtual:5', 'no listener for the destination: the virtual listener serves it');

  const noOriginalDst = { ...virtual, listener_filters: [] };
  await proxy.apply(await compile(bootstrapOf([noOriginalDst, unbound('exact', '127.0.0.1')], clusters)));
  t.equal(await send(), 'virtual:5', 'without original_dst the destination is never restored: no hand-off');

  const handed = proxy.stats.allListeners;
  t.match(
    [...handed].find((s) => s.name === 'virtual'),
    { handedOff: 2, direction: 'OUTBOUND' },
  );
});

t.test('a bind_to_port: false listener alone accepts nothing', async (t) => {
  const port = await closedPort();
  const running = await startProxy(
    bootstrapOf(
      [listener('quiet', '127.0.0.1', port, [tcpChain('t', 'tcp')], { bind_to_port: false })],
      clusters,
    ),
  );
  t.teardown(() => running.close());
  t.equal((await tcpExchange(port, 'x')).error, 'ECONNREFUSED');
});

t.test('http_inspector: HTTP to the HTTP chain, anything else to the TCP chain, bytes intact', async (t) => {
  const sniffing = listener(
    'outbound_8080',
    '127.0.0.1',
    0,
    [
      httpChain('outbound_http', 'web', { application_protocols: HTTP_PROTOCOLS }),
      tcpChain('outbound_tcp', 'echo'),
    ],
    { listener_filters: [HTTP_INSPECTOR] },
  );
  const serverFirst = (name: string, continueOnTimeout: boolean) =>
    listener(
      name,
      '127.0.0.1',
      0,
      [httpChain(name, 'web', { application_protocols: HTTP_PROTOCOLS }), tcpChain(name, 'mysql')],
      {
        listener_filters: [HTTP_INSPECTOR],
        listener_filters_timeout: '0.2s',
        continue_on_listener_filters_timeout: continueOnTimeout,
      },
    );
  const running = await startProxy(
    bootstrapOf([sniffing, serverFirst('server_first', true), serverFirst('strict', false)], clusters),
  );
  t.teardown(() => running.close());
  const port = running.port;

  const h1 = h1Client(port);
  t.teardown(() => h1.close());
  const reply = await h1({ path: '/a', host: 'svc' });
  t.equal(reply.status, 200);
  t.equal(reply.headers['x-chain'], 'outbound_http');
  t.equal((JSON.parse(reply.body) as Echo).path, '/a');
  const h2 = h2Client(port);
  t.teardown(() => h2.close());
  t.equal((await h2({ path: '/b' })).headers['x-chain'], 'outbound_http', 'the h2c preface too');

  const binary = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00]), Buffer.alloc(300_000, 7)]);
  const echoed = await tcpExchange(port, binary);
  t.ok(echoed.data.equals(binary), 'non-HTTP bytes come back intact, the sniffed ones included');
  t.ok(echo.received.at(-1)!.equals(binary), 'and reached the TCP upstream intact');
  const almostHttp = Buffer.from('GET /x\x00\x01 HTTP/1.1\r\n');
  t.ok((await tcpExchange(port, almostHttp)).data.equals(almostHttp), 'HTTP-looking but not HTTP: TCP');

  // A request line that arrives in pieces is waited for.
  const slow = net.connect(port, '127.0.0.1');
  t.teardown(() => slow.destroy());
  const slowReply = new Promise<string>((resolve) => {
    let text = '';
    slow.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\r\n\r\n')) resolve(text);
    });
  });
  slow.write('GE');
  await new Promise((r) => setTimeout(r, 100));
  slow.write('T /slow HTTP/1.1\r\nhost: svc\r\n\r\n');
  t.match(await slowReply, /^HTTP\/1\.1 200 OK\r\n[\s\S]*x-chain: outbound_http/);

  const first = await tcpExchange(portOf(running.proxy, 'server_first'), '', { end: false, expectBytes: 12 });
  t.same(
    first,
    { data: Buffer.from('mysql ready\n') },
    'a server-first protocol gets through once the inspector times out',
  );
  const strict = await tcpExchange(portOf(running.proxy, 'strict'), '', { end: false, timeoutMs: 3000 });
  t.equal(strict.data.length, 0, 'without continue_on_listener_filters_timeout the connection is closed');
  t.not(strict.error, 'TIMEOUT');
});

t.test('ORIGINAL_DST over HTTP: x-envoy-original-dst-host picks the upstream; idle hosts go', async (t) => {
  const passthrough = originalDstCluster('PassthroughCluster', {
    original_dst_lb_config: { use_http_header: true },
    cleanup_interval: '0.1s',
  });
  const chains = [httpChain('passthrough_http', 'PassthroughCluster')];
  const running = await startProxy(
    bootstrapOf(
      [
        listener('plain', '127.0.0.1', 0, chains),
        listener('restoring', '127.0.0.1', 0, chains, { listener_filters: [ORIGINAL_DST_FILTER] }),
        listener('tcp', '127.0.0.1', 0, [tcpChain('passthrough_tcp', 'PassthroughCluster')], {
          listener_filters: [ORIGINAL_DST_FILTER],
        }),
      ],
      [passthrough],
    ),
  );
  t.teardown(() => running.close());
  const client = h1Client(running.port);
  t.teardown(() => client.close());
  const to = (p: number) => ({ headers: { 'x-envoy-original-dst-host': `127.0.0.1:${p}` } });
  t.equal((JSON.parse((await client(to(upstream.port))).body) as Echo).server, 'web');
  t.equal((JSON.parse((await client(to(other.port))).body) as Echo).server, 'other');
  t.equal((await client()).status, 503, 'no header and no restored destination: no upstream');
  const restoring = h1Client(portOf(running.proxy, 'restoring'));
  t.teardown(() => restoring.close());
  t.equal(
    (await restoring()).status,
    503,
    'a connection that was not redirected is never sent back into the proxy',
  );
  const tcp = await tcpExchange(portOf(running.proxy, 'tcp'), 'x');
  t.equal(tcp.error, 'ECONNRESET', 'nor is a TCP one: it is reset');

  const hosts = running.proxy.clusters.current.get('PassthroughCluster')!.state.originalDst!;
  t.equal([...hosts.current].length, 2);
  const deadline = Date.now() + 5000;
  while ([...hosts.current].length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal([...hosts.current].length, 0, 'hosts unused for a cleanup_interval are removed');
});

t.test('a new version keeps the socket, open connections and keep-alive clients', async (t) => {
  const hold = await startTcpServer({ name: 'hold', mode: 'echo' });
  t.teardown(() => hold.close());
  const doc = (tcpCluster: string, httpCluster: string) =>
    bootstrapOf(
      [
        listener(
          'svc',
          '127.0.0.1',
          0,
          [
            httpChain('http', httpCluster, { application_protocols: HTTP_PROTOCOLS }),
            tcpChain('tcp', tcpCluster),
          ],
          {
            listener_filters: [HTTP_INSPECTOR],
          },
        ),
      ],
      [...clusters, staticCluster('hold', [hold.port]), staticCluster('other', [other.port])],
    );
  const running = await startProxy(doc('hold', 'web'));
  t.teardown(() => running.close());
  const port = running.port;
  const keepAlive = h1Client(port);
  t.teardown(() => keepAlive.close());
  t.equal((JSON.parse((await keepAlive()).body) as Echo).server, 'web');
  const open = net.connect(port, '127.0.0.1');
  t.teardown(() => open.destroy());
  const echoes: string[] = [];
  open.on('data', (c: Buffer) => echoes.push(c.toString()));
  open.write('\x00before');
  while (echoes.join('') !== '\x00before') await new Promise((r) => setTimeout(r, 10));

  await running.proxy.apply(await compile(doc('echo', 'other')));
  t.equal(portOf(running.proxy, 'svc'), port, 'same socket');
  open.write('after');
  while (!echoes.join('').endsWith('after')) await new Promise((r) => setTimeout(r, 10));
  t.equal(
    hold.received.at(-1)!.toString(),
    '\x00beforeafter',
    'the open TCP connection stays on its version',
  );
  t.equal((await tcpExchange(port, '\x00new')).data.toString(), '\x00new');
  t.equal(echo.received.at(-1)!.toString(), '\x00new', 'new connections use the new cluster');
  t.equal(
    (JSON.parse((await keepAlive()).body) as Echo).server,
    'other',
    'the keep-alive client sees the new routes',
  );
});

t.test('the same listeners and clusters arrive over xDS', async (t) => {
  const xds = new XdsConfig();
  const encode = (type: string, resources: Obj[]) =>
    resources.map((r) => ({ type_url: type, value: encodeResource(type, r) }));
  const oneSecond = { connect_timeout: { seconds: 1 } };
  const xdsClusters = [
    staticCluster('tcp', [tcpSrv.port], oneSecond),
    originalDstCluster('PassthroughCluster', oneSecond),
  ];
  xds.accept(CLUSTER_TYPE, encode(CLUSTER_TYPE, xdsClusters), '1');
  // protobufjs object form, as a control plane encodes it: wrapper types are messages
  const port1 = { destination_port: { value: 1 } };
  const virtual = listener(
    'virtualOutbound',
    '127.0.0.1',
    0,
    [tcpChain('tcp', 'tcp', { max_connect_attempts: { value: 2 } }, port1)],
    {
      use_original_dst: { value: true },
      traffic_direction: 'OUTBOUND',
      listener_filters: [ORIGINAL_DST_FILTER, HTTP_INSPECTOR],
      default_filter_chain: tcpChain('virtual_default', 'tcp'),
    },
  );
  const { config } = xds.accept(LISTENER_TYPE, encode(LISTENER_TYPE, [virtual]), '1');
  const proxy = new WeftProxy();
  t.teardown(() => proxy.stop(0));
  await proxy.apply(config);
  t.equal((await tcpExchange(portOf(proxy, 'virtualOutbound'), 'xds!')).data.toString(), 'tcp:4');

  const duplicate = {
    ...virtual,
    filter_chains: [tcpChain('a', 'tcp', {}, port1), tcpChain('b', 'tcp', {}, port1)],
  };
  t.throws(() => xds.accept(LISTENER_TYPE, encode(LISTENER_TYPE, [duplicate]), '2'), {
    message:
      /^Listener\(virtualOutbound\)\.filter_chains\[1\]\.filter_chain_match: matches the same connections as Listener\(virtualOutbound\)\.filter_chains\[0\]/,
  });
});
