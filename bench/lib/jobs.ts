// Child processes the benchmarks run: TypeScript entry points under tsx, and load-generator jobs
// (bench/lib/worker.ts) in their own, optionally pinned, process.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from './procs.ts';
import type { Job } from './worker.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const nodeTs = (script: string, ...args: string[]) => [
  '--import',
  'tsx',
  join(REPO_ROOT, script),
  ...args,
];

/** Runs one load-generator job in its own (pinned) process; bounded by a hard deadline. */
export async function runWorker<T>(job: Job, cpu: string | undefined, deadlineMs: number): Promise<T> {
  const proc = start(process.execPath, nodeTs('bench/lib/worker.ts', JSON.stringify(job)), cpu, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  try {
    return await new Promise<T>((resolveResult, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${job.kind}-loop generator exceeded ${deadlineMs} ms`)),
        deadlineMs,
      );
      proc.child.once('message', (m: { ok: boolean; result?: T; error?: string }) => {
        clearTimeout(timer);
        if (m.ok && m.result !== undefined) resolveResult(m.result);
        else reject(new Error(`${job.kind}-loop generator failed: ${m.error ?? 'no result'}`));
      });
      void proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${job.kind}-loop generator exited (${code}): ${proc.tail()}`));
      });
    });
  } finally {
    await proc.stop();
  }
}
