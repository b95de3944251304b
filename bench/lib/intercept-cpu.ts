// How much CPU *other* work took while a measurement ran, so a noisy sample can be told from a slow
// target. The machine's busy time (/proc/stat: user + nice + system, both cores) over the window,
// minus what the bench itself used: every process in its namespaces that lived through the window
// (proxies, upstreams, control plane: /proc/PID/stat utime + stime), the generator (which reports
// its own process.cpuUsage(), start-up included) and the harness. Also the hypervisor's steal time
// over the window: on a VM, time the vCPUs did not run at all. Both in percent of one core.
// irq/softirq time is left out on both sides (packet processing of our own traffic lands there).
//
// And the CPU time of given processes (the proxies), all threads, in ns from the scheduler
// (/proc/PID/task/TID/schedstat): time actually run, which steal does not inflate, so the proxies'
// CPU per request compares targets even when latency on a shared machine cannot.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc tick rate on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  /** performance.now() when taken. */
  atMs: number;
  /** Ticks, all cores: user + nice + system. */
  busy: number;
  steal: number;
  /** utime + stime ticks of each of our long-lived processes. */
  ours: Map<number, number>;
  /** This process's CPU time, µs. */
  selfUs: number;
}

/** The aggregate `cpu ` line of /proc/stat → busy (user + nice + system) and steal ticks. */
export function parseProcStat(text: string): { busy: number; steal: number } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0), steal: v[7] ?? 0 };
}

/** /proc/PID/stat → utime + stime ticks (fields 14 and 15, counted after the parenthesised name). */
export function parsePidStat(text: string): number | undefined {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(pids: Iterable<number>): CpuSnapshot | undefined {
  const stat = parseProcStat(read('/proc/stat') ?? '');
  if (!stat) return undefined;
  const ours = new Map<number, number>();
  for (const pid of pids) {
    const ticks = parsePidStat(read(`/proc/${pid}/stat`) ?? '');
    if (ticks !== undefined) ours.set(pid, ticks);
  }
  const self = process.cpuUsage();
  return { atMs: performance.now(), ...stat, ours, selfUs: self.user + self.system };
}

export interface CpuDuring {
  /** Other processes' CPU over the window, percent of one core (the machine has `cores` × 100). */
  othersPct: number;
  /** Hypervisor steal over the window, percent of one core. */
  stealPct: number;
}

/**
 * Others' CPU between two snapshots; `after.ours` holds the same pids as `before.ours` where they
 * still exist. `extraOursMs` is CPU of ours that was not in the snapshots (the generator).
 */
export function cpuDuring(before: CpuSnapshot, after: CpuSnapshot, extraOursMs: number): CpuDuring {
  const seconds = Math.max(1e-3, (after.atMs - before.atMs) / 1000);
  let oursTicks = 0;
  for (const [pid, start] of before.ours) {
    const end = after.ours.get(pid);
    if (end !== undefined) oursTicks += Math.max(0, end - start);
  }
  const oursSec =
    oursTicks / TICKS_PER_SECOND + extraOursMs / 1000 + Math.max(0, after.selfUs - before.selfUs) / 1e6;
  const busySec = (after.busy - before.busy) / TICKS_PER_SECOND;
  const pct = (s: number) => Math.round((100 * Math.max(0, s)) / seconds);
  return {
    othersPct: pct(busySec - oursSec),
    stealPct: pct((after.steal - before.steal) / TICKS_PER_SECOND),
  };
}

/** /proc/PID/task/TID/schedstat → ns spent running (its first field). */
export function parseSchedstat(text: string): number | undefined {
  const ns = Number(text.trim().split(/\s+/)[0]);
  return text.trim() !== '' && Number.isFinite(ns) ? ns : undefined;
}

/** CPU time of every thread of a process, ns (0 when it is gone). */
export function processCpuNs(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let total = 0;
  for (const tid of tids) total += parseSchedstat(read(`/proc/${pid}/task/${tid}/schedstat`) ?? '') ?? 0;
  return total;
}
