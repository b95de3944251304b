// Max throughput: closed loop (each connection sends its next request when the previous answer
// arrives) with autocannon, after a discarded warm-up run.
import autocannon from 'autocannon';

export interface ClosedLoopOptions {
  url: string;
  connections: number;
  warmupSec: number;
  durationSec: number;
}

export interface ClosedLoopResult {
  durationSec: number;
  connections: number;
  /** 2xx responses per second, averaged over the measured run. */
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** autocannon's latency (ms, 1 ms resolution), from actual send: not corrected for coordinated omission. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

const once = (url: string, connections: number, duration: number) =>
  autocannon({ url, connections, duration, pipelining: 1, timeout: 10 });

export async function runClosedLoop(o: ClosedLoopOptions): Promise<ClosedLoopResult> {
  if (o.warmupSec > 0) await once(o.url, o.connections, o.warmupSec);
  const r = await once(o.url, o.connections, o.durationSec);
  const ok = r['2xx'];
  return {
    durationSec: r.duration,
    connections: o.connections,
    rps: ok / r.duration,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: r.latency.mean,
    },
  };
}
