// Protocol handling at the listener: keep-alive, HTTP/2 on the same port, WebSocket upgrade,
// streaming, size limits, malformed requests, access log.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { h1Client, h2Client } from './lib/client.ts';
import { startProxy } from './lib/proxy.ts';
import { type Echo, startUpstream } from './lib/upstream.ts';

/** Sends raw bytes, returns everything the server says until it closes (or `ms` pass). */
async function raw(port: number, data: string, ms = 2000): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(data);
  let out = '';
  const timer = setTimeout(() => socket.destroy(), ms);
  for await (const chunk of socket) out += chunk.toString();
  clearTimeout(timer);
  return out;
}

const up = await startUpstream({ name: 'app' });
// An upstream that upgrades to an echo protocol (what a WebSocket server does at the HTTP level),
// and streams a response slowly.
const special = http.createServer((req, res) => {
  if (req.url === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    setTimeout(() => res.end('second'), 300);
    return;
  }
  res.end('ok');
});
special.on('upgrade', (req, socket) => {
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nx-path: ${req.url}\r\n\r\n`,
  );
  socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
  // node:http leaves upgraded sockets half-open; close ours when the peer does
  socket.on('end', () => socket.end());
});
await new Promise<void>((r) => special.listen(0, '127.0.0.1', r));
const specialPort = (special.address() as AddressInfo).port;
const logDir = await mkdtemp(join(tmpdir(), 'weft-log-'));
const logFile = join(logDir, 'access.log');
t.teardown(async () => {
  special.closeAllConnections();
  await new Promise<void>((r) => special.close(() => r()));
  await up.close();
  await rm(logDir, { recursive: true, force: true });
});

const proxy = await startProxy(
  bootstrap({
    clusters: [staticCluster('app', [up.port]), staticCluster('special', [specialPort])],
    hcm: {
      max_request_headers_kb: 4,
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      access_log: [
        {
          name: 'envoy.access_loggers.file',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
            path: logFile,
          },
        },
      ],
    },
    httpFilters: [
      {
        name: 'envoy.filters.http.buffer',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer',
          max_request_bytes: 65536,
        },
      },
    ],
    virtualHosts: [
      anyHost([
        { name: 'ws', match: { prefix: '/ws' }, route: { cluster: 'special' } },
        { name: 'stream', match: { prefix: '/stream' }, route: { cluster: 'special' } },
        { name: 'app', match: { prefix: '/' }, route: { cluster: 'app' } },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());

t.test('HTTP/1.1 keep-alive reuses one downstream connection', async (t) => {
  const out = await raw(
    proxy.port,
    'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  t.equal(out.match(/HTTP\/1\.1 200 OK/g)?.length, 2, 'two responses on one connection');
});

t.test('HTTP/2 prior knowledge on the same port, multiplexed', async (t) => {
  const client = h2Client(proxy.port);
  t.teardown(() => client.close());
  const replies = await Promise.all([1, 2, 3, 4, 5].map((i) => client({ path: `/m${i}` })));
  t.same(
    replies.map((r) => (JSON.parse(r.body) as Echo).path),
    ['/m1', '/m2', '/m3', '/m4', '/m5'],
  );
  t.ok(proxy.proxy.stats.httpStats('ingress_http').rqHttp2 >= 5);
});

t.test('WebSocket upgrade is passed through and spliced', async (t) => {
  const socket = net.connect(proxy.port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  socket.write(
    'GET /ws/chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  const head = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
  t.match(head, /^HTTP\/1\.1 101/);
  t.match(head, /x-path: \/ws\/chat/);
  socket.write('hello');
  const echoed = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
  t.equal(echoed, 'echo:hello');
});

t.test('an upgrade type not in upgrade_configs is refused with 403', async (t) => {
  const out = await raw(
    proxy.port,
    'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n',
  );
  t.match(out, /^HTTP\/1\.1 403/);
});

t.test('response bodies stream (first bytes arrive before the upstream finishes)', async (t) => {
  const started = Date.now();
  const firstByte = await new Promise<number>((resolve, reject) => {
    http
      .get({ port: proxy.port, host: '127.0.0.1', path: '/stream' }, (res) => {
        res.once('data', () => resolve(Date.now() - started));
        res.resume();
      })
      .on('error', reject);
  });
  t.ok(firstByte < 250, `first chunk after ${firstByte} ms, before the 300 ms tail`);
});

t.test('request bodies stream upstream in chunks (transfer-encoding: chunked)', async (t) => {
  const reply = await new Promise<Echo>((resolve, reject) => {
    const req = http.request(
      { port: proxy.port, host: '127.0.0.1', path: '/upload', method: 'POST' },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve(JSON.parse(body) as Echo));
      },
    );
    req.on('error', reject);
    req.write('part1;');
    setTimeout(() => req.end('part2'), 50);
  });
  t.equal(reply.body, 'part1;part2');
});

t.test('malformed HTTP → 400 and close; the proxy keeps serving', async (t) => {
  const out = await raw(proxy.port, 'THIS IS NOT HTTP\r\n\r\n');
  t.match(out, /^HTTP\/1\.1 400/);
  const bad = await raw(
    proxy.port,
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
  );
  t.match(bad, /^HTTP\/1\.1 400/, 'conflicting Content-Length');
  const client = h1Client(proxy.port);
  t.teardown(() => client.close());
  t.equal((await client({ path: '/' })).status, 200);
});

t.test('garbage, truncated requests and broken HTTP/2 frames never take the proxy down', async (t) => {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const samples = [
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x04\x09\xff\xff\xff\xff\xff',
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc',
    'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
  ];
  for (let i = 0; i < 40; i++) {
    const bytes = Buffer.alloc(1 + Math.floor(rand() * 300));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
    samples.push(bytes.toString('latin1'));
  }
  await Promise.all(samples.map((sample) => raw(proxy.port, sample, 300).catch(() => '')));
  const client = h1Client(proxy.port);
  t.teardown(() => client.close());
  t.equal((await client({ path: '/after-garbage' })).status, 200, 'still serving HTTP/1.1');
  const h2 = h2Client(proxy.port);
  t.teardown(() => h2.close());
  t.equal((await h2({ path: '/after-garbage' })).status, 200, 'still serving HTTP/2');
});

t.test('headers over max_request_headers_kb → 431 (HTTP/1.1 and HTTP/2)', async (t) => {
  const big = 'v'.repeat(5000);
  const out = await raw(proxy.port, `GET / HTTP/1.1\r\nHost: x\r\nx-big: ${big}\r\n\r\n`);
  t.match(out, /^HTTP\/1\.1 431/);
  const client = h2Client(proxy.port);
  t.teardown(() => client.close());
  t.equal((await client({ path: '/', headers: { 'x-big': big } })).status, 431);
});

t.test('body over the buffer filter max_request_bytes → 413', async (t) => {
  const client = h1Client(proxy.port);
  t.teardown(() => client.close());
  t.equal((await client({ method: 'POST', path: '/', body: 'z'.repeat(70000) })).status, 413);
  const ok = await client({ method: 'POST', path: '/', body: 'z'.repeat(1000) });
  t.equal(ok.status, 200);
  t.equal((JSON.parse(ok.body) as Echo).body.length, 1000);
  const h2 = h2Client(proxy.port);
  t.teardown(() => h2.close());
  t.equal(
    (await h2({ method: 'POST', path: '/', body: 'z'.repeat(70000) })).status,
    413,
    'HTTP/2 without content-length',
  );
});

t.test('hop-by-hop headers are not forwarded, Connection-listed ones included', async (t) => {
  const out = await raw(
    proxy.port,
    'GET /hop HTTP/1.1\r\nHost: x\r\nConnection: close, x-private\r\nx-private: secret\r\nKeep-Alive: timeout=5\r\nx-kept: yes\r\n\r\n',
  );
  const echo = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as Echo;
  t.equal(echo.headers['x-private'], undefined);
  t.equal(echo.headers['x-kept'], 'yes');
  t.not(echo.headers.connection, 'close, x-private');
});

t.test('access log: one JSON line per request with Envoy fields', async (t) => {
  const client = h1Client(proxy.port);
  t.teardown(() => client.close());
  await client({ path: '/logged?x=1', headers: { 'x-request-id': 'log-me' } });
  await new Promise((r) => setTimeout(r, 100));
  const lines = (await readFile(logFile, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const entry = lines.find((l) => l.request_id === 'log-me');
  t.ok(entry, 'logged');
  t.match(entry, {
    method: 'GET',
    path: '/logged?x=1',
    protocol: 'HTTP/1.1',
    response_code: 200,
    response_flags: '-',
    route_name: 'app',
    upstream_cluster: 'app',
    upstream_host: `127.0.0.1:${up.port}`,
  });
  t.type(entry!.duration, 'number');
  t.ok((entry!.bytes_sent as number) > 0);
  t.match(entry!.start_time, /^\d{4}-\d\d-\d\dT/);
});
