// The open-loop generator against a local server: it keeps its schedule, and a stall shows up in
// the latency of every request scheduled during it (coordinated-omission correction), not just one.
import { createServer, type Server } from 'node:http';
import t from 'tap';
import { runOpenLoop } from './open-loop.ts';

async function serve(
  stallAtMs: number | undefined,
  stallMs: number,
): Promise<{ server: Server; port: number }> {
  const started = performance.now();
  let stalled = false;
  const server = createServer((_req, res) => {
    const answer = () => res.end('ok');
    if (stallAtMs !== undefined && !stalled && performance.now() - started >= stallAtMs) {
      stalled = true;
      setTimeout(answer, stallMs);
    } else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

t.test('keeps the schedule against a fast server', async (t) => {
  const { server, port } = await serve(undefined, 0);
  t.teardown(() => server.close());
  const r = await runOpenLoop({
    url: `http://127.0.0.1:${port}/`,
    rate: 200,
    connections: 4,
    warmupSec: 0.2,
    durationSec: 1,
    drainMs: 1000,
  });
  t.equal(r.scheduled, 200);
  t.equal(r.ok, 200);
  t.equal(r.errors + r.non2xx + r.timeouts, 0);
  t.ok(r.achievedRps > 180 && r.achievedRps <= 201, `achieved ${r.achievedRps}`);
  t.ok(r.latencyMs.p50 < 50, `p50 ${r.latencyMs.p50}`);
});

t.test('a 300 ms stall on the only connection delays everything queued behind it', async (t) => {
  // Warm-up 0.2 s, stall ~0.5 s in: over one connection at 100 req/s about 30 requests wait behind it.
  const { server, port } = await serve(700, 300);
  t.teardown(() => server.close());
  const r = await runOpenLoop({
    url: `http://127.0.0.1:${port}/`,
    rate: 100,
    connections: 1,
    warmupSec: 0.2,
    durationSec: 1,
    drainMs: 2000,
  });
  t.equal(r.ok, 100);
  t.ok(r.latencyMs.max >= 290, `max ${r.latencyMs.max}`);
  // A closed-loop tool records one slow sample; corrected, ~30% of samples are slow.
  t.ok(r.latencyMs.p90 >= 50, `p90 ${r.latencyMs.p90} should include queueing behind the stall`);
});
