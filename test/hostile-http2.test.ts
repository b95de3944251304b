// Hostile HTTP/2 clients against the real weft-proxy process (issue 9, items 4, 5, 9 and 10): an
// idle session, header floods, invalid header fields, more streams than advertised, and the frame
// floods nghttp2 already defends against (kept as regressions). Frames the node:http2 client would
// refuse to send are built by hand (test/lib/h2-frames.ts).
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { h2Client } from './lib/client.ts';
import {
  ERROR,
  errorCode,
  FRAME,
  frame,
  headerBlock,
  RawH2,
  requestFields,
  requestFrame,
  rstStream,
} from './lib/h2-frames.ts';
import { eventually, metric } from './lib/hostile.ts';
import { spawnProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

const up = await startUpstream({ name: 'app' });
const DEFAULT_STREAMS = 100;
const proxy = await spawnProxy(
  bootstrap({
    clusters: [staticCluster('app', [up.port])],
    virtualHosts: [anyHost([{ match: { prefix: '/' }, route: { cluster: 'app' } }])],
    hcm: {
      request_headers_timeout: '0.2s',
      common_http_protocol_options: { idle_timeout: '0.5s', max_headers_count: 100 },
    },
  }),
);
t.teardown(async () => {
  await proxy.cleanup();
  await up.close();
});
const HCM = { envoy_http_conn_manager_prefix: 'ingress_http' };
const port = proxy.port;

async function stillServes(): Promise<number> {
  const client = h2Client(port);
  try {
    return (await client({ path: '/alive' })).status;
  } finally {
    await client.close();
  }
}

t.test('item 4: an idle HTTP/2 session gets GOAWAY at idle_timeout and is counted', async (t) => {
  const before = await metric(proxy.adminPort, 'envoy_http_downstream_cx_idle_timeout', HCM);
  const conn = new RawH2(port);
  await conn.start();
  await eventually(() => conn.closed, 5000);
  t.ok(conn.find(FRAME.GOAWAY), 'GOAWAY before the close');
  t.equal(await metric(proxy.adminPort, 'envoy_http_downstream_cx_idle_timeout', HCM), before + 1);
});

t.test('item 5: more request headers than max_headers_count are refused with 431', async (t) => {
  const seenBefore = up.seen.length;
  const client = h2Client(port);
  const many: Record<string, string> = {};
  for (let i = 0; i < 150; i++) many[`x-h-${i}`] = 'v';
  t.equal((await client({ headers: many })).status, 431, '150 headers');
  const enough: Record<string, string> = {};
  for (let i = 0; i < 100; i++) enough[`x-h-${i}`] = 'v';
  t.equal((await client({ headers: enough })).status, 200, '100 headers pass');
  await client.close();
  t.equal(up.seen.length, seenBefore + 1, 'only the request within the limit reached the upstream');
  t.equal(up.seen.at(-1)?.headers['x-h-99'], 'v');
  t.equal(await metric(proxy.adminPort, 'weft_http_downstream_rq_headers_refused_total', HCM), 1);
});

t.test(
  'item 9: an uppercase header name makes the stream malformed (RST_STREAM PROTOCOL_ERROR)',
  async (t) => {
    const seenBefore = up.seen.length;
    const conn = new RawH2(port);
    await conn.start();
    conn.write(requestFrame(1, requestFields(port, '/', [['X-Upper', 'v']])));
    await eventually(() => conn.find(FRAME.RST_STREAM, 1) !== undefined || conn.closed);
    const rst = conn.find(FRAME.RST_STREAM, 1);
    t.equal(rst && errorCode(rst), ERROR.PROTOCOL_ERROR);
    conn.close();
    t.equal(up.seen.length, seenBefore, 'nothing reached the upstream');
  },
);

// node:http2 registers an nghttp2 invalid-header callback that drops such a field and keeps the
// stream; seeing it needs the header block decoded again in JS (HPACK), which is not done yet.
t.test(
  'item 9: CR, LF or NUL in a value, space or colon in a name make the stream malformed',
  { todo: 'node:http2 drops these fields before the application sees them (see the report on issue 9)' },
  async (t) => {
    const seenBefore = up.seen.length;
    const invalid: Array<readonly [string, string]> = [
      ['x-a', 'v\r\nx-injected: 1'],
      ['x-a', 'v\nx'],
      ['x-a', 'v\0x'],
      ['x a', 'v'],
      ['x:a', 'v'],
    ];
    const conn = new RawH2(port);
    await conn.start();
    invalid.forEach((field, i) => {
      conn.write(requestFrame(1 + 2 * i, requestFields(port, '/', [field])));
    });
    const answered = () => conn.frames.filter((f) => f.type === FRAME.HEADERS || f.type === FRAME.RST_STREAM);
    await eventually(() => answered().length >= invalid.length || conn.closed);
    invalid.forEach((field, i) => {
      const rst = conn.find(FRAME.RST_STREAM, 1 + 2 * i);
      t.equal(rst && errorCode(rst), ERROR.PROTOCOL_ERROR, JSON.stringify(field));
    });
    conn.close();
    t.equal(up.seen.length, seenBefore, 'nothing reached the upstream');
  },
);

/** Opens `count` slow streams in one write; resolves once each got response HEADERS or RST_STREAM. */
async function openStreams(conn: RawH2, count: number): Promise<void> {
  const slow = [['x-test-delay-ms', '300']] as const;
  const requests: Buffer[] = [];
  for (let i = 0; i < count; i++) requests.push(requestFrame(1 + 2 * i, requestFields(port, '/slow', slow)));
  conn.write(Buffer.concat(requests));
  await eventually(
    () =>
      conn.closed ||
      conn.frames.filter((f) => f.type === FRAME.HEADERS || f.type === FRAME.RST_STREAM).length >= count,
    10_000,
  );
}

t.test('item 10: streams beyond the default 100 concurrent are refused with REFUSED_STREAM', async (t) => {
  const seenBefore = up.seen.length;
  // a flood opens its streams at once, before acknowledging the proxy's SETTINGS
  const conn = new RawH2(port, false);
  await conn.start();
  await eventually(() => conn.find(FRAME.SETTINGS) !== undefined);
  const maxStreams = conn.find(FRAME.SETTINGS)!.payload;
  const advertised = [];
  for (let i = 0; i + 6 <= maxStreams.length; i += 6) {
    if (maxStreams.readUInt16BE(i) === 3) advertised.push(maxStreams.readUInt32BE(i + 2));
  }
  t.same(advertised, [DEFAULT_STREAMS], 'SETTINGS_MAX_CONCURRENT_STREAMS advertised');
  await openStreams(conn, DEFAULT_STREAMS + 10);
  const refused = conn.frames.filter(
    (f) => f.type === FRAME.RST_STREAM && errorCode(f) === ERROR.REFUSED_STREAM,
  );
  t.equal(refused.length, 10, 'the excess streams refused');
  t.equal(conn.frames.filter((f) => f.type === FRAME.HEADERS).length, DEFAULT_STREAMS, 'the rest answered');
  t.notOk(conn.closed, 'the connection stays');
  conn.close();
  t.equal(up.seen.length, seenBefore + DEFAULT_STREAMS);
});

// nghttp2 (inside node:http2) treats streams beyond an acknowledged limit as a connection error, not
// a stream error: the connection goes, the proxy stays, and the excess never reaches the upstream.
t.test('item 10: a client that acknowledged the limit and exceeds it loses the connection', async (t) => {
  const seenBefore = up.seen.length;
  const conn = new RawH2(port);
  await conn.start();
  await eventually(() => conn.find(FRAME.SETTINGS) !== undefined);
  await new Promise((r) => setTimeout(r, 50)); // our ACK reaches the proxy first
  await openStreams(conn, DEFAULT_STREAMS + 10);
  await eventually(() => conn.closed, 5000);
  t.ok(up.seen.length - seenBefore <= DEFAULT_STREAMS, 'no more than the limit reached the upstream');
  t.equal(await stillServes(), 200);
});

t.test(
  'item 10: frame floods end in GOAWAY and the proxy survives (regression)',
  { timeout: 90_000 },
  async (t) => {
    const seenBefore = up.seen.length;
    const floods: Record<string, (conn: RawH2) => void> = {
      'rapid reset': (conn) => {
        const frames: Buffer[] = [];
        for (let i = 0; i < 1500; i++) {
          const id = 1 + 2 * i;
          frames.push(requestFrame(id, requestFields(port, '/reset')), rstStream(id, ERROR.CANCEL));
        }
        conn.write(Buffer.concat(frames));
      },
      'SETTINGS flood': (conn) =>
        conn.write(Buffer.concat(Array.from({ length: 20_000 }, () => frame(FRAME.SETTINGS, 0, 0)))),
      'PING flood': (conn) =>
        conn.write(
          Buffer.concat(Array.from({ length: 20_000 }, () => frame(FRAME.PING, 0, 0, Buffer.alloc(8)))),
        ),
      'CONTINUATION flood': (conn) => {
        const frames = [frame(FRAME.HEADERS, 0, 1, headerBlock(requestFields(port, '/cont')))];
        const filler = headerBlock([['x-filler', 'y'.repeat(100)]]);
        for (let i = 0; i < 20_000; i++) frames.push(frame(FRAME.CONTINUATION, 0, 1, filler));
        conn.write(Buffer.concat(frames));
      },
    };
    for (const [name, flood] of Object.entries(floods)) {
      const conn = new RawH2(port);
      await conn.start();
      flood(conn);
      await eventually(() => conn.find(FRAME.GOAWAY) !== undefined || conn.closed, 10_000);
      const goaway = conn.find(FRAME.GOAWAY);
      t.ok(goaway, `${name}: GOAWAY`);
      t.not(goaway && errorCode(goaway), ERROR.NO_ERROR, `${name}: with an error code`);
      conn.close();
      t.equal(await stillServes(), 200, `${name}: still serving`);
    }
    // A stream reset in the same read as its HEADERS is dropped before it is routed. Before, each of
    // the ~1 400 streams nghttp2 read until its reset limit (1 000) became an upstream request and
    // connection, and the proxy answered nothing else for seconds.
    t.ok(up.seen.length - seenBefore < 50, 'the reset requests (almost) never reached the upstream');
    t.equal(proxy.child.exitCode, null, 'the process is alive');
  },
);
