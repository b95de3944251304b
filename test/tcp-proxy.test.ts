// envoy.filters.network.tcp_proxy with real TCP servers: half-close both ways, connect failures
// and max_connect_attempts, max_connections, the BlackHoleCluster and a missing cluster (reset),
// idle timeout and max duration, weighted clusters, and what stats and access logs say.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { staticCluster } from './lib/bootstrap.ts';
import { blackHoleCluster, bootstrapOf, listener, tcpChain } from './lib/listeners.ts';
import { startProxy } from './lib/proxy.ts';
import { startTcpServer, tcpExchange } from './lib/tcp.ts';
import { closedPort } from './lib/upstream.ts';

const replier = await startTcpServer({ name: 'r', mode: 'reply-on-end' });
const a = await startTcpServer({ name: 'a', mode: 'reply-on-end' });
const b = await startTcpServer({ name: 'b', mode: 'reply-on-end' });
const holder = await startTcpServer({ name: 'hold', mode: 'hold' });
const dead = await closedPort();
const logDir = await mkdtemp(join(tmpdir(), 'weft-tcp-'));
const accessLog = join(logDir, 'tcp.log');
t.teardown(async () => {
  await Promise.all([replier, a, b, holder].map((s) => s.close()));
  await rm(logDir, { recursive: true, force: true });
});

const LOG = [
  {
    name: 'envoy.access_loggers.file',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
      path: accessLog,
    },
  },
];
const listeners = [
  listener('half_close', '127.0.0.1', 0, [tcpChain('half_close', 'replier', { access_log: LOG })], {
    traffic_direction: 'INBOUND',
  }),
  listener('refused', '127.0.0.1', 0, [tcpChain('refused', 'dead', { max_connect_attempts: 3 })]),
  listener('retried', '127.0.0.1', 0, [tcpChain('retried', 'half_dead', { max_connect_attempts: 2 })]),
  listener('limited', '127.0.0.1', 0, [tcpChain('limited', 'limited')]),
  listener('blackhole', '127.0.0.1', 0, [tcpChain('blackhole', 'BlackHoleCluster')]),
  listener('no_route', '127.0.0.1', 0, [tcpChain('no_route', 'missing')]),
  listener('idle', '127.0.0.1', 0, [tcpChain('idle', 'holder', { idle_timeout: '0.2s' })]),
  listener('lifetime', '127.0.0.1', 0, [
    tcpChain('lifetime', 'holder', { max_downstream_connection_duration: '0.3s', idle_timeout: '0s' }),
  ]),
  listener('weighted', '127.0.0.1', 0, [tcpChain('weighted', { a: 1, b: 1 })]),
];
const clusters = [
  staticCluster('replier', [replier.port]),
  staticCluster('dead', [dead]),
  staticCluster('half_dead', [dead, replier.port]),
  staticCluster('limited', [holder.port], {
    circuit_breakers: { thresholds: [{ max_connections: 1 }] },
  }),
  blackHoleCluster(),
  staticCluster('holder', [holder.port]),
  staticCluster('a', [a.port]),
  staticCluster('b', [b.port]),
];
const running = await startProxy(bootstrapOf(listeners, clusters, true));
t.teardown(() => running.close());
const { proxy } = running;
const portOf = (name: string) => proxy.listenerAddresses().find((l) => l.name === name)!.port;
const tcpStats = (prefix: string) => [...proxy.stats.allTcp].find((s) => s.prefix === prefix)!;

t.test('bytes and half-closes pass both ways', async (t) => {
  const payload = Buffer.alloc(200_000, 'x');
  const reply = await tcpExchange(portOf('half_close'), payload);
  t.same(
    reply,
    { data: Buffer.from('r:200000') },
    'the client FIN reached the server, and its answer came back after it',
  );
  t.ok(replier.received.at(-1)!.equals(payload));
  // the stats are settled once both connections have closed
  const stats = tcpStats('half_close');
  while (stats.cxActive > 0) await new Promise((r) => setTimeout(r, 10));
  t.match(stats, { cxTotal: 1, rxBytes: 200_000, txBytes: 8 });
  let line = '';
  while (!line) {
    line = (await readFile(accessLog, 'utf8').catch(() => '')).trim();
    if (!line) await new Promise((r) => setTimeout(r, 20));
  }
  t.match(JSON.parse(line), {
    protocol: 'TCP',
    response_flags: '-',
    bytes_received: 200_000,
    bytes_sent: 8,
    upstream_cluster: 'replier',
    upstream_host: `127.0.0.1:${replier.port}`,
    traffic_direction: 'INBOUND',
  });
});

t.test('connect failures: retried on another pick, then the downstream is reset', async (t) => {
  const refused = await tcpExchange(portOf('refused'), 'x', { end: false });
  t.equal(refused.error, 'ECONNRESET');
  t.match(tcpStats('refused'), { upstreamConnectFail: 1 });
  t.equal(proxy.clusters.current.get('dead')!.stats.cxConnectFail, 3, 'max_connect_attempts attempts');
  for (let i = 0; i < 4; i++) {
    t.equal(
      (await tcpExchange(portOf('retried'), 'ab')).data.toString(),
      'r:2',
      `connection ${i} gets through`,
    );
  }
  t.ok(proxy.clusters.current.get('half_dead')!.stats.cxConnectFail >= 1, 'some took a second attempt');
});

t.test('max_connections: an extra connection is reset (UO) until one closes', async (t) => {
  const first = net.connect(portOf('limited'), '127.0.0.1');
  t.teardown(() => first.destroy());
  await new Promise((r) => first.once('connect', r));
  while (holder.connections === 0) await new Promise((r) => setTimeout(r, 10));
  const second = await tcpExchange(portOf('limited'), 'x', { end: false });
  t.equal(second.error, 'ECONNRESET');
  t.match(tcpStats('limited'), { upstreamOverflow: 1 });
  t.equal(proxy.clusters.current.get('limited')!.admission.limits.cxOverflow, 1);
  first.destroy();
  while (tcpStats('limited').cxActive > 0) await new Promise((r) => setTimeout(r, 10));
  const third = await tcpExchange(portOf('limited'), 'x', { end: false, timeoutMs: 300 });
  t.equal(third.error, 'TIMEOUT', 'admitted again: the silent upstream keeps it open');
});

t.test('the BlackHoleCluster and a missing cluster reset the connection', async (t) => {
  t.equal((await tcpExchange(portOf('blackhole'), 'x', { end: false })).error, 'ECONNRESET');
  t.match(tcpStats('blackhole'), { noHealthyUpstream: 1 });
  t.equal((await tcpExchange(portOf('no_route'), 'x', { end: false })).error, 'ECONNRESET');
  t.match(tcpStats('no_route'), { cxNoRoute: 1 });
});

t.test('idle_timeout and max_downstream_connection_duration close both connections', async (t) => {
  const started = Date.now();
  const idle = await tcpExchange(portOf('idle'), 'x', { end: false, timeoutMs: 5000 });
  t.not(idle.error, 'TIMEOUT');
  t.ok(Date.now() - started >= 150, 'not before the idle timeout');
  t.match(tcpStats('idle'), { idleTimeout: 1 });
  const lifetime = await tcpExchange(portOf('lifetime'), 'x', { end: false, timeoutMs: 5000 });
  t.not(lifetime.error, 'TIMEOUT');
  t.match(tcpStats('lifetime'), { maxDurationReached: 1 });
});

t.test('weighted_clusters spread connections', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    seen.add((await tcpExchange(portOf('weighted'), '')).data.toString().split(':')[0]!);
  }
  t.same([...seen].sort(), ['a', 'b']);
});

t.test('stats are exposed with Envoy names', async (t) => {
  const res = await fetch(`http://127.0.0.1:${running.adminPort}/stats/prometheus`);
  const text = await res.text();
  t.match(text, /envoy_tcp_downstream_cx_total\{envoy_tcp_prefix="half_close"\} 1/);
  t.match(
    text,
    /envoy_listener_downstream_cx_total\{envoy_listener_address="half_close",traffic_direction="INBOUND"\} 1/,
  );
  t.match(text, /weft_tcp_upstream_cx_none_healthy\{envoy_tcp_prefix="blackhole"\} 1/);
});
