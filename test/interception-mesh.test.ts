// Transparent interception end to end, with real iptables in network namespaces (needs root; under
// CI=true missing privileges fail the run). Three "pods" hang off a "node" namespace that routes
// between them and runs the control plane:
//
//   pod-a 10.77.1.2 ── 10.77.1.1 ┐
//   pod-b1 10.77.2.2 ── 10.77.2.1 ├ node (ip_forward, weft-control-plane on :15010, raw TCP servers)
//   pod-b2 10.77.3.2 ── 10.77.3.1 ┘
//
// Each pod runs `weft-proxy init` and a weft-proxy as uid 1337 with --interception redirect; pod-a's
// application is plain `fetch('http://10.96.0.10:9080/')` (the reviews Service's clusterIP, which
// nothing answers), pod-b1/pod-b2 run reviews v1/v2 on 127.0.0.1:9080, reached only through their
// sidecar's inbound listener. Shown: VirtualService weights, header match and fault abort on
// intercepted traffic; the proxies' own connections (to the control plane, to the other pods) are not
// looped back; an excluded port bypasses the proxy; raw TCP passes through intact; a WebSocket works;
// REGISTRY_ONLY refuses unknown destinations; cleanup leaves no rule and no namespace.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { reviewsYaml } from './lib/mesh-yaml.ts';
import { type Namespace, netnsHarness, REPO_ROOT, requirePrivileges } from './lib/netns.ts';

const PROXY_UID = 1337;
const SERVICE_IP = '10.96.0.10';
const tsx = [process.execPath, '--import', 'tsx'];
const proxyCli = [...tsx, join(REPO_ROOT, 'proxy/src/cli.ts')];

// An HTTP app answering JSON {server, path, headers}, and echoing raw bytes after a WebSocket upgrade.
const APP = `
const http = require('node:http');
const crypto = require('node:crypto');
const [name, host, port] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ server: name, path: req.url, headers: req.headers }));
});
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nupgrade: websocket\\r\\nconnection: Upgrade\\r\\nsec-websocket-accept: ' + accept + '\\r\\n\\r\\n');
  socket.on('data', (d) => socket.write(Buffer.concat([Buffer.from(name + ':'), d])));
});
server.listen(Number(port), host, () => console.log('listening'));
`;

// A raw TCP server: answers each chunk with "<name>|<peer address>|<bytes reversed>".
const TCP_SERVER = `
const net = require('node:net');
const [name, port] = process.argv.slice(1);
net.createServer((s) => s.on('data', (d) => s.write(name + '|' + s.remoteAddress + '|' + Buffer.from(d).reverse().toString('latin1'))))
  .listen(Number(port), '0.0.0.0', () => console.log('listening'));
`;

// pod-a's application: N requests, prints {counts by server or status, errors}.
const FETCHER = `
const [url, n, headersJson] = process.argv.slice(1);
const headers = JSON.parse(headersJson || '{}');
(async () => {
  const counts = {};
  for (let i = 0; i < Number(n); i++) {
    let key;
    try {
      const res = await fetch(url, { headers });
      const body = await res.text();
      key = res.status === 200 ? JSON.parse(body).server : 'status ' + res.status;
    } catch (err) { key = 'error ' + (err.cause?.code ?? err.message); }
    counts[key] = (counts[key] ?? 0) + 1;
  }
  console.log(JSON.stringify(counts));
})();
`;

// A raw TCP client: sends its payload, prints the first reply or ERROR <code>.
const TCP_CLIENT = `
const net = require('node:net');
const [host, port, payload] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port), timeout: 5000 }, () => s.write(Buffer.from(payload, 'latin1')));
s.on('data', (d) => { process.stdout.write(d.toString('latin1')); s.destroy(); process.exit(0); });
s.on('timeout', () => { console.log('ERROR ETIMEDOUT'); process.exit(2); });
s.on('error', (e) => { console.log('ERROR ' + e.code); process.exit(2); });
s.on('close', () => { console.log('ERROR closed'); process.exit(2); });
`;

// A WebSocket handshake through the mesh, then one raw message each way.
const WS_CLIENT = `
const http = require('node:http');
const req = http.request({ host: process.argv[1], port: Number(process.argv[2]), headers: {
  connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', host: 'reviews', 'end-user': 'jason' } });
req.on('upgrade', (res, socket) => {
  socket.write('ping');
  socket.once('data', (d) => { console.log(res.statusCode + ' ' + d.toString()); process.exit(0); });
});
req.on('response', (res) => { console.log('no upgrade: ' + res.statusCode); process.exit(2); });
req.on('error', (e) => { console.log('ERROR ' + e.code); process.exit(2); });
req.end();
`;

const meshConfig = (registryOnly: boolean) => `apiVersion: v1
kind: Service
metadata: { name: db }
spec:
  clusterIP: 10.96.0.20
  selector: { app: db }
  ports: [{ name: tcp-db, port: 7100 }]
---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: db-1 }
spec: { address: 10.77.1.1, ports: { tcp-db: 7100 }, labels: { app: db } }
---
${reviewsYaml({
  port: 9080,
  clusterIP: SERVICE_IP,
  workloads: [
    { version: 'v1', address: '10.77.2.2', port: 9080 },
    { version: 'v2', address: '10.77.3.2', port: 9080 },
  ],
})}---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ headers: { end-user: { exact: jason } } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - match: [{ uri: { prefix: /fault } }]
      fault: { abort: { httpStatus: 418, percentage: { value: 50 } } }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - route:
        - { destination: { host: reviews, subset: v1 }, weight: 75 }
        - { destination: { host: reviews, subset: v2 }, weight: 25 }
${
  registryOnly
    ? `---
apiVersion: networking.weft.dev/v1
kind: Sidecar
metadata: { name: default }
spec:
  outboundTrafficPolicy: { mode: REGISTRY_ONLY }
`
    : ''
}`;

async function json<T>(ns: Namespace, script: string, args: string[]): Promise<T> {
  const out = await ns.run([process.execPath, '-e', script, ...args], { timeoutMs: 60_000 });
  return JSON.parse(out.trim()) as T;
}

async function text(ns: Namespace, script: string, args: string[]): Promise<string> {
  const result = await ns.exec([process.execPath, '-e', script, ...args], { timeoutMs: 20_000 });
  return result.stdout.trim();
}

t.test('a sidecar mesh with iptables interception', { timeout: 240_000 }, async (t) => {
  if (!(await requirePrivileges(t))) return;
  const net = netnsHarness(t);
  const node = await net.namespace('node');
  const pods = {
    a: await net.namespace('pod-a'),
    b1: await net.namespace('pod-b1'),
    b2: await net.namespace('pod-b2'),
  };
  const subnets = { a: 1, b1: 2, b2: 3 } as const;
  for (const [name, ns] of Object.entries(pods) as Array<[keyof typeof pods, Namespace]>) {
    const n = subnets[name];
    await net.link(ns, [`10.77.${n}.2/24`, `fd77:${n}::2/64`], node, [`10.77.${n}.1/24`, `fd77:${n}::1/64`]);
    await ns.run(['ip', 'route', 'add', 'default', 'via', `10.77.${n}.1`]);
    await ns.run(['ip', '-6', 'route', 'add', 'default', 'via', `fd77:${n}::1`]);
  }
  await node.run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  await node.run(['sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1']);

  const dir = await mkdtemp(join(tmpdir(), 'weft-intercept-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'mesh.yaml'), meshConfig(false));
  const controlPlane = node.spawn([
    ...tsx,
    join(REPO_ROOT, 'control-plane/src/main.ts'),
    '--config-dir',
    dir,
    '--listen-address',
    '0.0.0.0',
  ]);
  const tcpServer = node.spawn([process.execPath, '-e', TCP_SERVER, 'node-tcp', '7000']);
  const excludedServer = node.spawn([process.execPath, '-e', TCP_SERVER, 'node-excluded', '7001']);
  const dbServer = node.spawn([process.execPath, '-e', TCP_SERVER, 'node-db', '7100']);
  const apps = [
    pods.b1.spawn([process.execPath, '-e', APP, 'v1', '127.0.0.1', '9080']),
    pods.b2.spawn([process.execPath, '-e', APP, 'v2', '127.0.0.1', '9080']),
  ];
  await Promise.all(
    [controlPlane, tcpServer, excludedServer, dbServer, ...apps].map((p) =>
      p.waitForOutput(p === controlPlane ? '"msg":"ready"' : 'listening', 30_000),
    ),
  );

  const labels = { a: 'app=productpage', b1: 'app=reviews,version=v1', b2: 'app=reviews,version=v2' };
  const proxies = [];
  for (const [name, ns] of Object.entries(pods) as Array<[keyof typeof pods, Namespace]>) {
    const n = subnets[name];
    await ns.run([...proxyCli, 'init', '--exclude-outbound-ports', '7001']);
    proxies.push(
      ns.spawn(
        [
          ...proxyCli,
          '--control-plane',
          `10.77.${n}.1:15010`,
          '--node-id',
          `sidecar~10.77.${n}.2~${name}.default~default.svc.cluster.local`,
          '--labels',
          labels[name],
          '--interception',
          'redirect',
        ],
        { uid: PROXY_UID },
      ),
    );
  }
  const fetcher = (path: string, n: number, headers: Record<string, string> = {}) =>
    json<Record<string, number>>(pods.a, FETCHER, [
      `http://${SERVICE_IP}:9080${path}`,
      String(n),
      JSON.stringify(headers),
    ]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    // Ready when both pods' inbound sides answer: v2 by header match, and the weighted route.
    const v2 = await fetcher('/', 1, { 'end-user': 'jason' });
    const probe = v2.v2 === 1 ? await fetcher('/', 10) : v2;
    if ((probe.v1 ?? 0) + (probe.v2 ?? 0) === 10) break;
    if (Date.now() > deadline) {
      t.fail(
        `mesh never routed: ${JSON.stringify(probe)}\n${proxies.map((p) => p.output().slice(-2000)).join('\n---\n')}`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  await t.test('intercepted HTTP to the service IP follows the VirtualService weights', async (t) => {
    const counts = await fetcher('/', 400);
    t.equal((counts.v1 ?? 0) + (counts.v2 ?? 0), 400, `every request answered: ${JSON.stringify(counts)}`);
    t.ok(
      Math.abs((counts.v2 ?? 0) / 400 - 0.25) < 0.08,
      `v2 share ${((counts.v2 ?? 0) / 4).toFixed(1)} % ≈ 25 %`,
    );
  });

  await t.test('header match and fault abort apply to intercepted traffic', async (t) => {
    t.same(await fetcher('/', 20, { 'end-user': 'jason' }), { v2: 20 });
    const faults = await fetcher('/fault', 300);
    const aborted = faults['status 418'] ?? 0;
    t.equal(aborted + (faults.v1 ?? 0), 300, JSON.stringify(faults));
    t.ok(Math.abs(aborted / 300 - 0.5) < 0.1, `${aborted}/300 aborted ≈ 50 %`);
  });

  await t.test('raw TCP to an unknown destination passes through intact', async (t) => {
    const payload = '\u0001\u0002binary\u007f not http';
    const reply = await text(pods.a, TCP_CLIENT, ['10.77.1.1', '7000', payload]);
    t.equal(reply, `node-tcp|10.77.1.2|${[...payload].reverse().join('')}`);
  });

  await t.test('dual stack: IPv6 is intercepted on both sides and passed through', async (t) => {
    // No Service has this address: pod-a's sidecar passes it through to where it was going, and
    // pod-b1's inbound listener (bound on :: for both families) hands it to the application.
    const counts = await json<Record<string, number>>(pods.a, FETCHER, [
      'http://[fd77:2::2]:9080/',
      '5',
      '{}',
    ]);
    t.same(counts, { v1: 5 });
  });

  await t.test('a TCP service: its clusterIP is routed by tcp_proxy to its workload', async (t) => {
    const reply = await text(pods.a, TCP_CLIENT, ['10.96.0.20', '7100', 'select 1']);
    t.equal(reply, 'node-db|10.77.1.2|1 tceles');
  });

  await t.test('an excluded port bypasses the proxy', async (t) => {
    const reply = await text(pods.a, TCP_CLIENT, ['10.77.1.1', '7001', 'abc']);
    t.equal(reply, 'node-excluded|10.77.1.2|cba');
  });

  await t.test('a WebSocket through both sidecars', async (t) => {
    t.equal(await text(pods.a, WS_CLIENT, [SERVICE_IP, '9080']), '101 v2:ping');
  });

  await t.test('REGISTRY_ONLY: unknown destinations are refused', async (t) => {
    await writeFile(join(dir, 'mesh.yaml'), meshConfig(true));
    const until = Date.now() + 20_000;
    let reply = '';
    while (Date.now() < until) {
      reply = await text(pods.a, TCP_CLIENT, ['10.77.1.1', '7000', 'xyz']);
      if (reply.startsWith('ERROR')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    t.match(reply, /^ERROR/, `raw TCP to an unknown destination is reset (${reply})`);
    const unknownHttp = await json<Record<string, number>>(pods.a, FETCHER, [
      'http://10.77.1.1:7000/',
      '1',
      '{}',
    ]);
    t.same(unknownHttp, { 'status 503': 1 }, 'HTTP to an unknown destination gets 503');
    t.same(await fetcher('/', 20, { 'end-user': 'jason' }), { v2: 20 }, 'mesh services still work');
  });

  await t.test('cleanup removes every rule', async (t) => {
    for (const ns of Object.values(pods)) {
      await ns.run([...proxyCli, 'init', '--cleanup']);
      const rules = await ns.run(['iptables-save', '-t', 'nat']);
      t.notMatch(rules, 'WEFT_', `${ns.name} has no WEFT_ rules`);
    }
  });
});
