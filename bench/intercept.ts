// What transparent interception adds: `npm run bench:intercept -- --help` (as root).
//
// A client pod, an upstream pod and a node running the real control plane, as network namespaces
// (bench/lib/intercept-mesh.ts). Inside the client pod the main bench's generators load the same
// upstream three ways — directly (no proxy), through the explicit proxy on its bound service port,
// and through iptables interception to the client sidecar — and, in a second variant, an upstream
// behind its own intercepting sidecar. Per target: closed-loop max throughput, open-loop latency at a
// fixed rate (coordinated-omission corrected), and fresh-connection latency; then what interception
// adds over the explicit proxy, and both over no proxy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { ClosedLoopResult } from './lib/closed-loop.ts';
import { cpuBusy, waitQuiet } from './lib/cpu-busy.ts';
import {
  INTERCEPT_USAGE,
  type InterceptArgs,
  InterceptUsageError,
  parseInterceptArgs,
} from './lib/intercept-args.ts';
import { type CpuDuring, cpuDuring, cpuSnapshot, processCpuNs } from './lib/intercept-cpu.ts';
import type { FreshResult } from './lib/intercept-fresh.ts';
import {
  ADDR,
  buildMesh,
  type Cpus,
  type Mesh,
  probeMismatch,
  runJobIn,
  TARGET_NAMES,
  TARGET_SPECS,
  type TargetSpec,
} from './lib/intercept-mesh.ts';
import { missingPrivileges, PodNetwork, sweepLeftovers } from './lib/intercept-netns.ts';
import {
  compare,
  formatInterceptTable,
  headline,
  type InterceptTargetResult,
  roundOrder,
  type Sample,
} from './lib/intercept-report.ts';
import type { InterceptJob } from './lib/intercept-worker.ts';
import { REPO_ROOT } from './lib/jobs.ts';
import type { OpenLoopResult } from './lib/open-loop.ts';
import {
  cleanup,
  cleanupSync,
  commandOutput,
  hasCommand,
  installExitHandlers,
  makeTempDir,
} from './lib/procs.ts';
import { machineFacts } from './lib/report.ts';

const WARMUP_SEC = 2;
const PRIME_SEC = 3;
const DRAIN_MS = 5_000;
const FRESH_WARMUP = 20;
/** As in the main bench: background load above this (percent of a core) flags a target as noisy. */
const BUSY_WARN_PCT = 15;
const QUIET_WAIT_MS = 5_000;

function choosePinning(): { cpus: Cpus; describe: string } {
  if (!hasCommand('taskset', ['-V'])) {
    return {
      cpus: { proxy: undefined, load: undefined },
      describe: 'none (taskset not found: apt-get install -y util-linux)',
    };
  }
  if (availableParallelism() < 2)
    return { cpus: { proxy: undefined, load: undefined }, describe: 'none (one core)' };
  return {
    cpus: { proxy: '1', load: '0' },
    describe:
      'every weft-proxy on cpu 1; control plane, upstreams and load generators on cpu 0 (taskset -c, inherited ' +
      'through ip netns exec)',
  };
}

const fmtBusy = (b: Record<string, number> | undefined) =>
  b
    ? Object.entries(b)
        .map(([cpu, pct]) => `cpu${cpu} ${pct}%`)
        .join(', ')
    : 'unknown';

interface Run {
  net: PodNetwork;
  mesh: Mesh;
  args: InterceptArgs;
  cpus: Cpus;
}

/** One job in the client pod, with how busy the rest of the machine was meanwhile. */
async function loadJob<T>(run: Run, t: TargetSpec, job: InterceptJob, deadlineMs: number, what: string) {
  const pids = run.net.pids();
  const proxyNs = () => run.mesh.proxyPids.reduce((sum, pid) => sum + processCpuNs(pid), 0);
  const before = cpuSnapshot(pids);
  const proxyBefore = proxyNs();
  const { result, cpuMs } = await runJobIn<T>(run.mesh.client, job, {
    cpu: run.cpus.load,
    uid: t.uid,
    deadlineMs,
    what,
  });
  const proxyMs = (proxyNs() - proxyBefore) / 1e6;
  const after = cpuSnapshot(pids);
  return { result, proxyMs, cpu: before && after ? cpuDuring(before, after, cpuMs) : undefined };
}

const others = (c: CpuDuring | undefined) => (c ? ` · others ${c.othersPct}%, steal ${c.stealPct}%` : '');

async function measure(run: Run, t: TargetSpec): Promise<Omit<Sample, 'round' | 'backgroundCpuPct'>> {
  const { mesh, args } = run;
  const why = probeMismatch(t, mesh.probe(t));
  if (why) throw new Error(`GET / through ${t.name} went wrong: ${why}`);
  const runSec = WARMUP_SEC + args.durationSec;
  const closed = await loadJob<ClosedLoopResult>(
    run,
    t,
    {
      kind: 'closed',
      url: t.url,
      connections: args.connections,
      warmupSec: WARMUP_SEC,
      durationSec: args.durationSec,
    },
    runSec * 1000 + 30_000,
    'closed-loop generator',
  );
  const throughput = closed.result;
  console.log(
    `  throughput: ${throughput.rps.toFixed(0)} req/s, p50 ${throughput.latencyMs.p50} ms, ` +
      `p99 ${throughput.latencyMs.p99} ms, errors ${throughput.errors + throughput.non2xx}${others(closed.cpu)}`,
  );
  const open = await loadJob<OpenLoopResult>(
    run,
    t,
    {
      kind: 'open',
      url: t.url,
      rate: args.rate,
      connections: args.connections,
      warmupSec: WARMUP_SEC,
      durationSec: args.durationSec,
      drainMs: DRAIN_MS,
    },
    runSec * 1000 + DRAIN_MS + 30_000,
    'open-loop generator',
  );
  const latency = open.result;
  const l = latency.latencyMs;
  const errs = latency.errors + latency.non2xx + latency.timeouts;
  // Every request of the open loop, warm-up included, went through the proxies in the window.
  const openRequests = Math.round(args.rate * WARMUP_SEC) + latency.scheduled;
  console.log(
    `  at ${args.rate} req/s: p50 ${l.p50.toFixed(2)} p99 ${l.p99.toFixed(2)} p99.9 ${l.p999.toFixed(2)} ` +
      `max ${l.max.toFixed(2)} ms, achieved ${latency.achievedRps.toFixed(0)}/s, errors ${errs}` +
      `${latency.firstError ? ` (${latency.firstError})` : ''}${others(open.cpu)}` +
      ` · proxy CPU ${((open.proxyMs * 1000) / openRequests).toFixed(0)} µs/req`,
  );
  const sample: Omit<Sample, 'round' | 'backgroundCpuPct'> = {
    throughput,
    latency,
    cpuDuring: {},
    proxyCpuUs: { perRequest: (open.proxyMs * 1000) / openRequests },
  };
  if (closed.cpu) sample.cpuDuring.closed = closed.cpu;
  if (open.cpu) sample.cpuDuring.open = open.cpu;
  if (args.fresh > 0) {
    const fresh = await loadJob<FreshResult>(
      run,
      t,
      { kind: 'fresh', ...t.connect, count: args.fresh, warmup: FRESH_WARMUP },
      (args.fresh + FRESH_WARMUP) * 5_000 + 30_000,
      'fresh-connection client',
    );
    const x = fresh.result.latencyMs;
    console.log(
      `  fresh connections: p50 ${x.p50.toFixed(2)} p99 ${x.p99.toFixed(2)} ms over ${fresh.result.ok}, ` +
        `errors ${fresh.result.errors}${fresh.result.firstError ? ` (${fresh.result.firstError})` : ''}` +
        `${others(fresh.cpu)} · proxy CPU ${((fresh.proxyMs * 1000) / (args.fresh + FRESH_WARMUP)).toFixed(0)} µs/conn`,
    );
    sample.fresh = fresh.result;
    sample.proxyCpuUs.perConnection = (fresh.proxyMs * 1000) / (args.fresh + FRESH_WARMUP);
    if (fresh.cpu) sample.cpuDuring.fresh = fresh.cpu;
  }
  return sample;
}

/**
 * Load every target once, unmeasured, before round 1: each proxy's first seconds under load are
 * spent compiling hot code, which would otherwise count against whichever target runs first.
 */
async function prime(run: Run, targets: readonly TargetSpec[]) {
  console.log(`\npriming: ${PRIME_SEC} s of closed-loop load through each target, discarded`);
  for (const t of targets) {
    await runJobIn<ClosedLoopResult>(
      run.mesh.client,
      { kind: 'closed', url: t.url, connections: run.args.connections, warmupSec: 0, durationSec: PRIME_SEC },
      { cpu: run.cpus.load, uid: t.uid, deadlineMs: PRIME_SEC * 1000 + 30_000, what: `priming ${t.name}` },
    );
  }
}

async function main(net: PodNetwork): Promise<number> {
  let parsed: InterceptArgs | 'help';
  try {
    parsed = parseInterceptArgs(process.argv.slice(2), TARGET_NAMES);
  } catch (err) {
    if (!(err instanceof InterceptUsageError)) throw err;
    console.error(`bench:intercept: ${err.message} (see --help)`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(INTERCEPT_USAGE.replace('TARGETS', TARGET_NAMES.join(', ')));
    return 0;
  }
  const args = parsed;
  const missing = missingPrivileges();
  if (missing !== undefined) {
    console.error(
      `bench:intercept: needs root with ip netns, iptables and setpriv (${missing}); run it as root: sudo npm run bench:intercept`,
    );
    return 1;
  }
  const startedAt = new Date().toISOString();
  installExitHandlers();
  // Deleting the namespaces on the way out takes a few hundred ms of `ip` calls, so a second Ctrl-C
  // must not cut it short: these listeners keep the signals from reverting to their default
  // (terminate) once procs.ts's one-shot handlers have run. For the same reason the npm script runs
  // `node --import tsx` rather than the tsx CLI, whose parent process re-sends a signal, then
  // SIGKILLs, a child that has not acknowledged it within ~30 ms.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});
  const swept = sweepLeftovers();
  if (swept.length > 0) console.log(`removed namespaces left by killed runs: ${swept.join(', ')}`);

  const pin = choosePinning();
  const facts = {
    ...machineFacts(pin.cpus.proxy !== undefined),
    iptables: commandOutput('iptables', ['--version']),
  };
  const before = cpuSnapshot([]);
  const busyAtStart = await cpuBusy(1000);
  const after = cpuSnapshot([]);
  const stealAtStartPct = before && after ? cpuDuring(before, after, 0).stealPct : undefined;
  console.log(
    `node ${facts.node} · ${facts.cpuModel} · ${facts.cores} cores · linux ${facts.kernel} · ${facts.iptables ?? 'iptables ?'}`,
  );
  console.log(
    `machine: load ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} · busy before start: ${fmtBusy(busyAtStart)} · steal ${stealAtStartPct ?? '?'}% of a core`,
  );
  console.log(`pinning: ${pin.describe}`);
  console.log(
    `duration ${args.durationSec} s (+${WARMUP_SEC} s warm-up) · ${args.connections} connections · ` +
      `open-loop rate ${args.rate} req/s · ${args.rounds} round(s) · ${args.fresh} fresh connections per target\n`,
  );

  const selected = TARGET_SPECS.filter((t) => args.only === undefined || args.only.includes(t.name));
  const dir = makeTempDir('weft-bench-intercept-');
  const mesh = await buildMesh(net, selected, dir, pin.cpus, (line) => console.log(line));

  const results: InterceptTargetResult[] = selected.map((t) => ({
    name: t.name,
    mode: t.mode,
    inbound: t.inbound,
    path: t.path,
    status: 'ok',
    samples: [],
  }));
  const run: Run = { net, mesh, args, cpus: pin.cpus };
  await prime(run, selected);
  for (let round = 1; round <= args.rounds; round++) {
    for (const t of roundOrder(selected, round)) {
      const result = results[selected.indexOf(t)]!;
      if (result.status !== 'ok') continue;
      console.log(`\n== ${t.name}${args.rounds > 1 ? ` (round ${round}/${args.rounds})` : ''}`);
      const background = await waitQuiet(BUSY_WARN_PCT, QUIET_WAIT_MS);
      const busy = Object.entries(background ?? {}).filter(([, pct]) => pct > BUSY_WARN_PCT);
      if (busy.length > 0) {
        console.log(
          `  warning: cores already busy before this run (${busy.map(([c, p]) => `cpu${c} ${p}%`).join(', ')}; ` +
            'other work on the machine): expect noisy numbers',
        );
      }
      try {
        result.samples.push({
          round,
          ...(await measure(run, t)),
          backgroundCpuPct: background,
        });
      } catch (err) {
        result.status = 'failed';
        result.reason = err instanceof Error ? err.message : String(err);
        console.log(`  failed: ${result.reason}`);
      }
    }
  }

  compare(results);
  console.log(`\n${formatInterceptTable(results, args)}`);
  const answer = headline(results);
  if (answer.length > 0) console.log(`\nadded by interception:\n${answer.map((l) => `  ${l}`).join('\n')}`);

  const out = resolve(
    args.out ?? join(REPO_ROOT, 'bench/results', `intercept-${startedAt.replace(/[:.]/g, '-')}.json`),
  );
  mkdirSync(dirname(out), { recursive: true });
  const report = {
    startedAt,
    machine: { ...facts, loadavgEnd: loadavg(), busyAtStartPct: busyAtStart, stealAtStartPct },
    pinning: pin.describe,
    options: {
      ...args,
      warmupSec: WARMUP_SEC,
      drainMs: DRAIN_MS,
      freshWarmup: FRESH_WARMUP,
      upstreamBodyBytes: 1024,
    },
    topology: ADDR,
    targets: results,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${relative(process.cwd(), out) || out}`);
  return 0;
}

const net = new PodNetwork();
// On any exit (also procs.ts's SIGINT/SIGTERM handlers, which call process.exit): delete the
// namespaces, which kills whatever still runs inside them. Idempotent, like procs.ts's cleanupSync.
process.once('exit', () => net.deleteAllSync());

main(net).then(
  async (code) => {
    await cleanup();
    net.deleteAllSync();
    process.exit(code);
  },
  (err: unknown) => {
    console.error(`bench:intercept: ${err instanceof Error ? err.message : String(err)}`);
    cleanupSync();
    net.deleteAllSync();
    process.exit(1);
  },
);
