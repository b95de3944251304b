// LEAST_REQUEST vs ROUND_ROBIN when one of three endpoints is slow: open-loop latency through
// weft-proxy at a fixed rate, both policies in the same run against the same upstreams.
//   npm run bench:lb -- [--rate 500] [--duration 10] [--slow-ms 20]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { weftBootstrapWith } from './lib/configs.ts';
import { nodeTs, REPO_ROOT, runWorker } from './lib/jobs.ts';
import type { OpenLoopResult } from './lib/open-loop.ts';
import {
  cleanup,
  freePort,
  installExitHandlers,
  makeTempDir,
  portOpen,
  start,
  waitReady,
} from './lib/procs.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '10' },
    'slow-ms': { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
  },
});
const rate = Number(values.rate);
const duration = Number(values.duration);
const slowMs = Number(values['slow-ms']);
const connections = Number(values.connections);
installExitHandlers();

async function main(): Promise<void> {
  const upstreams = start(process.execPath, nodeTs('bench/lib/lb-upstreams.ts', String(slowMs)), '0', {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const ports = await new Promise<number[]>((resolve, reject) => {
    upstreams.child.once('message', (m: { ports: number[] }) => resolve(m.ports));
    void upstreams.exited.then((c) => reject(new Error(`upstreams exited (${c}): ${upstreams.tail()}`)));
  });
  const [listen, admin] = [await freePort(), await freePort()];
  const dir = makeTempDir('weft-bench-lb-');
  const file = join(dir, 'bootstrap.yaml');
  writeFileSync(
    file,
    weftBootstrapWith(
      listen,
      admin,
      [
        { prefix: '/rr', cluster: 'rr' },
        { prefix: '/lr', cluster: 'lr' },
      ],
      [
        { name: 'rr', policy: 'ROUND_ROBIN', ports },
        { name: 'lr', policy: 'LEAST_REQUEST', ports },
      ],
    ),
  );
  const weft = start(process.execPath, nodeTs('proxy/src/cli.ts', '--bootstrap', file), '1', {
    cwd: REPO_ROOT,
  });
  const notReady = await waitReady(weft, portOpen(listen), 10_000);
  if (notReady) throw new Error(`weft-proxy ${notReady}: ${weft.tail()}`);
  const rows: Array<{ policy: string; result: OpenLoopResult }> = [];
  for (const [policy, path] of [
    ['ROUND_ROBIN', '/rr'],
    ['LEAST_REQUEST', '/lr'],
  ] as const) {
    const result = await runWorker<OpenLoopResult>(
      {
        kind: 'open',
        url: `http://127.0.0.1:${listen}${path}`,
        rate,
        connections,
        warmupSec: 2,
        durationSec: duration,
        drainMs: 5000,
      },
      '0',
      (duration + 20) * 1000,
    );
    rows.push({ policy, result });
  }
  console.log(
    `\nLEAST_REQUEST vs ROUND_ROBIN, 3 endpoints, one answering after ${slowMs} ms, ${rate} req/s open loop, ${duration} s`,
  );
  console.log('policy          p50     p90     p99   p99.9   (ms)  ok / scheduled');
  for (const { policy, result: r } of rows) {
    const l = r.latencyMs;
    console.log(
      `${policy.padEnd(14)} ${[l.p50, l.p90, l.p99, l.p999].map((v) => v.toFixed(2).padStart(7)).join(' ')}        ${r.ok} / ${r.scheduled}`,
    );
  }
  const out = join(REPO_ROOT, 'bench/results', `lb-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify({ rate, duration, slowMs, rows }, null, 2));
  console.log(`results: ${out}`);
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  })
  .finally(() => cleanup());
