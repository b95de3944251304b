// What the demo shows: per reviews version, its share of the traffic, request rate, success rate
// and latency, over a recent window (live) or since a step's change was applied (step summary).
// Rendered as a redrawn table on a terminal, or as one plain line per tick (--plain, logs, tests).

export interface Sample {
  /** When the load generator sent the request (ms, performance.now()). */
  sentAt: number;
  /** The reviews version that answered ('v1', 'v2'), or 'none' when no version did. */
  version: string;
  ok: boolean;
  latencyMs: number;
}

export interface VersionStats {
  version: string;
  count: number;
  /** Percent of all requests in the window. */
  share: number;
  rps: number;
  successPct: number;
  p50: number;
  p99: number;
}

export interface WindowStats {
  count: number;
  rps: number;
  successPct: number;
  p50: number;
  p99: number;
  versions: VersionStats[];
}

const VERSIONS = ['v1', 'v2'];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

function stats(samples: readonly Sample[], seconds: number) {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const ok = samples.filter((s) => s.ok).length;
  return {
    count: samples.length,
    rps: seconds > 0 ? samples.length / seconds : 0,
    successPct: samples.length === 0 ? Number.NaN : (100 * ok) / samples.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

export class TrafficStats {
  private samples: Sample[] = [];

  record(sample: Sample): void {
    this.samples.push(sample);
  }

  /** Drops samples sent before `before` (the live window and the current step are all that is read). */
  prune(before: number): void {
    const keepFrom = this.samples.findIndex((s) => s.sentAt >= before);
    this.samples = keepFrom < 0 ? [] : this.samples.slice(keepFrom);
  }

  /** Requests sent in [from, to), per version; v1 and v2 always listed, 'none' when it occurred. */
  window(from: number, to: number): WindowStats {
    const inWindow = this.samples.filter((s) => s.sentAt >= from && s.sentAt < to);
    const seconds = (to - from) / 1000;
    const versions = [
      ...VERSIONS,
      ...new Set(inWindow.map((s) => s.version).filter((v) => !VERSIONS.includes(v))),
    ];
    return {
      ...stats(inWindow, seconds),
      versions: versions.map((version) => {
        const mine = inWindow.filter((s) => s.version === version);
        return {
          version,
          ...stats(mine, seconds),
          share: inWindow.length === 0 ? Number.NaN : (100 * mine.length) / inWindow.length,
        };
      }),
    };
  }
}

const num = (v: number, digits: number, suffix = '') =>
  Number.isFinite(v) ? `${v.toFixed(digits)}${suffix}` : '-';

export function shareBar(share: number, width = 20): string {
  if (!Number.isFinite(share)) return ' '.repeat(width);
  const cells = Math.round((share / 100) * width);
  return '█'.repeat(cells) + '·'.repeat(width - cells);
}

export interface StepView {
  index: number;
  total: number;
  weights: { v1: number; v2: number };
  /** "applied by the frontend sidecar 140 ms after the file write", or "applying…" */
  status: string;
}

/** The live table (terminal mode). */
export function renderTable(
  step: StepView,
  live: WindowStats,
  windowSeconds: number,
  elapsedSec: number,
): string[] {
  const header = `${'version'.padEnd(8)}${'weight'.padStart(7)}  ${`share (last ${windowSeconds} s)`.padEnd(30)}${'req/s'.padStart(7)}${'success'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`;
  const rows = live.versions.map((v) => {
    const weight = v.version in step.weights ? `${step.weights[v.version as 'v1' | 'v2']} %` : '';
    return `${v.version.padEnd(8)}${weight.padStart(7)}  ${`${num(v.share, 1, ' %').padStart(7)}  ${shareBar(v.share)}`.padEnd(30)}${num(v.rps, 0).padStart(7)}${num(v.successPct, 1, ' %').padStart(10)}${num(v.p50, 1).padStart(9)}${num(v.p99, 1).padStart(9)}`;
  });
  const total = `${'all'.padEnd(8)}${''.padStart(7)}  ${''.padEnd(30)}${num(live.rps, 0).padStart(7)}${num(live.successPct, 1, ' %').padStart(10)}${num(live.p50, 1).padStart(9)}${num(live.p99, 1).padStart(9)}`;
  return [
    `step ${step.index}/${step.total}: reviews v1 ${step.weights.v1} / v2 ${step.weights.v2} — ${step.status}`,
    '',
    header,
    '-'.repeat(header.length),
    ...rows,
    total,
    '',
    `elapsed ${elapsedSec.toFixed(0)} s · Ctrl-C stops everything`,
  ];
}

/** One line per tick (plain mode). */
export function renderLine(step: StepView, live: WindowStats, elapsedSec: number): string {
  const shares = live.versions.map((v) => `${v.version} ${num(v.share, 1, '%')}`).join(' ');
  return `[${elapsedSec.toFixed(1).padStart(5)} s] step ${step.index}/${step.total} (v1 ${step.weights.v1} / v2 ${step.weights.v2}) | ${shares} | ${num(live.rps, 0)} req/s | success ${num(live.successPct, 1, '%')} | p50 ${num(live.p50, 1)} ms p99 ${num(live.p99, 1)} ms`;
}

/** The step's result line; test/demo.test.ts reads the shares from it. */
export function renderStepResult(step: StepView, measured: WindowStats, seconds: number): string {
  const shares = measured.versions.map((v) => `${v.version} ${num(v.share, 1, '%')}`).join(' ');
  const perVersion = measured.versions
    .filter((v) => v.count > 0)
    .map(
      (v) =>
        `${v.version}: success ${num(v.successPct, 1, '%')}, p50 ${num(v.p50, 1)} ms, p99 ${num(v.p99, 1)} ms`,
    )
    .join('; ');
  return `step ${step.index}/${step.total} result (v1 ${step.weights.v1} / v2 ${step.weights.v2}), ${measured.count} requests over ${seconds.toFixed(1)} s after the change applied: ${shares} — ${perVersion}`;
}
