// Hostile HTTP/1.1 clients and a misbehaving upstream against the real weft-proxy process (issue 9,
// items 4-8): stalled headers, header floods, forged Host, upstream 1xx and broken framing, and
// bytes after a closing request. Each case asserts the answer, what the upstream saw, the counter
// that tells an operator, and that the proxy still serves.
import net from 'node:net';
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { eventually, exchange, metric, statusLines } from './lib/hostile.ts';
import { spawnProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

const up = await startUpstream({ name: 'app' });
// An upstream that answers each request with the bytes scripted for its path.
const SCRIPTS: Record<string, string> = {
  '/interim': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal',
  '/bad-chunk': 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
};
const raw = net.createServer((socket) => {
  socket.on('error', () => socket.destroy());
  let head = '';
  socket.on('data', (chunk: Buffer) => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    const path = head.split(' ')[1] ?? '/';
    const length = Number(/content-length: *(\d+)/i.exec(head.slice(0, end))?.[1] ?? 0);
    head = head.slice(end + 4 + length);
    socket.write(SCRIPTS[path] ?? 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  });
});
await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
const rawPort = (raw.address() as net.AddressInfo).port;

const proxy = await spawnProxy(
  bootstrap({
    clusters: [staticCluster('app', [up.port]), staticCluster('raw', [rawPort])],
    virtualHosts: [
      anyHost([
        { match: { prefix: '/interim' }, route: { cluster: 'raw' } },
        { match: { prefix: '/bad-chunk' }, route: { cluster: 'raw' } },
        { match: { prefix: '/' }, route: { cluster: 'app' } },
      ]),
    ],
    hcm: {
      request_headers_timeout: '0.2s',
      common_http_protocol_options: { idle_timeout: '0.5s', max_headers_count: 100 },
    },
  }),
);
t.teardown(async () => {
  await proxy.cleanup();
  await up.close();
  await new Promise<void>((r) => raw.close(() => r()));
});
const HCM = { envoy_http_conn_manager_prefix: 'ingress_http' };
const port = proxy.port;

/** One well-formed request on a fresh connection: the proxy is still up and serving. */
async function stillServes(): Promise<number[]> {
  return statusLines(
    (await exchange(port, ['GET /alive HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n'])).data,
  );
}

function headers(count: number, prefix = 'x-h'): string {
  let out = '';
  for (let i = 0; i < count; i++) out += `${prefix}-${i}: v\r\n`;
  return out;
}

t.test(
  'item 4: stalled request headers are answered 408 and closed at request_headers_timeout',
  async (t) => {
    const seenBefore = up.seen.length;
    const CONNECTIONS = 40;
    const stalled = Array.from({ length: CONNECTIONS }, () =>
      exchange(port, ['GET / HTTP/1.1\r\nhost: a\r\nx-slow: '], 10_000),
    );
    // a client that keeps trickling header bytes is still bounded: the timer runs from the first byte
    const trickle = exchange(
      port,
      (socket) => {
        socket.write('GET / HTTP/1.1\r\nhost: a\r\n');
        const timer = setInterval(() => socket.writable && socket.write('x'), 40);
        socket.once('close', () => clearInterval(timer));
      },
      10_000,
    );
    // and one that never sends a byte: closed without an answer (no request, not even a protocol)
    const silent = exchange(port, [], 10_000);
    const results = await Promise.all([...stalled, trickle]);
    t.equal(results.filter((r) => r.closed).length, CONNECTIONS + 1, 'every connection closed by the proxy');
    t.equal(results.filter((r) => statusLines(r.data)[0] === 408).length, CONNECTIONS + 1, 'each got 408');
    const silentResult = await silent;
    t.ok(silentResult.closed && silentResult.data.length === 0, 'the silent connection closed, unanswered');
    t.equal(up.seen.length, seenBefore, 'nothing reached the upstream');
    t.equal(await metric(proxy.adminPort, 'envoy_http_downstream_rq_header_timeout', HCM), CONNECTIONS + 1);
    t.same(await stillServes(), [200]);
  },
);

t.test('item 4: an idle keep-alive connection is closed at idle_timeout and counted', async (t) => {
  const before = await metric(proxy.adminPort, 'envoy_http_downstream_cx_idle_timeout', HCM);
  const r = await exchange(port, ['GET /keep HTTP/1.1\r\nhost: a\r\n\r\n'], 5000);
  t.ok(r.closed, 'closed by the proxy');
  t.same(statusLines(r.data), [200], 'the response came first');
  t.equal(await metric(proxy.adminPort, 'envoy_http_downstream_cx_idle_timeout', HCM), before + 1);
});

t.test('item 5: too many request headers are refused with 431, never truncated', async (t) => {
  const seenBefore = up.seen.length;
  const cases = [
    { name: '3 000 headers', head: headers(3000) },
    { name: '101 headers', head: headers(99) }, // + host and connection
    { name: '10 000 small headers (~99 KB, over the 60 KB limit)', head: headers(10_000, 'h') },
  ];
  for (const c of cases) {
    const r = await exchange(port, [`GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n${c.head}\r\n`], 5000);
    t.same(statusLines(r.data), [431], c.name);
  }
  t.equal(up.seen.length, seenBefore, 'nothing reached the upstream');
  t.equal(
    await metric(proxy.adminPort, 'weft_http_downstream_rq_headers_refused_total', HCM),
    3,
    'counted as refused header blocks',
  );
  const ok = await exchange(port, [`GET /ok HTTP/1.1\r\nhost: a\r\nconnection: close\r\n${headers(98)}\r\n`]);
  t.same(statusLines(ok.data), [200], '100 headers pass');
  t.equal(up.seen.at(-1)?.headers['x-h-97'], 'v', 'all of them forwarded');
});

t.test('item 6: a doubled Host or userinfo in the authority is a 400, never forwarded', async (t) => {
  const seenBefore = up.seen.length;
  const requests = [
    'GET / HTTP/1.1\r\nhost: a\r\nhost: evil\r\nconnection: close\r\n\r\n',
    'GET / HTTP/1.1\r\nhost: a\r\nhost: a\r\nconnection: close\r\n\r\n',
    'GET http://user@evil/ HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    'GET http://user:pw@a/x HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    'GET / HTTP/1.1\r\nhost: user@a\r\nconnection: close\r\n\r\n',
  ];
  for (const request of requests) {
    t.same(statusLines((await exchange(port, [request])).data), [400], JSON.stringify(request.split('\r\n')));
  }
  t.equal(up.seen.length, seenBefore, 'nothing reached the upstream');
});

// undici (7.x, client-h1 onHeadersComplete) destroys the connection on any 100 it did not ask for,
// before a dispatch handler sees it; until the upstream client accepts it, this is a 502 (UPE).
t.test(
  'item 7: an interim 100 from the upstream is dropped and the final response relayed',
  { todo: 'undici refuses an unsolicited 100 Continue (see the report on issue 9)' },
  async (t) => {
    const r = await exchange(port, ['GET /interim HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n']);
    t.same(statusLines(r.data), [200]);
    const expecting = await exchange(port, (socket) => {
      socket.write(
        'POST /interim HTTP/1.1\r\nhost: a\r\nexpect: 100-continue\r\ncontent-length: 4\r\nconnection: close\r\n\r\n',
      );
      socket.once('data', () => socket.write('body'));
    });
    t.same(statusLines(expecting.data), [100, 200], 'one 100 Continue, never the upstream one as well');
  },
);

t.test('item 7: Expect: 100-continue gets one 100 from the proxy, then the response', async (t) => {
  const seenBefore = up.seen.length;
  const r = await exchange(port, (socket) => {
    socket.write(
      'POST /echo HTTP/1.1\r\nhost: a\r\nexpect: 100-continue\r\ncontent-length: 4\r\nconnection: close\r\n\r\n',
    );
    socket.once('data', () => socket.write('body'));
  });
  t.same(statusLines(r.data), [100, 200]);
  t.equal(up.seen.length, seenBefore + 1);
  t.equal(up.seen.at(-1)?.body, 'body', 'the body reached the upstream');
  t.equal(
    up.seen.at(-1)?.headers.expect,
    undefined,
    'expect is hop-by-hop: the upstream sends no 100 of its own',
  );
});

t.test('item 7: an invalid chunk size before anything was relayed is a 502', async (t) => {
  const r = await exchange(port, ['GET /bad-chunk HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n']);
  t.same(statusLines(r.data), [502]);
  t.equal(
    await metric(proxy.adminPort, 'weft_http_downstream_rq_response_flags_total', {
      ...HCM,
      response_flag: 'UPE',
    }),
    1,
    'flagged UPE',
  );
  t.same(await stillServes(), [200]);
});

t.test('item 8: bytes after a closing request do not replace its response', async (t) => {
  for (const head of [
    'GET /last HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    'GET /last HTTP/1.0\r\nhost: a\r\n\r\n',
  ]) {
    const seenBefore = up.seen.length;
    const r = await exchange(port, [`${head}GET /extra HTTP/1.1\r\nhost: a\r\n\r\ngarbage`]);
    t.same(statusLines(r.data), [200], 'the real response');
    t.ok(r.closed, 'then the connection closes');
    t.equal(up.seen.length, seenBefore + 1, 'only the first request was forwarded');
  }
});

t.test('the proxy survived every case', async (t) => {
  t.equal(proxy.child.exitCode, null);
  await eventually(async () => (await stillServes())[0] === 200);
  t.pass('serving');
});
