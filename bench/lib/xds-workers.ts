// The harness's side of the simulated-proxy workers (bench/lib/xds-worker.ts): splits the proxies
// between W child processes, starts them, and gathers their answers.
import { nodeTs, REPO_ROOT } from './jobs.ts';
import { type Spawned, start } from './procs.ts';
import type { ProxySpec } from './xds-mesh.ts';
import type { WorkerCommand, WorkerReport } from './xds-worker.ts';

export interface ProxyAck {
  startedAt: number;
  ackedAt: number | null;
}

export interface ClientWorkers {
  connect(address: string, connectConcurrency: number): void;
  /** Every proxy's ACK time of `version` (or of a later one), waiting up to `timeoutMs`. */
  awaitVersion(version: string, timeoutMs: number): Promise<ProxyAck[]>;
  /** Total CPU time of the worker processes so far, µs. */
  cpuUs(): Promise<number>;
  failures(): string[];
  close(): Promise<void>;
}

type Acked = Extract<WorkerReport, { type: 'acked' }>;

class Worker {
  private readonly waiting = new Map<string, (report: WorkerReport) => void>();
  lastFailures: string[] = [];

  constructor(
    readonly proc: Spawned,
    readonly proxies: ProxySpec[],
  ) {
    proc.child.on('message', (report: WorkerReport) => {
      if (report.type === 'acked') this.lastFailures = report.failures;
      const key = report.type === 'acked' ? `acked:${report.version}` : report.type;
      const resolve = this.waiting.get(key);
      this.waiting.delete(key);
      resolve?.(report);
    });
  }

  send(command: WorkerCommand): void {
    this.proc.child.send(command);
  }

  /** The next report of one kind; rejects if the worker exits or reports an error first. */
  next<T extends WorkerReport>(key: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker: no ${key} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(key, (report) => {
        clearTimeout(timer);
        resolve(report as T);
      });
      this.waiting.set('error', (report) => {
        clearTimeout(timer);
        reject(new Error(`worker: ${(report as { message?: string }).message}`));
      });
      void this.proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited (${code}): ${this.proc.tail()}`));
      });
    });
  }
}

export async function startWorkers(
  specs: ProxySpec[],
  count: number,
  cpu: string | undefined,
): Promise<ClientWorkers> {
  const workers: Worker[] = [];
  for (let w = 0; w < count; w++) {
    const share = specs.filter((_, j) => j % count === w);
    const proc = start(process.execPath, nodeTs('bench/lib/xds-worker.ts'), cpu, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    workers.push(new Worker(proc, share));
  }
  // A worker is up once it answers; its start-up (tsx compiling) is not the control plane's time.
  const cpuUs = async () => {
    const reports = await Promise.all(
      workers.map((w) => {
        const report = w.next<Extract<WorkerReport, { type: 'cpu' }>>('cpu', 60_000);
        w.send({ type: 'cpu' });
        return report;
      }),
    );
    return reports.reduce((sum, r) => sum + r.cpu.userUs + r.cpu.systemUs, 0);
  };
  await cpuUs();
  return {
    connect(address, connectConcurrency) {
      for (const w of workers) w.send({ type: 'start', address, proxies: w.proxies, connectConcurrency });
    },
    async awaitVersion(version, timeoutMs) {
      const reports = await Promise.all(
        workers.map((w) => {
          const report = w.next<Acked>(`acked:${version}`, timeoutMs + 30_000);
          w.send({ type: 'await', version, timeoutMs });
          return report;
        }),
      );
      return reports.flatMap((r) => r.ackedAt.map((ackedAt, i) => ({ ackedAt, startedAt: r.startedAt[i]! })));
    },
    cpuUs,
    failures: () => workers.flatMap((w) => w.lastFailures),
    async close() {
      for (const w of workers) w.send({ type: 'close' });
      await Promise.all(
        workers.map((w) =>
          Promise.race([w.proc.exited, new Promise((r) => setTimeout(r, 5_000))]).then(() => w.proc.stop()),
        ),
      );
    },
  };
}
