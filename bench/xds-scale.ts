// xDS scale bench: `npm run bench:xds -- --help`.
//
// The real weft-control-plane process serves a generated mesh (50 services by default) to N
// simulated proxies — real ADS streams, one connection each, with their own node id and
// NAMESPACE/LABELS so the control plane translates per proxy — spread over worker processes. It
// measures how long until every proxy has ACKed the initial snapshot, then for each of K config
// changes (a VirtualService rewritten in the folder) the time from the file write to each proxy's
// ACK of the new version, the control plane's CPU per push and its memory per connected proxy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from './lib/args.ts';
import { cpuBusy } from './lib/cpu-busy.ts';
import { REPO_ROOT } from './lib/jobs.ts';
import { cleanup, cleanupSync, hasCommand, installExitHandlers, makeTempDir, sleep } from './lib/procs.ts';
import {
  fdLimitProblem,
  openFilesLimit,
  parseXdsBenchArgs,
  XDS_USAGE,
  type XdsBenchArgs,
} from './lib/xds-args.ts';
import { type ControlPlane, startControlPlane } from './lib/xds-control-plane.ts';
import { configChange, type MeshShape, proxySpecs, writeMesh } from './lib/xds-mesh.ts';
import {
  formatMemory,
  formatPhases,
  type MemoryPerProxy,
  memoryPerProxy,
  type PhaseResult,
  summarize,
} from './lib/xds-report.ts';
import { wallMs } from './lib/xds-sim-proxy.ts';
import { type ClientWorkers, startWorkers } from './lib/xds-workers.ts';

/** Pause between changes: longer than the control plane's 100 ms debounce, so each is its own push. */
const QUIET_BETWEEN_CHANGES_MS = 1_000;
/** Pause before a memory sample, so connection buffers and timers settle. */
const SETTLE_MS = 1_000;

/** A phase can take minutes with a thousand proxies on a busy machine: show that it is alive. */
async function withHeartbeat<T>(label: string, work: Promise<T>): Promise<T> {
  const since = Date.now();
  const timer = setInterval(
    () => console.log(`    … ${label}: ${Math.round((Date.now() - since) / 1000)} s`),
    15_000,
  );
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

interface Pinning {
  controlPlaneCpu: string | undefined;
  clientCpu: string | undefined;
  describe: string;
}

function choosePinning(): Pinning {
  if (!hasCommand('taskset', ['-V']))
    return { controlPlaneCpu: undefined, clientCpu: undefined, describe: 'none (taskset not found)' };
  if (availableParallelism() < 2)
    return { controlPlaneCpu: undefined, clientCpu: undefined, describe: 'none (only one core)' };
  return {
    controlPlaneCpu: '1',
    clientCpu: '0',
    describe: 'control plane on cpu 1; simulated proxies (all workers) on cpu 0',
  };
}

async function measureInitial(
  controlPlane: ControlPlane,
  workers: ClientWorkers,
  args: XdsBenchArgs,
): Promise<PhaseResult> {
  const cpuBefore = (await controlPlane.sample(false)).cpuUs;
  const clientBefore = await workers.cpuUs();
  const startedAt = wallMs();
  workers.connect(controlPlane.xdsAddress, args.connectConcurrency);
  const acked = await workers.awaitVersion(controlPlane.startVersion, args.timeoutSec * 1000);
  const endedAt = wallMs();
  const cpuAfter = (await controlPlane.sample(false)).cpuUs;
  const clientCpuMs = ((await workers.cpuUs()) - clientBefore) / 1000;
  const perProxy = acked.flatMap((a) => (a.ackedAt === null ? [] : [a.ackedAt - a.startedAt]));
  const missing = acked.length - perProxy.length;
  return {
    name: 'initial',
    describe: `${args.proxies} proxies connect (≤ ${args.connectConcurrency} opening per worker) and ACK the start snapshot; per proxy from its own stream start`,
    ackMs: summarize(perProxy),
    allAckedMs: missing > 0 ? Number.NaN : Math.max(...acked.map((a) => a.ackedAt ?? Number.NaN)) - startedAt,
    missing,
    controlPlaneCpuMs: (cpuAfter - cpuBefore) / 1000,
    clientCpuMs,
    clientCpuPct: (100 * clientCpuMs) / (endedAt - startedAt),
  };
}

async function measureChange(
  k: number,
  dir: string,
  shape: MeshShape,
  controlPlane: ControlPlane,
  workers: ClientWorkers,
  args: XdsBenchArgs,
): Promise<PhaseResult & { version: string }> {
  const change = configChange(k, shape);
  const cpuBefore = (await controlPlane.sample(false)).cpuUs;
  const clientBefore = await workers.cpuUs();
  const writtenAt = wallMs();
  writeFileSync(join(dir, change.file), change.text);
  const push = await controlPlane.nextPush(writtenAt, 'config', args.timeoutSec * 1000);
  const acked = await workers.awaitVersion(push.version, args.timeoutSec * 1000);
  const endedAt = wallMs();
  const cpuAfter = (await controlPlane.sample(false)).cpuUs;
  const clientCpuMs = ((await workers.cpuUs()) - clientBefore) / 1000;
  const perProxy = acked.flatMap((a) => (a.ackedAt === null ? [] : [a.ackedAt - writtenAt]));
  const missing = acked.length - perProxy.length;
  return {
    name: `change ${k}`,
    describe: change.describe,
    version: push.version,
    ackMs: summarize(perProxy),
    allAckedMs: missing > 0 ? Number.NaN : Math.max(...perProxy),
    missing,
    pushedMs: push.at - writtenAt,
    controlPlaneCpuMs: (cpuAfter - cpuBefore) / 1000,
    clientCpuMs,
    clientCpuPct: (100 * clientCpuMs) / (endedAt - writtenAt),
  };
}

async function main(): Promise<number> {
  let parsed: XdsBenchArgs | 'help';
  try {
    parsed = parseXdsBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench:xds: ${err.message} (see --help)`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(XDS_USAGE);
    return 0;
  }
  const args = parsed;
  const fdProblem = fdLimitProblem(args.proxies, openFilesLimit());
  if (fdProblem) {
    console.error(`bench:xds: ${fdProblem}`);
    return 2;
  }
  installExitHandlers();
  const startedAt = new Date().toISOString();
  const pin = choosePinning();
  const background = await cpuBusy(1000);
  const machine = {
    node: process.version,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    loadavg1m: Number(loadavg()[0]?.toFixed(2)),
    backgroundCpuPct: background,
  };
  const busy = Object.entries(background ?? {})
    .map(([cpu, pct]) => `cpu${cpu} ${pct}%`)
    .join(', ');
  console.log(
    `node ${machine.node} · ${machine.cpuModel} · ${machine.cores} cores · linux ${machine.kernel} · load ${machine.loadavg1m}`,
  );
  console.log(`busy before the run (other processes): ${busy || 'unknown'} · pinning: ${pin.describe}`);

  const shape: MeshShape = { services: args.services, namespaces: args.namespaces };
  const dir = makeTempDir('weft-xds-bench-');
  writeMesh(dir, shape);
  console.log(
    `mesh: ${args.services} services in ${args.namespaces} namespaces (Service, 3 WorkloadEntries, DestinationRule with 2 subsets, VirtualService each) in ${dir}`,
  );
  const controlPlane = await startControlPlane(dir, pin.controlPlaneCpu);
  await sleep(SETTLE_MS);
  const idle = await controlPlane.sample(true);

  const specs = proxySpecs(args.proxies, shape);
  const workers = await startWorkers(specs, args.workers, pin.clientCpu);
  console.log(`\n${args.proxies} simulated proxies over ${args.workers} worker process(es)…`);
  const phases: Array<PhaseResult & { version?: string }> = [];
  const initial = await withHeartbeat('connecting', measureInitial(controlPlane, workers, args));
  phases.push(initial);
  console.log(
    `  initial: all ACKed after ${initial.allAckedMs.toFixed(0)} ms (per proxy p50 ${initial.ackMs.p50.toFixed(0)} ms, p99 ${initial.ackMs.p99.toFixed(0)} ms), ${initial.missing} missing`,
  );
  await sleep(SETTLE_MS);
  const memory: MemoryPerProxy = memoryPerProxy(idle, await controlPlane.sample(true), args.proxies);
  console.log(`  ${formatMemory(memory)}`);

  for (let k = 1; k <= args.changes; k++) {
    await sleep(QUIET_BETWEEN_CHANGES_MS);
    const phase = await withHeartbeat(
      `change ${k}`,
      measureChange(k, dir, shape, controlPlane, workers, args),
    );
    phases.push(phase);
    console.log(
      `  change ${k} (${phase.describe}): pushed after ${phase.pushedMs?.toFixed(0)} ms, all ACKed after ${phase.allAckedMs.toFixed(0)} ms, p99 ${phase.ackMs.p99.toFixed(0)} ms`,
    );
  }
  const failures = workers.failures();
  await workers.close();
  await controlPlane.stop();

  console.log(
    `\nper proxy: time to ACK the whole version (CDS, EDS, LDS, RDS); initial from each proxy's stream start, changes from the file write.`,
  );
  console.log(formatPhases(phases));
  console.log(formatMemory(memory));
  console.log(
    `client % = simulated proxies' CPU time ÷ phase wall time (of one core${pin.clientCpu ? `, all pinned to cpu ${pin.clientCpu}` : ''}): near 100 means the client side, not the control plane, set the pace.`,
  );
  if (failures.length > 0) console.log(`stream failures: ${failures.length} (first: ${failures[0]})`);

  const out = resolve(
    args.out ??
      join(REPO_ROOT, 'bench/results', `xds-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  );
  mkdirSync(dirname(out), { recursive: true });
  const report = { startedAt, machine, pinning: pin.describe, options: args, phases, memory, failures };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${relative(process.cwd(), out) || out}`);
  await cleanup();
  return failures.length > 0 || phases.some((p) => p.missing > 0) ? 1 : 0;
}

main().then(
  (code) => {
    cleanupSync();
    process.exit(code);
  },
  (err: unknown) => {
    console.error(`bench:xds: ${err instanceof Error ? err.message : String(err)}`);
    cleanupSync();
    process.exit(1);
  },
);
