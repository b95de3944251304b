// How busy each core is with work that is not ours, sampled while the harness is idle (between
// targets). On a shared machine this is what makes a run noisy, so it is recorded with the results.
import { readFileSync } from 'node:fs';
import { sleep } from './procs.ts';

type Sample = Map<string, { busy: number; total: number }>;

function sample(): Sample | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined; // not Linux
  }
  const out: Sample = new Map();
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    out.set(m[1], { busy: total - idle, total });
  }
  return out;
}

/** Percent busy per core (keyed by cpu number) over `ms`, or undefined where /proc/stat is missing. */
export async function cpuBusy(ms = 500): Promise<Record<string, number> | undefined> {
  const a = sample();
  await sleep(ms);
  const b = sample();
  if (!a || !b) return undefined;
  const out: Record<string, number> = {};
  for (const [cpu, end] of b) {
    const begin = a.get(cpu);
    if (!begin || end.total === begin.total) continue;
    out[cpu] = Math.round((100 * (end.busy - begin.busy)) / (end.total - begin.total));
  }
  return out;
}

/**
 * Samples until no core is busier than `thresholdPct` or `maxMs` has passed; returns the last sample.
 * Waiting for a quiet moment costs seconds and saves a run from someone else's test suite.
 */
export async function waitQuiet(
  thresholdPct: number,
  maxMs: number,
): Promise<Record<string, number> | undefined> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const busy = await cpuBusy();
    if (!busy || Object.values(busy).every((p) => p <= thresholdPct) || Date.now() >= deadline) return busy;
  }
}
