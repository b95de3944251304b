// A wrk2-style open-loop load generator with coordinated-omission correction.
//
// Request i has an intended send time `start + i / rate`, fixed before the run begins. Requests are
// fired at (or as soon as possible after) that time whether or not earlier ones have returned, over a
// pool of keep-alive connections; when every connection is busy they queue. Each latency is measured
// from the *intended* send time, so time spent waiting behind a slow response — the stall a
// closed-loop generator silently stops measuring — is counted, as a user arriving at that moment
// would see it.
import { build } from 'hdr-histogram-js';
import { Pool } from 'undici';

export interface OpenLoopOptions {
  url: string;
  /** Requests per second to schedule. */
  rate: number;
  /** Keep-alive connections in the pool. */
  connections: number;
  /** Seconds of load whose results are discarded. */
  warmupSec: number;
  /** Seconds of load that are measured, right after the warm-up. */
  durationSec: number;
  /** How long to wait for stragglers after the last scheduled send before counting them as timeouts. */
  drainMs: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface OpenLoopResult {
  rate: number;
  durationSec: number;
  /** Measured requests scheduled (rate × duration). */
  scheduled: number;
  /** Measured requests answered with a 2xx. */
  ok: number;
  non2xx: number;
  errors: number;
  /** Measured requests still unanswered `drainMs` after the last send. */
  timeouts: number;
  /** 2xx responses per second over the measured window (until the last measured response). */
  achievedRps: number;
  /** Latency from intended send time to full response, in ms. */
  latencyMs: Percentiles;
  /** How late the generator itself fired requests (actual − intended), in ms: its own noise floor. */
  sendLagMs: { p50: number; p99: number; max: number };
  firstError?: string;
}

// Microsecond values, 3 significant digits (≤ 0.1% relative error), grows as needed.
const newHistogram = () =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const url = new URL(o.url);
  const pool = new Pool(url.origin, {
    connections: o.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const path = url.pathname + url.search;
  const latency = newHistogram();
  const lag = newHistogram();

  const intervalMs = 1000 / o.rate;
  const warmN = Math.round(o.rate * o.warmupSec);
  const total = warmN + Math.round(o.rate * o.durationSec);
  const start = performance.now() + 20;
  const measureStart = start + warmN * intervalMs;

  let next = 0;
  let inFlight = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lastDone = measureStart;
  let firstError: string | undefined;
  let onIdle: (() => void) | undefined;
  // Set once the drain deadline passes: late answers and pool-teardown errors are not counted.
  let closed = false;

  const settle = () => {
    inFlight--;
    if (inFlight === 0 && next >= total && onIdle) onIdle();
  };

  const fire = (i: number) => {
    const intended = start + i * intervalMs;
    const measured = i >= warmN;
    if (measured) lag.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
    inFlight++;
    pool
      .request({ path, method: 'GET' })
      .then(async (res) => {
        await res.body.dump({ limit: 1 << 20 });
        if (!measured || closed) return;
        const done = performance.now();
        if (res.statusCode >= 200 && res.statusCode < 300) {
          ok++;
          latency.recordValue(Math.max(1, Math.round((done - intended) * 1000)));
          if (done > lastDone) lastDone = done;
        } else {
          non2xx++;
        }
      })
      .catch((err: unknown) => {
        if (!measured || closed) return;
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      })
      .finally(settle);
  };

  // Fire everything that is due, then sleep until the next intended send time.
  const scheduled = new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      while (next < due) fire(next++);
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await scheduled;

  const drained = new Promise<boolean>((resolve) => {
    if (inFlight === 0) return resolve(true);
    const timer = setTimeout(() => resolve(false), o.drainMs);
    onIdle = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
  await drained;
  closed = true;
  await pool.destroy().catch(() => undefined);

  const scheduledMeasured = total - warmN;
  const timeouts = Math.max(0, scheduledMeasured - ok - non2xx - errors);
  const windowSec = Math.max(o.durationSec, (lastDone - measureStart) / 1000);
  const ms = (us: number) => us / 1000;
  const result: OpenLoopResult = {
    rate: o.rate,
    durationSec: o.durationSec,
    scheduled: scheduledMeasured,
    ok,
    non2xx,
    errors,
    timeouts,
    achievedRps: ok / windowSec,
    latencyMs: {
      p50: ms(latency.getValueAtPercentile(50)),
      p90: ms(latency.getValueAtPercentile(90)),
      p99: ms(latency.getValueAtPercentile(99)),
      p999: ms(latency.getValueAtPercentile(99.9)),
      max: ms(latency.maxValue),
      mean: ms(latency.mean),
    },
    sendLagMs: {
      p50: ms(lag.getValueAtPercentile(50)),
      p99: ms(lag.getValueAtPercentile(99)),
      max: ms(lag.maxValue),
    },
  };
  if (firstError !== undefined) result.firstError = firstError;
  latency.destroy();
  lag.destroy();
  return result;
}
