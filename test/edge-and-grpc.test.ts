// Edge behaviour (x-forwarded-for, header formatters, idle and request timeouts, auto_host_rewrite)
// and gRPC over HTTP/2 end to end with trailers.
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { anyHost, bootstrap, H2C_OPTIONS, staticCluster } from './lib/bootstrap.ts';
import { h1Client, h2Client } from './lib/client.ts';
import { startProxy } from './lib/proxy.ts';
import { type Echo, startUpstream } from './lib/upstream.ts';

const up = await startUpstream({ name: 'app' });
// Sends response headers, then stalls: exercises the stream idle timeout after headers.
const stall = http.createServer((req, res) => {
  if (req.url === '/headers-then-stall') {
    res.writeHead(200);
    res.write('partial');
  }
});
await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
// A gRPC-shaped h2c upstream: 200, a body, then grpc-status in trailers.
const grpc = http2.createServer();
grpc.on('stream', (stream, headers) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () =>
    stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok', 'x-path': String(headers[':path']) }),
  );
  stream.on('data', () => {});
  stream.on('end', () => stream.end(Buffer.from([0, 0, 0, 0, 1, 42])));
});
await new Promise<void>((r) => grpc.listen(0, '127.0.0.1', r));
t.teardown(async () => {
  stall.closeAllConnections();
  await new Promise<void>((r) => stall.close(() => r()));
  await new Promise<void>((r) => grpc.close(() => r()));
  await up.close();
});

const proxy = await startProxy(
  bootstrap({
    clusters: [
      staticCluster('app', [up.port]),
      staticCluster('stall', [(stall.address() as AddressInfo).port]),
      staticCluster('grpc', [(grpc.address() as AddressInfo).port], H2C_OPTIONS),
      {
        ...staticCluster('named', [up.port]),
        load_assignment: {
          cluster_name: 'named',
          endpoints: [
            {
              lb_endpoints: [
                {
                  endpoint: {
                    hostname: 'backend.internal',
                    address: { socket_address: { address: '127.0.0.1', port_value: up.port } },
                  },
                },
              ],
            },
          ],
        },
      },
    ],
    hcm: { use_remote_address: true, request_timeout: '0.3s' },
    virtualHosts: [
      anyHost([
        {
          name: 'grpc',
          match: { prefix: '/pkg.Service/', grpc: {} },
          route: { cluster: 'grpc', timeout: '0s' },
        },
        {
          name: 'stall',
          match: { prefix: '/headers-then-stall' },
          route: { cluster: 'stall', idle_timeout: '0.2s' },
        },
        { name: 'silent', match: { prefix: '/silent' }, route: { cluster: 'stall', idle_timeout: '0.2s' } },
        {
          name: 'auto-host',
          match: { prefix: '/auto' },
          route: { cluster: 'named', auto_host_rewrite: true },
        },
        {
          name: 'fmt',
          match: { prefix: '/' },
          route: { cluster: 'app' },
          request_headers_to_add: [
            { header: { key: 'x-client', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' } },
          ],
          response_headers_to_add: [{ header: { key: 'x-served-by', value: '%UPSTREAM_REMOTE_ADDRESS%' } }],
        },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());

t.test('use_remote_address: x-forwarded-for gets the peer appended; formatters see the peer', async (t) => {
  const client = h1Client(proxy.port);
  t.teardown(() => client.close());
  const r = await client({
    path: '/',
    headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
  });
  const e = JSON.parse(r.body) as Echo;
  t.equal(e.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  t.equal(
    e.headers['x-forwarded-proto'],
    'http',
    'an edge proxy overwrites x-forwarded-proto with its own scheme',
  );
  t.equal(e.headers['x-client'], '127.0.0.1');
  t.equal(r.headers['x-served-by'], `127.0.0.1:${up.port}`);
  const h2 = h2Client(proxy.port);
  t.teardown(() => h2.close());
  const e2 = JSON.parse((await h2({ path: '/' })).body) as Echo;
  t.equal(e2.headers['x-forwarded-for'], '127.0.0.1', 'HTTP/2 sees the peer too');
  t.equal(e2.headers['x-client'], '127.0.0.1');
});

t.test('route idle_timeout: 408 before response headers, reset after', async (t) => {
  const client = h1Client(proxy.port);
  t.teardown(() => client.close());
  const started = Date.now();
  const r = await client({ path: '/silent' });
  t.equal(r.status, 408);
  t.ok(Date.now() - started < 1000);
  await t.rejects(client({ path: '/headers-then-stall' }), 'the stream is reset after headers');
  t.ok((proxy.proxy.stats.httpStats('ingress_http').flags.get('SI') ?? 0) >= 2, 'flag SI');
});

t.test('request_timeout: a request body that never completes gets 408', async (t) => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        port: proxy.port,
        host: '127.0.0.1',
        path: '/',
        method: 'POST',
        headers: { 'content-length': '100' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.write('only part of it');
  });
  t.equal(status, 408);
});

t.test('auto_host_rewrite uses the endpoint hostname', async (t) => {
  const client = h1Client(proxy.port);
  t.teardown(() => client.close());
  t.equal((JSON.parse((await client({ path: '/auto' })).body) as Echo).headers.host, 'backend.internal');
});

t.test('gRPC over HTTP/2: body and trailers pass through', async (t) => {
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  t.teardown(() => session.close());
  const stream = session.request({
    ':method': 'POST',
    ':path': '/pkg.Service/Method',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.end(Buffer.from([0, 0, 0, 0, 0]));
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const [headers, trailers] = await Promise.all([
    new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve)),
    new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('trailers', resolve)),
  ]);
  t.equal(headers[':status'], 200);
  t.equal(headers['content-type'], 'application/grpc');
  t.equal(trailers['grpc-status'], '0');
  t.equal(trailers['x-path'], '/pkg.Service/Method');
  t.same([...Buffer.concat(chunks)], [0, 0, 0, 0, 1, 42]);
});
