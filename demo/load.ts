// The demo's load generator: GET / on the frontend (through the frontend's sidecar, `Host: frontend`)
// at a steady rate. Requests are due at fixed times and sent then even while earlier ones are still
// out (up to a cap), so a slow version shows as latency rather than as fewer requests.
import http from 'node:http';
import type { FrontendAnswer } from './services.ts';
import type { TrafficStats } from './table.ts';

const MAX_IN_FLIGHT = 200;
const TIMEOUT_MS = 5_000;

export class LoadGenerator {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Requests not sent because MAX_IN_FLIGHT were still out. */
  skipped = 0;

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly stats: TrafficStats,
  ) {}

  start(ratePerSec: number): void {
    const startedAt = performance.now();
    let sent = 0;
    // A 10 ms tick sends whatever is due, so the rate holds even though timers are coarse.
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * ratePerSec);
      for (; sent < due; sent++) {
        if (this.inFlight >= MAX_IN_FLIGHT) this.skipped++;
        else this.send();
      }
    }, 10);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.agent.destroy();
  }

  private send(): void {
    const sentAt = performance.now();
    this.inFlight++;
    let done = false;
    const finish = (version: string, ok: boolean) => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (this.timer) this.stats.record({ sentAt, version, ok, latencyMs: performance.now() - sentAt });
    };
    const request = http.get(
      { host: '127.0.0.1', port: this.port, path: '/', headers: { host: this.host }, agent: this.agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          let version = 'none';
          try {
            version = (JSON.parse(body) as FrontendAnswer).reviews ?? 'none';
          } catch {
            // an error page from the sidecar: no version answered
          }
          finish(version, res.statusCode === 200);
        });
        res.on('error', () => finish('none', false));
      },
    );
    request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error('timeout')));
    request.on('error', () => finish('none', false));
  }
}
