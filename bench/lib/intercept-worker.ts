// Child-process entry for the interception bench's load: the main bench's generators (closed loop,
// open loop) and the fresh-connection client, one job from argv, run inside the client pod. Sends
// the result over IPC with this process's own CPU time (start-up included), which the harness
// subtracts when it works out how busy the rest of the machine was (intercept-cpu.ts).
import { type ClosedLoopOptions, runClosedLoop } from './closed-loop.ts';
import { type FreshOptions, runFresh } from './intercept-fresh.ts';
import { type OpenLoopOptions, runOpenLoop } from './open-loop.ts';

export type InterceptJob =
  | ({ kind: 'closed' } & ClosedLoopOptions)
  | ({ kind: 'open' } & OpenLoopOptions)
  | ({ kind: 'fresh' } & FreshOptions);

export interface JobReply<T> {
  ok: boolean;
  result?: T;
  /** user + system CPU of this process since it started, ms. */
  cpuMs?: number;
  error?: string;
}

function run(job: InterceptJob): Promise<unknown> {
  switch (job.kind) {
    case 'closed':
      return runClosedLoop(job);
    case 'open':
      return runOpenLoop(job);
    case 'fresh':
      return runFresh(job);
  }
}

function reply(message: JobReply<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('intercept-worker.ts must be started with an IPC channel'));
    process.send(message, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

async function main(): Promise<void> {
  const result = await run(JSON.parse(process.argv[2] ?? '{}') as InterceptJob);
  const cpu = process.cpuUsage();
  await reply({ ok: true, result, cpuMs: (cpu.user + cpu.system) / 1000 });
  process.exit(0);
}

process.on('disconnect', () => process.exit(1));
main().catch(async (err: unknown) => {
  const error = err instanceof Error ? err.message : String(err);
  await reply({ ok: false, error }).catch(() => console.error(error));
  process.exit(1);
});
