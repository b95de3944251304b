// Weft benchmark harness: `npm run bench -- --help`.
//
// One upstream, several targets in front of it (direct, weft, haproxy, nginx, a plain Node proxy),
// each measured in the same run: closed-loop max throughput (autocannon) and open-loop latency at a
// fixed rate (bench/lib/open-loop.ts). Proxies are pinned to one core, the upstream and load
// generators to the other, so what is compared is what one proxy core can do.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchArgs, parseBenchArgs, USAGE, UsageError } from './lib/args.ts';
import type { ClosedLoopResult } from './lib/closed-loop.ts';
import { waitQuiet } from './lib/cpu-busy.ts';
import { nodeTs, runWorker } from './lib/jobs.ts';
import type { OpenLoopResult } from './lib/open-loop.ts';
import { cleanup, cleanupSync, hasCommand, installExitHandlers, makeTempDir, start } from './lib/procs.ts';
import {
  addDerived,
  formatFacts,
  formatTable,
  type MachineFacts,
  machineFacts,
  type TargetResult,
} from './lib/report.ts';
import { httpGet, TARGET_NAMES, TARGETS, type TargetEnv } from './lib/targets.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const WARMUP_SEC = 2;
const DRAIN_MS = 5_000;
const UPSTREAM_BODY_BYTES = 1024;
/** Background load (percent of a core, not ours) above which a target's numbers are flagged as noisy. */
const BUSY_WARN_PCT = 15;
/** How long to wait, before each target, for the machine to be that quiet. */
const QUIET_WAIT_MS = 5_000;

interface Pinning {
  proxyCpu: string | undefined;
  loadCpu: string | undefined;
  describe: string;
}

function choosePinning(taskset: boolean): Pinning {
  const cores = availableParallelism();
  if (!taskset) {
    return {
      proxyCpu: undefined,
      loadCpu: undefined,
      describe: 'none (taskset not found: apt-get install -y util-linux)',
    };
  }
  if (cores < 2) return { proxyCpu: undefined, loadCpu: undefined, describe: 'none (only one core)' };
  return {
    proxyCpu: '1',
    loadCpu: '0',
    describe: 'proxy on cpu 1; upstream and load generators on cpu 0 (taskset -c)',
  };
}

async function startUpstream(cpu: string | undefined): Promise<number> {
  const proc = start(process.execPath, nodeTs('bench/lib/upstream.ts'), cpu, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`upstream did not report its port: ${proc.tail()}`)),
      10_000,
    );
    proc.child.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      if (typeof m.port === 'number' && m.port > 0) resolvePort(m.port);
      else reject(new Error(`upstream sent an unexpected message: ${JSON.stringify(m)}`));
    });
    void proc.exited.then((code) => reject(new Error(`upstream exited (${code}): ${proc.tail()}`)));
  });
}

async function measure(name: string, port: number, args: BenchArgs, pin: Pinning): Promise<TargetResult> {
  const url = `http://127.0.0.1:${port}/`;
  const probe = await httpGet(port, '/');
  if (probe?.status !== 200 || probe.bytes !== UPSTREAM_BODY_BYTES) {
    const got = probe ? `status ${probe.status}, ${probe.bytes} bytes` : 'no response';
    return {
      name,
      status: 'failed',
      reason: `GET / through ${name} gave ${got}; expected 200 with 1024 bytes`,
    };
  }
  const runSec = WARMUP_SEC + args.durationSec;
  const throughput = await runWorker<ClosedLoopResult>(
    {
      kind: 'closed',
      url,
      connections: args.connections,
      warmupSec: WARMUP_SEC,
      durationSec: args.durationSec,
    },
    pin.loadCpu,
    runSec * 1000 + 30_000,
  );
  console.log(
    `  throughput: ${throughput.rps.toFixed(0)} req/s, p50 ${throughput.latencyMs.p50} ms, p99 ${throughput.latencyMs.p99} ms` +
      `, errors ${throughput.errors + throughput.non2xx}`,
  );
  const latency = await runWorker<OpenLoopResult>(
    {
      kind: 'open',
      url,
      rate: args.rate,
      connections: args.connections,
      warmupSec: WARMUP_SEC,
      durationSec: args.durationSec,
      drainMs: DRAIN_MS,
    },
    pin.loadCpu,
    runSec * 1000 + DRAIN_MS + 30_000,
  );
  const l = latency.latencyMs;
  const errs = latency.errors + latency.non2xx + latency.timeouts;
  console.log(
    `  at ${args.rate} req/s: p50 ${l.p50.toFixed(2)} p99 ${l.p99.toFixed(2)} p99.9 ${l.p999.toFixed(2)} max ${l.max.toFixed(2)} ms` +
      `, achieved ${latency.achievedRps.toFixed(0)}/s, errors ${errs}${latency.firstError ? ` (${latency.firstError})` : ''}`,
  );
  return { name, status: 'ok', throughput, latency };
}

function defaultOut(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(REPO_ROOT, 'bench/results', `${stamp}.json`);
}

async function main(): Promise<number> {
  let parsed: BenchArgs | 'help';
  try {
    parsed = parseBenchArgs(process.argv.slice(2), TARGET_NAMES);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench: ${err.message} (see --help)`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(USAGE.replace('TARGETS', TARGET_NAMES.join(', ')));
    return 0;
  }
  const args = parsed;
  const startedAt = new Date().toISOString();
  installExitHandlers();

  const pin = choosePinning(hasCommand('taskset', ['-V']));
  const facts: MachineFacts = machineFacts(pin.proxyCpu !== undefined);
  console.log(formatFacts(facts, pin.describe));
  console.log(
    `duration ${args.durationSec} s (+${WARMUP_SEC} s warm-up) · ${args.connections} connections · open-loop rate ${args.rate} req/s\n`,
  );

  const dir = makeTempDir('weft-bench-');
  const upstreamPort = await startUpstream(pin.loadCpu);
  console.log(`upstream: 127.0.0.1:${upstreamPort} (1 KB body, keep-alive)`);

  const results: TargetResult[] = [];
  const selected = TARGETS.filter((t) => args.only === undefined || args.only.includes(t.name));
  for (const target of selected) {
    console.log(`\n== ${target.name}`);
    const background = await waitQuiet(BUSY_WARN_PCT, QUIET_WAIT_MS);
    const busy = Object.entries(background ?? {}).filter(([, pct]) => pct > BUSY_WARN_PCT);
    if (busy.length > 0) {
      const list = busy.map(([cpu, pct]) => `cpu${cpu} ${pct}%`).join(', ');
      console.log(
        `  warning: cores already busy before this run (${list}; other work on the machine): expect noisy numbers`,
      );
    }
    const targetDir = join(dir, target.name);
    mkdirSync(targetDir);
    const env: TargetEnv = { repoRoot: REPO_ROOT, dir: targetDir, upstreamPort, proxyCpu: pin.proxyCpu };
    const started = await target.start(env);
    if (!started.ok) {
      console.log(`  skipped: ${started.reason}`);
      results.push({
        name: target.name,
        status: 'skipped',
        reason: started.reason,
        backgroundCpuPct: background,
      });
      continue;
    }
    try {
      const r = await measure(target.name, started.running.port, args, pin);
      r.backgroundCpuPct = background;
      if (r.status !== 'ok') console.log(`  failed: ${r.reason}`);
      results.push(r);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      console.log(`  failed: ${reason}`);
      results.push({ name: target.name, status: 'failed', reason, backgroundCpuPct: background });
    } finally {
      await started.running.stop();
    }
  }

  addDerived(results);
  console.log(`\n${formatTable(results, args.rate)}`);

  const out = resolve(args.out ?? defaultOut());
  mkdirSync(dirname(out), { recursive: true });
  const report = {
    startedAt,
    machine: facts,
    pinning: pin.describe,
    options: { ...args, warmupSec: WARMUP_SEC, upstreamBodyBytes: UPSTREAM_BODY_BYTES },
    targets: results,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${relative(process.cwd(), out) || out}`);
  await cleanup();
  return 0;
}

main().then(
  (code) => {
    cleanupSync();
    process.exit(code);
  },
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    cleanupSync();
    process.exit(1);
  },
);
