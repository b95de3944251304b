// Hostile clients against the real weft-proxy process (issue 9, items 1–3): a client that aborts a
// body while the request waits (fault delay, pending queue) must not crash the process; HTTP/2
// RST_STREAMs must cancel their upstream requests and give back every breaker permit; a body that
// did not arrive whole must never reach the upstream as a complete request. Each check also proves
// the proxy still serves afterwards.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import t from 'tap';
import { anyHost, bootstrap, faultFilter, staticCluster } from './lib/bootstrap.ts';
import { h1Client } from './lib/client.ts';
import { spawnProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

/** Requests the upstream saw complete ('end'), and those it saw cut off ('aborted'), by path. */
const completed: string[] = [];
const cutOff: string[] = [];
const up = await startUpstream({
  name: 'hold',
  handler: (req, res) => {
    // /hold/* requests are never answered: an upstream that keeps them (and its connections) open
    if (req.url?.startsWith('/hold')) return;
    res.end('ok');
  },
});
t.teardown(() => up.close());

const slow = await startUpstream({ name: 'slow', handler: () => {} });
t.teardown(() => slow.close());

// Records, by path, whether each request arrived whole ('end') or was cut off ('aborted').
const integrity = http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  req.on('end', () => {
    completed.push(`${req.url} ${bytes}/${req.headers['content-length'] ?? 'chunked'}`);
    res.end('done');
  });
  req.on('aborted', () => cutOff.push(String(req.url)));
});
await new Promise<void>((r) => integrity.listen(0, '127.0.0.1', r));
t.teardown(() => {
  integrity.closeAllConnections();
  return new Promise<void>((r) => integrity.close(() => r()));
});
const integrityPort = (integrity.address() as net.AddressInfo).port;

const proxy = await spawnProxy(
  bootstrap({
    clusters: [
      staticCluster('hold', [up.port]),
      staticCluster('integrity', [integrityPort]),
      staticCluster('queued', [slow.port], {
        circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 10_000 }] },
      }),
    ],
    httpFilters: [
      faultFilter({
        delay: { fixed_delay: '0.2s', percentage: { numerator: 100 } },
        headers: [{ name: 'x-tester', exact_match: '1' }],
      }),
    ],
    virtualHosts: [
      anyHost([
        { name: 'queued', match: { prefix: '/queued' }, route: { cluster: 'queued', timeout: '0s' } },
        { name: 'integrity', match: { prefix: '/integrity' }, route: { cluster: 'integrity' } },
        { name: 'local', match: { prefix: '/local' }, direct_response: { status: 403 } },
        { name: 'hold', match: { prefix: '/' }, route: { cluster: 'hold', timeout: '0s' } },
      ]),
    ],
  }),
);
t.teardown(() => proxy.cleanup());

async function stat(name: string, cluster?: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${proxy.adminPort}/stats/prometheus`);
  const text = await res.text();
  const label = cluster ? `envoy_cluster_name="${cluster}"` : '';
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(label)) return Number(line.split(' ').pop());
  }
  throw new Error(`no ${name} ${label} in the stats`);
}

async function until(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A plain request through the proxy after the attack: its status. */
async function plainStatus(): Promise<number> {
  const client = h1Client(proxy.port);
  try {
    return (await client({ path: '/integrity/ping' })).status;
  } finally {
    await client.close();
  }
}

t.test('item 1: chunked bodies aborted during a fault delay do not crash the process', async (t) => {
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(proxy.port, '127.0.0.1', () => {
        socket.write(
          'POST /hold/x HTTP/1.1\r\nHost: x\r\nx-tester: 1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', () => resolve());
    });
  }
  await new Promise((r) => setTimeout(r, 400)); // past the 200 ms delay of the last one
  t.equal(proxy.child.exitCode, null, 'still running');
  t.equal(await plainStatus(), 200, 'the proxy still serves');
  await until(async () => (await stat('envoy_http_downstream_rq_active')) === 0, 'no stream left');
});

t.test('item 1: HTTP/2 POST streams queued for a connection, then the connection closes', async (t) => {
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  session.on('error', () => {});
  const streams: http2.ClientHttp2Stream[] = [];
  for (let i = 0; i < 90; i++) {
    const s = session.request({ ':method': 'POST', ':path': `/queued/${i}`, 'content-type': 'text/plain' });
    s.on('error', () => {});
    s.write('part of a body that never ends');
    streams.push(s);
  }
  await until(
    async () => (await stat('envoy_cluster_upstream_rq_pending_active', 'queued')) >= 80,
    'the queue',
  );
  session.destroy();
  await until(
    async () => (await stat('envoy_cluster_upstream_rq_pending_active', 'queued')) === 0,
    'the queue to empty',
  );
  await until(async () => (await stat('envoy_cluster_upstream_rq_active', 'queued')) === 0, 'the active one');
  t.equal(proxy.child.exitCode, null, 'still running');
  t.equal(await plainStatus(), 200, 'the proxy still serves');
});

t.test('item 2: HTTP/2 RST_STREAMs cancel their upstream requests and free every permit', async (t) => {
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  session.on('error', () => {});
  t.teardown(() => session.destroy());
  const streams: http2.ClientHttp2Stream[] = [];
  for (let i = 0; i < 60; i++) {
    const s = session.request({ ':path': `/hold/${i}` });
    s.on('error', () => {});
    streams.push(s);
  }
  await until(
    async () => (await stat('envoy_cluster_upstream_rq_active', 'hold')) === 60,
    '60 upstream requests',
  );
  for (const s of streams) s.close(http2.constants.NGHTTP2_CANCEL);
  await until(
    async () => (await stat('envoy_cluster_upstream_rq_active', 'hold')) === 0,
    'the cancelled requests to leave the upstream',
  );
  t.equal(await stat('envoy_cluster_circuit_breakers_default_rq_open', 'hold'), 0, 'the breaker is closed');
  t.equal(
    await stat('envoy_cluster_circuit_breakers_default_remaining_rq', 'hold'),
    1024,
    'every permit is back',
  );
  t.equal(await stat('envoy_http_downstream_rq_active'), 0, 'no downstream stream left');
  t.equal(proxy.child.exitCode, null, 'still running');
  t.equal(await plainStatus(), 200, 'the proxy still serves');
});

t.test('item 3: an HTTP/2 body cut short never reaches the upstream as a complete request', async (t) => {
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  session.on('error', () => {});
  t.teardown(() => session.destroy());
  const send = (path: string, declared: number, body: string, how: 'rst' | 'end') =>
    new Promise<void>((resolve) => {
      const s = session.request(
        { ':method': 'POST', ':path': path, 'content-length': String(declared) },
        { endStream: false },
      );
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      if (how === 'end') s.end(body);
      else {
        if (body) s.write(body);
        setTimeout(() => s.close(http2.constants.NGHTTP2_CANCEL), 100);
      }
    });
  await send('/integrity/no-data', 10, '', 'rst');
  await send('/integrity/half', 10, '12345', 'rst');
  await send('/integrity/short', 100, 'x'.repeat(35), 'end');
  await new Promise((r) => setTimeout(r, 300));
  t.same(
    completed.filter((c) => !c.startsWith('/integrity/ping')),
    [],
    'no truncated request was executed upstream',
  );
  t.equal(await plainStatus(), 200, 'the proxy still serves');
  t.ok(
    completed.some((c) => c.startsWith('/integrity/ping')),
    'a whole request still is',
  );
  t.ok(cutOff.length <= 3, 'at most the three cut-off requests were started upstream, and aborted');
});

t.test('an HTTP/2 request body left unread by a local reply does not hold the stream open', async (t) => {
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  session.on('error', () => {});
  t.teardown(() => session.destroy());
  const statuses: number[] = [];
  await Promise.all(
    [0, 1, 2].map(
      (i) =>
        new Promise<void>((resolve) => {
          // i = 0: the whole body arrives before the reply; 1 and 2: the client is still sending
          const s = session.request({ ':method': 'POST', ':path': `/local/${i}` }, { endStream: false });
          s.on('response', (h) => {
            statuses.push(Number(h[':status']));
            resolve();
          });
          s.on('error', () => resolve());
          s.resume();
          if (i === 0) s.end(Buffer.alloc(34_000));
          else s.write(Buffer.alloc(40_000 * i));
        }),
    ),
  );
  t.same(statuses, [403, 403, 403], 'each answered by the route');
  await until(async () => (await stat('envoy_http_downstream_rq_active')) === 0, 'every stream to end');
  t.pass('no stream left active');
});
