// Fresh connections: what interception costs per *connection* (REDIRECT, SO_ORIGINAL_DST, the HTTP
// inspector's first read, the hand-off to the service-port listener), which the keep-alive
// generators amortise away. Sequentially, `count` times (after `warmup` unmeasured ones): open a TCP
// connection, send one GET with `connection: close`, read the whole response. Latency runs from
// before connect to the end of the body, in ms. Runs in the generator child
// (intercept-worker.ts), in the client pod.
import { request } from 'node:http';
import { percentiles } from './intercept-report.ts';

export interface FreshOptions {
  /** Address to connect to (an IP: no name lookup inside the timed part). */
  host: string;
  port: number;
  /** Host header (the explicit proxy routes by it). */
  hostHeader: string;
  count: number;
  warmup: number;
}

export interface FreshResult {
  count: number;
  ok: number;
  errors: number;
  firstError?: string;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

function once(o: FreshOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: o.host,
        port: o.port,
        path: '/',
        agent: false,
        headers: { host: o.hostHeader, connection: 'close' },
        timeout: 5_000,
      },
      (res) => {
        res.resume();
        res.once('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`status ${res.statusCode}`)),
        );
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error('timed out after 5 s')));
    req.once('error', reject);
    req.end();
  });
}

export async function runFresh(o: FreshOptions): Promise<FreshResult> {
  const values: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < o.warmup + o.count; i++) {
    try {
      const ms = await once(o);
      if (i >= o.warmup) values.push(ms);
    } catch (err) {
      if (i < o.warmup) continue;
      errors++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
  const result: FreshResult = { count: o.count, ok: values.length, errors, latencyMs: percentiles(values) };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}
