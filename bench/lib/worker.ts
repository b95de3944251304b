// Child-process entry for the load generators, so that they never share an event loop (or, when
// pinned, a core) with the upstream or the proxy. Reads one job from argv, sends the result over IPC.
import { type ClosedLoopOptions, runClosedLoop } from './closed-loop.ts';
import { type OpenLoopOptions, runOpenLoop } from './open-loop.ts';

export type Job = ({ kind: 'closed' } & ClosedLoopOptions) | ({ kind: 'open' } & OpenLoopOptions);

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const result = job.kind === 'closed' ? await runClosedLoop(job) : await runOpenLoop(job);
  await new Promise<void>((resolve, reject) => {
    if (!process.send) return reject(new Error('worker.ts must be started with an IPC channel'));
    process.send({ ok: true, result }, (err: Error | null) => (err ? reject(err) : resolve()));
  });
  process.exit(0);
}

process.on('disconnect', () => process.exit(1));
main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  if (process.send) process.send({ ok: false, error: message }, () => process.exit(1));
  else {
    console.error(message);
    process.exit(1);
  }
});
