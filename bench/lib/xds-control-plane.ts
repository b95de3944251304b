// The weft-control-plane process under test: started from source on a config folder (optionally
// pinned to a core), with the memory probe preloaded. Its JSON log says when it is ready and when
// (and with which version) it pushed; /proc says how much memory it holds; the probe adds heapUsed
// and CPU time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './jobs.ts';
import { freePort, type Spawned, start } from './procs.ts';
import type { ProbeReply, ProbeRequest } from './xds-memory-probe.ts';

export interface PushEvent {
  version: string;
  trigger: string;
  /** The log line's time (wall ms): after every proxy's snapshot was translated and handed to ADS. */
  at: number;
  proxies: number;
}

export interface ControlPlaneSample {
  rssBytes: number;
  heapUsedBytes: number;
  cpuUs: number;
}

export interface ControlPlane {
  readonly pid: number;
  readonly xdsAddress: string;
  /** The version pushed at start-up, before any proxy connected. */
  readonly startVersion: string;
  /** The first `pushed` log line with `trigger` logged at or after `sinceMs`. */
  nextPush(sinceMs: number, trigger: string, timeoutMs: number): Promise<PushEvent>;
  sample(gc: boolean): Promise<ControlPlaneSample>;
  tail(): string;
  stop(): Promise<void>;
}

/** VmRSS from /proc (what the kernel charges the process), or undefined off Linux. */
export function procRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function logLines(proc: Spawned, onLine: (fields: Record<string, unknown>) => void): void {
  let partial = '';
  proc.child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        onLine(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not one of its JSON log lines
      }
    }
  });
}

export async function startControlPlane(configDir: string, cpu: string | undefined): Promise<ControlPlane> {
  const [xdsPort, monitoringPort] = [await freePort(), await freePort()];
  const proc = start(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      '--import',
      join(REPO_ROOT, 'bench/lib/xds-memory-probe.ts'),
      join(REPO_ROOT, 'control-plane/src/main.ts'),
      '--config-dir',
      configDir,
      '--listen-address',
      '127.0.0.1',
      '--xds-port',
      String(xdsPort),
      '--monitoring-port',
      String(monitoringPort),
    ],
    cpu,
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  const pushes: PushEvent[] = [];
  let pushWaiters: Array<() => void> = [];
  let ready = false;
  logLines(proc, (fields) => {
    if (fields.msg === 'ready') ready = true;
    if (fields.msg !== 'pushed') return;
    pushes.push({
      version: String(fields.version),
      trigger: String(fields.trigger),
      at: Number(fields.time),
      proxies: Number(fields.proxies),
    });
    for (const wake of pushWaiters) wake();
  });
  const exited = proc.exited.then((code) => `weft-control-plane exited (${code}): ${proc.tail()}`);
  const deadline = Date.now() + 30_000;
  while (!ready) {
    const early = await Promise.race([
      exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)),
    ]);
    if (early !== undefined) throw new Error(early);
    if (Date.now() > deadline) throw new Error(`weft-control-plane not ready within 30 s: ${proc.tail()}`);
  }
  const startPush = pushes.find((p) => p.trigger === 'start');
  if (!startPush) throw new Error(`weft-control-plane logged no start push: ${proc.tail()}`);

  let probeId = 0;
  const sample = (gc: boolean) =>
    new Promise<ControlPlaneSample>((resolve, reject) => {
      const id = ++probeId;
      const timer = setTimeout(
        () => reject(new Error('the control plane did not answer the memory probe')),
        30_000,
      );
      const onMessage = (reply: ProbeReply) => {
        if (reply?.type !== 'sample' || reply.id !== id) return;
        clearTimeout(timer);
        proc.child.off('message', onMessage);
        resolve({
          rssBytes: procRssBytes(proc.child.pid ?? 0) ?? reply.rssBytes,
          heapUsedBytes: reply.heapUsedBytes,
          cpuUs: reply.cpuUs,
        });
      };
      proc.child.on('message', onMessage);
      proc.child.send({ type: 'sample', id, gc } satisfies ProbeRequest);
    });

  const nextPush = async (sinceMs: number, trigger: string, timeoutMs: number): Promise<PushEvent> => {
    const deadline = Date.now() + timeoutMs;
    // The log's time has ms resolution; a push logged in the write's own millisecond still counts.
    const find = () => pushes.find((p) => p.trigger === trigger && p.at >= Math.floor(sinceMs));
    for (;;) {
      const found = find();
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${trigger} push within ${timeoutMs} ms: ${proc.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        pushWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      pushWaiters = [];
    }
  };

  return {
    pid: proc.child.pid ?? 0,
    xdsAddress: `127.0.0.1:${xdsPort}`,
    startVersion: startPush.version,
    nextPush,
    sample,
    tail: proc.tail,
    stop: proc.stop,
  };
}
