// The sidecar listener model through real iptables REDIRECT: pod A (10.99.0.1) runs an app and a
// weft-proxy (uid 1337) behind `weft-proxy init`; pod B (10.99.0.2) runs plain servers. The
// destinations the app dials do not exist as such (10.96.0.x are service VIPs nobody owns), so an
// answer proves the proxy dispatched the connection by its original destination: to the wildcard
// service-port listener (HTTP routed), to an exact IP:port listener (TCP), to the PassthroughCluster
// (the original destination itself), or to the BlackHoleCluster (reset). Inbound, pod B's calls to
// the app go through virtualInbound and reach the app from 127.0.0.6 (upstream_bind_config).
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  address,
  blackHoleCluster,
  HTTP_INSPECTOR,
  HTTP_PROTOCOLS,
  httpChain,
  listener,
  ORIGINAL_DST_FILTER,
  originalDstCluster,
  tcpChain,
} from './lib/listeners.ts';
import { type Namespace, netnsHarness, requirePrivileges } from './lib/netns.ts';

const PROXY_UID = 1337;

// Servers: `http@PORT` answers JSON {server, path, remote}; `echo@PORT` echoes TCP bytes.
const SERVERS = `
const http = require('node:http');
const net = require('node:net');
const [name, ...specs] = process.argv.slice(1);
let pending = specs.length;
const ready = () => { if (--pending === 0) console.log('listening'); };
for (const spec of specs) {
  const [kind, port] = spec.split('@');
  if (kind === 'http') {
    http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ server: name, path: req.url, remote: req.socket.remoteAddress }));
    }).listen(Number(port), '0.0.0.0', ready);
  } else {
    net.createServer({ allowHalfOpen: true }, (s) => { s.pipe(s); }).listen(Number(port), '0.0.0.0', ready);
  }
}
`;

// `http URL` prints {status, chain, body}; `tcp HOST PORT TEXT` prints what came back or ERROR <code>.
const CLIENT = `
const net = require('node:net');
const [kind, ...args] = process.argv.slice(1);
if (kind === 'http') {
  fetch(args[0]).then(async (res) => {
    console.log(JSON.stringify({ status: res.status, chain: res.headers.get('x-chain'), body: await res.text() }));
  }, (err) => console.log(JSON.stringify({ error: String(err.cause?.code ?? err) })));
} else {
  const socket = net.connect({ host: args[0], port: Number(args[1]), allowHalfOpen: true, timeout: 5000 });
  let data = '';
  socket.on('connect', () => socket.end(args[2]));
  socket.on('data', (c) => { data += c; });
  socket.on('end', () => console.log(data));
  socket.on('timeout', () => { console.log('ERROR ETIMEDOUT'); process.exit(); });
  socket.on('error', (err) => console.log('ERROR ' + err.code));
}
`;

async function http(ns: Namespace, url: string) {
  const out = await ns.run([process.execPath, '-e', CLIENT, 'http', url]);
  return JSON.parse(out) as { status?: number; chain?: string | null; body?: string; error?: string };
}

async function tcp(ns: Namespace, host: string, port: number, text: string) {
  return (await ns.run([process.execPath, '-e', CLIENT, 'tcp', host, String(port), text])).trim();
}

function sidecarBootstrap(accessLog: string) {
  const log = [
    {
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
        path: accessLog,
      },
    },
  ];
  const inboundBind = { upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } } };
  const staticOn = (name: string, host: string, port: number) => ({
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: address(host, port) } }] }],
    },
  });
  return {
    admin: { address: address('127.0.0.1', 15000) },
    static_resources: {
      listeners: [
        listener(
          'virtualOutbound',
          '0.0.0.0',
          15001,
          [tcpChain('BlackHoleCluster', 'BlackHoleCluster', {}, { destination_port: 15001 })],
          {
            use_original_dst: true,
            traffic_direction: 'OUTBOUND',
            listener_filters: [ORIGINAL_DST_FILTER],
            default_filter_chain: tcpChain('PassthroughCluster', 'PassthroughCluster', { access_log: log }),
          },
        ),
        listener(
          '0.0.0.0_80',
          '0.0.0.0',
          80,
          [
            httpChain(
              'outbound_http',
              'reviews',
              { application_protocols: HTTP_PROTOCOLS },
              { access_log: log },
            ),
            tcpChain('outbound_tcp', 'reviews'),
          ],
          { bind_to_port: false, traffic_direction: 'OUTBOUND', listener_filters: [HTTP_INSPECTOR] },
        ),
        listener('10.96.0.20_7000', '10.96.0.20', 7000, [tcpChain('exact_tcp', 'echo_b')], {
          bind_to_port: false,
        }),
        listener('0.0.0.0_6000', '0.0.0.0', 6000, [tcpChain('blackhole', 'BlackHoleCluster')], {
          bind_to_port: false,
        }),
        listener(
          'virtualInbound',
          '0.0.0.0',
          15006,
          [
            httpChain(
              'inbound_http',
              'inbound|8080||',
              { destination_port: 8080, application_protocols: HTTP_PROTOCOLS },
              { access_log: log },
            ),
          ],
          {
            traffic_direction: 'INBOUND',
            listener_filters: [ORIGINAL_DST_FILTER, HTTP_INSPECTOR],
            listener_filters_timeout: '0.1s',
            continue_on_listener_filters_timeout: true,
            default_filter_chain: tcpChain('InboundPassthroughClusterIpv4', 'InboundPassthroughClusterIpv4'),
          },
        ),
      ],
      clusters: [
        originalDstCluster('PassthroughCluster'),
        blackHoleCluster(),
        staticOn('reviews', '10.99.0.2', 9000),
        staticOn('echo_b', '10.99.0.2', 9100),
        originalDstCluster('inbound|8080||', inboundBind),
        originalDstCluster('InboundPassthroughClusterIpv4', inboundBind),
      ],
    },
  };
}

t.test('dispatch by original destination through real iptables REDIRECT', { timeout: 120_000 }, async (t) => {
  if (!(await requirePrivileges(t))) return;
  const dir = await mkdtemp(join(tmpdir(), 'weft-netns-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o777); // the proxy runs as uid 1337 and writes its access log here
  const accessLog = join(dir, 'access.log');
  const bootstrap = join(dir, 'bootstrap.json');
  await writeFile(bootstrap, JSON.stringify(sidecarBootstrap(accessLog)));
  await chmod(bootstrap, 0o644);

  const netns = netnsHarness(t);
  const podA = await netns.namespace('pod-a');
  const podB = await netns.namespace('pod-b');
  await netns.link(podA, '10.99.0.1/24', podB, '10.99.0.2/24');
  await podA.run(['ip', 'route', 'add', 'default', 'via', '10.99.0.2']);
  const appA = podA.spawn([process.execPath, '-e', SERVERS, 'app-a', 'http@8080', 'echo@8081']);
  const appB = podB.spawn([process.execPath, '-e', SERVERS, 'app-b', 'http@9000', 'echo@9100']);
  await Promise.all([appA.waitForOutput('listening'), appB.waitForOutput('listening')]);
  const cli = [process.execPath, '--import', 'tsx', 'proxy/src/cli.ts'];
  await podA.run([...cli, 'init']);
  const proxy = podA.spawn([...cli, '--bootstrap', bootstrap], { uid: PROXY_UID });
  await proxy.waitForOutput('"msg":"ready"', 30_000);

  await t.test('outbound', async (t) => {
    const routed = await http(podA, 'http://10.96.0.10/hello');
    t.match(
      routed,
      { status: 200, chain: 'outbound_http' },
      'a VIP on port 80: handed to 0.0.0.0_80, HTTP chain',
    );
    t.match(JSON.parse(routed.body!), { server: 'app-b', path: '/hello' });
    t.equal(await tcp(podA, '10.96.0.20', 7000, 'ping'), 'ping', 'an exact IP:port listener, tcp_proxy');
    t.equal(await tcp(podA, '10.99.0.2', 9100, 'direct'), 'direct', 'no listener: PassthroughCluster');
    const passthroughHttp = await http(podA, 'http://10.99.0.2:9000/p');
    t.match(passthroughHttp, { status: 200, chain: null }, 'HTTP to an unknown port passes through as TCP');
    t.equal(await tcp(podA, '10.96.0.30', 6000, 'x'), 'ERROR ECONNRESET', 'BlackHoleCluster resets');
  });

  await t.test('inbound', async (t) => {
    const inbound = await http(podB, 'http://10.99.0.1:8080/in');
    t.match(inbound, { status: 200, chain: 'inbound_http' }, 'through virtualInbound');
    t.match(
      JSON.parse(inbound.body!),
      { server: 'app-a', path: '/in', remote: '127.0.0.6' },
      'from 127.0.0.6',
    );
    t.equal(await tcp(podB, '10.99.0.1', 8081, 'in-tcp'), 'in-tcp', 'InboundPassthroughClusterIpv4');
  });

  await t.test('stats and access logs tell the directions apart', async (t) => {
    const stats = await podA.run([
      process.execPath,
      '-e',
      "fetch('http://127.0.0.1:15000/stats/prometheus').then((r) => r.text()).then((s) => console.log(s))",
    ]);
    t.match(stats, /envoy_tcp_downstream_cx_total\{envoy_tcp_prefix="PassthroughCluster"\} [1-9]/);
    t.match(stats, /envoy_tcp_downstream_cx_total\{envoy_tcp_prefix="InboundPassthroughClusterIpv4"\} 1/);
    t.match(
      stats,
      /weft_listener_downstream_cx_handed_off\{envoy_listener_address="virtualOutbound",traffic_direction="OUTBOUND"\} 3/,
    );
    let entries: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 50 && entries.length < 3; i++) {
      const text = await readFile(accessLog, 'utf8').catch(() => '');
      entries = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      if (entries.length < 3) await new Promise((r) => setTimeout(r, 50));
    }
    t.ok(entries.some((e) => e.traffic_direction === 'OUTBOUND' && e.path === '/hello'));
    t.ok(entries.some((e) => e.traffic_direction === 'INBOUND' && e.path === '/in'));
    t.ok(entries.some((e) => e.protocol === 'TCP' && e.downstream_local_address === '10.99.0.2:9100'));
  });
});
