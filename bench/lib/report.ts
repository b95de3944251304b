// Results: derived columns (ratios, added latency), the printed table, and machine facts.
import { cpus, loadavg, release } from 'node:os';
import type { ClosedLoopResult } from './closed-loop.ts';
import type { OpenLoopResult } from './open-loop.ts';
import { commandOutput } from './procs.ts';

export interface TargetResult {
  name: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  throughput?: ClosedLoopResult;
  latency?: OpenLoopResult;
  /** Closed-loop req/s divided by haproxy's (or direct's) in the same run. */
  ratioVsHaproxy?: number;
  ratioVsDirect?: number;
  /** Open-loop p99 minus direct's p99 at the same rate, in ms. */
  addedP99Ms?: number;
  /** Per-core busy percent from other processes, sampled just before this target started. */
  backgroundCpuPct?: Record<string, number> | undefined;
}

export interface MachineFacts {
  node: string;
  cpuModel: string;
  cores: number;
  kernel: string;
  loadavg1m: number;
  taskset: boolean;
  haproxy?: string;
  nginx?: string;
}

export function machineFacts(taskset: boolean): MachineFacts {
  const c = cpus();
  const facts: MachineFacts = {
    node: process.version,
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    kernel: release(),
    loadavg1m: Number(loadavg()[0]?.toFixed(2)),
    taskset,
  };
  const haproxy = commandOutput('haproxy', ['-v']);
  const nginx = commandOutput('nginx', ['-v']);
  if (haproxy) facts.haproxy = haproxy;
  if (nginx) facts.nginx = nginx;
  return facts;
}

export function addDerived(results: TargetResult[]): void {
  const byName = new Map(results.map((r) => [r.name, r]));
  const haproxyRps = byName.get('haproxy')?.throughput?.rps;
  const direct = byName.get('direct');
  for (const r of results) {
    const rps = r.throughput?.rps;
    if (rps !== undefined && haproxyRps) r.ratioVsHaproxy = rps / haproxyRps;
    if (rps !== undefined && direct?.throughput?.rps) r.ratioVsDirect = rps / direct.throughput.rps;
    const p99 = r.latency?.latencyMs.p99;
    const directP99 = direct?.latency?.latencyMs.p99;
    if (p99 !== undefined && directP99 !== undefined) r.addedP99Ms = p99 - directP99;
  }
}

const f = (v: number | undefined, digits: number, suffix = '') =>
  v === undefined || !Number.isFinite(v) ? '-' : `${v.toFixed(digits)}${suffix}`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A proxy this close to direct is limited by the load side (upstream + generator), not by itself. */
const CEILING = 0.9;

export function formatTable(results: TargetResult[], rate: number): string {
  const ok = results.filter((r) => r.status === 'ok');
  const atCeiling = ok.some((r) => r.name !== 'direct' && (r.ratioVsDirect ?? 0) >= CEILING);
  const main = table(
    ['target', 'req/s', 'vs haproxy', 'vs direct', 'p50', 'p90', 'p99', 'p99.9', '+p99 vs direct'],
    ok.map((r) => {
      const l = r.latency?.latencyMs;
      return [
        r.name,
        f(r.throughput?.rps, 0),
        f(r.ratioVsHaproxy, 2, 'x'),
        f(r.ratioVsDirect, 2, 'x') + (r.name !== 'direct' && (r.ratioVsDirect ?? 0) >= CEILING ? '*' : ''),
        f(l?.p50, 2),
        f(l?.p90, 2),
        f(l?.p99, 2),
        f(l?.p999, 2),
        f(r.addedP99Ms, 2),
      ];
    }),
  );
  const details = table(
    [
      'target',
      'closed p50',
      'closed p99',
      'closed errs',
      'open max',
      'achieved/s',
      'open errs',
      'send lag p99',
      'bg cpu%',
    ],
    ok.map((r) => {
      const t = r.throughput;
      const l = r.latency;
      const openErrs = l ? l.errors + l.non2xx + l.timeouts : undefined;
      return [
        r.name,
        f(t?.latencyMs.p50, 0),
        f(t?.latencyMs.p99, 0),
        t ? String(t.errors + t.non2xx) : '-',
        f(l?.latencyMs.max, 2),
        f(l?.achievedRps, 0),
        openErrs === undefined ? '-' : String(openErrs),
        f(l?.sendLagMs.p99, 2),
        Object.entries(r.backgroundCpuPct ?? {})
          .map(([cpu, pct]) => `${cpu}:${pct}`)
          .join(' ') || '-',
      ];
    }),
  );
  const notOk = results
    .filter((r) => r.status !== 'ok')
    .map((r) => `  ${r.name}: ${r.status} — ${(r.reason ?? '').split('\n')[0]}`);
  if (ok.length === 0) return ['no target was measured:', ...notOk].join('\n');
  return [
    `req/s: closed-loop max throughput. p50..p99.9: open-loop latency (ms) at ${rate} req/s, from intended send time.`,
    main,
    ...(atCeiling
      ? [
          `* within ${Math.round((1 - CEILING) * 100)}% of direct: bounded by the upstream + load-generator core, ` +
            'so this proxy can do more than shown (and its "vs haproxy" ratio is a lower bound).',
        ]
      : []),
    '',
    "details (closed-loop latency is autocannon's, 1 ms resolution, not corrected for coordinated omission):",
    details,
    ...(notOk.length > 0 ? ['', 'not measured:', ...notOk] : []),
  ].join('\n');
}

export function formatFacts(m: MachineFacts, pinning: string): string {
  return [
    `node ${m.node} · ${m.cpuModel} · ${m.cores} cores · linux ${m.kernel} · load ${m.loadavg1m}`,
    `${m.haproxy ?? 'haproxy: not installed'} · ${m.nginx ?? 'nginx: not installed'}`,
    `pinning: ${pinning}`,
  ].join('\n');
}
