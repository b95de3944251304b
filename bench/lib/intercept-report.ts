// The interception bench's numbers: per target, the median over rounds of every measurement; the
// differences that answer the question (interception vs the explicit proxy, both vs no proxy); and
// the printed tables. Pure: no I/O.
import type { ClosedLoopResult } from './closed-loop.ts';
import type { CpuDuring } from './intercept-cpu.ts';
import type { FreshResult } from './intercept-fresh.ts';
import type { OpenLoopResult } from './open-loop.ts';

export type Mode = 'direct' | 'explicit' | 'intercept';

export interface TargetInfo {
  /** `direct`, `explicit`, `intercept`, and the same with `+inbound`. */
  readonly name: string;
  readonly mode: Mode;
  /** The upstream sits behind its own intercepting sidecar (the full two-sidecar path). */
  readonly inbound: boolean;
  /** What the generator talks to, for the legend. */
  readonly path: string;
}

/** One round's measurements of one target. */
export interface Sample {
  round: number;
  throughput: ClosedLoopResult;
  latency: OpenLoopResult;
  fresh?: FreshResult;
  /** Per-core busy percent from other processes just before this sample. */
  backgroundCpuPct?: Record<string, number> | undefined;
  /** Other processes' CPU and the hypervisor's steal while each measurement ran. */
  cpuDuring: { closed?: CpuDuring; open?: CpuDuring; fresh?: CpuDuring };
  /**
   * CPU time of the mesh's proxies (scheduler time: steal does not inflate it), µs: per request of
   * the open loop (warm-up included), and per fresh connection (one request each).
   */
  proxyCpuUs: { perRequest?: number; perConnection?: number };
}

/** Medians over the rounds (ms, req/s); the ranges are min–max over the rounds. */
export interface Summary {
  rounds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  achievedRps: number;
  openErrors: number;
  closedErrors: number;
  sendLagP99: number;
  closedP50: number;
  closedP99: number;
  p50Range: [number, number];
  p99Range: [number, number];
  fresh?: { p50: number; p90: number; p99: number; errors: number };
  /** Per core, the highest background load seen before any round. */
  backgroundCpuMax: Record<string, number>;
  /** Median proxy CPU per open-loop request and per fresh connection, µs. */
  proxyUs: { perRequest?: number; perConnection?: number };
  /** The most other processes' CPU (and steal) seen during any round's closed / open loop, % of a core. */
  othersMax: { closed?: number; open?: number; steal?: number };
}

/** This target minus a reference target (ms), and its req/s as a ratio of the reference's. */
export interface Delta {
  against: string;
  /** Per round (paired by round number), this target's value minus the reference's. */
  perRound: {
    p50: number[];
    p99: number[];
    rpsRatio: number[];
    freshP50?: number[];
    proxyUsPerRequest?: number[];
    proxyUsPerConnection?: number[];
  };
  /** Proxy CPU, µs: per open-loop request and per fresh connection. */
  proxyUsPerRequest?: number;
  proxyUsPerConnection?: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  rpsRatio: number;
  freshP50?: number;
  freshP99?: number;
}

export interface InterceptTargetResult extends TargetInfo {
  status: 'ok' | 'failed';
  reason?: string;
  samples: Sample[];
  summary?: Summary;
  vsDirect?: Delta;
  vsExplicit?: Delta;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentiles of raw values (NaN when there are none). */
export function percentiles(values: readonly number[]): FreshResult['latencyMs'] {
  if (values.length === 0)
    return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: s[s.length - 1]!,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

/**
 * The order of one round: as given in odd rounds, reversed in even ones, so that a drift over the
 * run (the machine getting busier, a proxy still warming up) does not always favour the same target.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 1 ? [...items] : [...items].reverse();
}

const range = (values: readonly number[]): [number, number] => [Math.min(...values), Math.max(...values)];

export function summarize(samples: readonly Sample[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const m = (pick: (s: Sample) => number) => median(samples.map(pick));
  const background: Record<string, number> = {};
  for (const s of samples) {
    for (const [cpu, pct] of Object.entries(s.backgroundCpuPct ?? {})) {
      background[cpu] = Math.max(background[cpu] ?? 0, pct);
    }
  }
  const summary: Summary = {
    rounds: samples.length,
    rps: m((s) => s.throughput.rps),
    p50: m((s) => s.latency.latencyMs.p50),
    p90: m((s) => s.latency.latencyMs.p90),
    p99: m((s) => s.latency.latencyMs.p99),
    p999: m((s) => s.latency.latencyMs.p999),
    max: m((s) => s.latency.latencyMs.max),
    achievedRps: m((s) => s.latency.achievedRps),
    openErrors: m((s) => s.latency.errors + s.latency.non2xx + s.latency.timeouts),
    closedErrors: m((s) => s.throughput.errors + s.throughput.non2xx),
    sendLagP99: m((s) => s.latency.sendLagMs.p99),
    closedP50: m((s) => s.throughput.latencyMs.p50),
    closedP99: m((s) => s.throughput.latencyMs.p99),
    p50Range: range(samples.map((s) => s.latency.latencyMs.p50)),
    p99Range: range(samples.map((s) => s.latency.latencyMs.p99)),
    backgroundCpuMax: background,
    othersMax: {},
    proxyUs: {},
  };
  const medianOf = (values: Array<number | undefined>) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length > 0 ? median(known) : undefined;
  };
  const perRequest = medianOf(samples.map((s) => s.proxyCpuUs.perRequest));
  const perConnection = medianOf(samples.map((s) => s.proxyCpuUs.perConnection));
  if (perRequest !== undefined) summary.proxyUs.perRequest = perRequest;
  if (perConnection !== undefined) summary.proxyUs.perConnection = perConnection;
  const most = (values: Array<number | undefined>) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length > 0 ? Math.max(...known) : undefined;
  };
  const closedOthers = most(samples.map((s) => s.cpuDuring.closed?.othersPct));
  const openOthers = most(samples.map((s) => s.cpuDuring.open?.othersPct));
  const steal = most(
    samples.flatMap((s) => [
      s.cpuDuring.closed?.stealPct,
      s.cpuDuring.open?.stealPct,
      s.cpuDuring.fresh?.stealPct,
    ]),
  );
  if (closedOthers !== undefined) summary.othersMax.closed = closedOthers;
  if (openOthers !== undefined) summary.othersMax.open = openOthers;
  if (steal !== undefined) summary.othersMax.steal = steal;
  const fresh = samples.flatMap((s) => (s.fresh ? [s.fresh] : []));
  if (fresh.length > 0) {
    summary.fresh = {
      p50: median(fresh.map((f) => f.latencyMs.p50)),
      p90: median(fresh.map((f) => f.latencyMs.p90)),
      p99: median(fresh.map((f) => f.latencyMs.p99)),
      errors: median(fresh.map((f) => f.errors)),
    };
  }
  return summary;
}

function perRound(a: readonly Sample[], b: readonly Sample[]): Delta['perRound'] {
  const pairs = a.flatMap((x) => {
    const y = b.find((s) => s.round === x.round);
    return y ? [[x, y] as const] : [];
  });
  const out: Delta['perRound'] = {
    p50: pairs.map(([x, y]) => x.latency.latencyMs.p50 - y.latency.latencyMs.p50),
    p99: pairs.map(([x, y]) => x.latency.latencyMs.p99 - y.latency.latencyMs.p99),
    rpsRatio: pairs.map(([x, y]) => x.throughput.rps / y.throughput.rps),
  };
  if (pairs.length > 0 && pairs.every(([x, y]) => x.fresh && y.fresh)) {
    out.freshP50 = pairs.map(([x, y]) => x.fresh!.latencyMs.p50 - y.fresh!.latencyMs.p50);
  }
  for (const key of ['perRequest', 'perConnection'] as const) {
    if (pairs.length === 0) break;
    if (!pairs.every(([x, y]) => x.proxyCpuUs[key] !== undefined && y.proxyCpuUs[key] !== undefined))
      continue;
    const diffs = pairs.map(([x, y]) => x.proxyCpuUs[key]! - y.proxyCpuUs[key]!);
    if (key === 'perRequest') out.proxyUsPerRequest = diffs;
    else out.proxyUsPerConnection = diffs;
  }
  return out;
}

function delta(a: InterceptTargetResult, b: InterceptTargetResult): Delta {
  const [x, y] = [a.summary!, b.summary!];
  const d: Delta = {
    against: b.name,
    perRound: perRound(a.samples, b.samples),
    p50: x.p50 - y.p50,
    p90: x.p90 - y.p90,
    p99: x.p99 - y.p99,
    p999: x.p999 - y.p999,
    rpsRatio: x.rps / y.rps,
  };
  if (x.fresh && y.fresh) {
    d.freshP50 = x.fresh.p50 - y.fresh.p50;
    d.freshP99 = x.fresh.p99 - y.fresh.p99;
  }
  if (x.proxyUs.perRequest !== undefined && y.proxyUs.perRequest !== undefined) {
    d.proxyUsPerRequest = x.proxyUs.perRequest - y.proxyUs.perRequest;
  }
  if (x.proxyUs.perConnection !== undefined && y.proxyUs.perConnection !== undefined) {
    d.proxyUsPerConnection = x.proxyUs.perConnection - y.proxyUs.perConnection;
  }
  return d;
}

/**
 * Fills `summary` from the samples, then the comparisons: every target against `direct` (no proxy
 * anywhere), and each interception target against the explicit proxy of the same variant (the
 * same upstream, with or without its own sidecar).
 */
export function compare(results: InterceptTargetResult[]): void {
  for (const r of results) {
    const summary = r.status === 'ok' ? summarize(r.samples) : undefined;
    if (summary) r.summary = summary;
  }
  const find = (mode: Mode, inbound: boolean) =>
    results.find((r) => r.mode === mode && r.inbound === inbound && r.summary !== undefined);
  const direct = find('direct', false);
  for (const r of results) {
    if (!r.summary) continue;
    if (direct && r !== direct) r.vsDirect = delta(r, direct);
    const explicit = r.mode === 'intercept' ? find('explicit', r.inbound) : undefined;
    if (explicit) r.vsExplicit = delta(r, explicit);
  }
}

const f = (v: number | undefined, digits: number, suffix = '') =>
  v === undefined || !Number.isFinite(v) ? '-' : `${v.toFixed(digits)}${suffix}`;
const signed = (v: number | undefined, digits = 2) =>
  v === undefined || !Number.isFinite(v) ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

export function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const spread = (values: readonly number[], unit: string, fmt = (v: number) => signed(v)) =>
  `${fmt(median(values))}${unit} (${fmt(Math.min(...values))}…${fmt(Math.max(...values))})`;

/**
 * The answer per variant: what interception adds over the explicit proxy. With several rounds, a
 * second line gives the per-round differences (median, and min…max): when that range spans zero
 * the difference is not distinguishable from the machine's noise.
 */
export function headline(results: readonly InterceptTargetResult[]): string[] {
  return results
    .filter((r) => r.vsExplicit !== undefined)
    .flatMap((r) => {
      const d = r.vsExplicit!;
      const fresh = d.freshP50 === undefined ? '' : `; per new connection ${signed(d.freshP50)} ms at p50`;
      const cpu = [
        d.proxyUsPerRequest === undefined ? '' : `${signed(d.proxyUsPerRequest, 1)} µs per request`,
        d.proxyUsPerConnection === undefined
          ? ''
          : `${signed(d.proxyUsPerConnection, 1)} µs per new connection`,
      ].filter((x) => x !== '');
      const lines = [
        `${r.name} vs ${d.against}: ${signed(d.p50)} ms p50, ${signed(d.p90)} ms p90, ${signed(d.p99)} ms p99, ` +
          `${signed(d.p999)} ms p99.9, ${f(d.rpsRatio, 2, 'x')} req/s${fresh}` +
          (cpu.length > 0 ? `; proxy CPU ${cpu.join(', ')}` : ''),
      ];
      const p = d.perRound;
      if (p.p50.length > 1) {
        const us = (v: number) => signed(v, 1);
        const extra = [
          p.freshP50 ? `new connection p50 ${spread(p.freshP50, ' ms')}` : '',
          p.proxyUsPerRequest ? `proxy CPU/req ${spread(p.proxyUsPerRequest, ' µs', us)}` : '',
          p.proxyUsPerConnection ? `proxy CPU/conn ${spread(p.proxyUsPerConnection, ' µs', us)}` : '',
        ].filter((x) => x !== '');
        lines.push(
          `  per round, median (min…max): p50 ${spread(p.p50, ' ms')}, p99 ${spread(p.p99, ' ms')}, ` +
            `req/s ${spread(p.rpsRatio, 'x', (v) => v.toFixed(2))}${extra.map((x) => `, ${x}`).join('')}`,
        );
      }
      return lines;
    });
}

export interface TableOptions {
  rate: number;
  rounds: number;
  connections: number;
}

export function formatInterceptTable(results: readonly InterceptTargetResult[], o: TableOptions): string {
  const ok = results.filter((r) => r.summary !== undefined);
  const failed = results
    .filter((r) => r.summary === undefined)
    .map((r) => `  ${r.name}: ${(r.reason ?? 'not measured').split('\n')[0]}`);
  if (ok.length === 0) return ['no target was measured:', ...failed].join('\n');
  const over = o.rounds > 1 ? `, median of ${o.rounds} rounds` : '';
  const main = table(
    [
      'target',
      'req/s',
      'vs direct',
      'vs explicit',
      'p50',
      'p90',
      'p99',
      'p99.9',
      '+p50 vs direct',
      '+p99 vs direct',
      '+p50 vs explicit',
      '+p99 vs explicit',
      'proxy µs/req',
      '+µs vs explicit',
    ],
    ok.map((r) => {
      const s = r.summary!;
      return [
        r.name,
        f(s.rps, 0),
        f(r.vsDirect?.rpsRatio, 2, 'x'),
        f(r.vsExplicit?.rpsRatio, 2, 'x'),
        f(s.p50, 2),
        f(s.p90, 2),
        f(s.p99, 2),
        f(s.p999, 2),
        signed(r.vsDirect?.p50),
        signed(r.vsDirect?.p99),
        signed(r.vsExplicit?.p50),
        signed(r.vsExplicit?.p99),
        f(s.proxyUs.perRequest, 0),
        signed(r.vsExplicit?.proxyUsPerRequest, 1),
      ];
    }),
  );
  const withFresh = ok.filter((r) => r.summary?.fresh !== undefined);
  const fresh =
    withFresh.length === 0
      ? []
      : [
          '',
          `fresh connections (connect, one GET, close; sequential; ms${over}; proxy µs/conn: the proxies' CPU per connection):`,
          table(
            [
              'target',
              'p50',
              'p90',
              'p99',
              '+p50 vs direct',
              '+p50 vs explicit',
              '+p99 vs explicit',
              'proxy µs/conn',
              '+µs vs explicit',
              'errors',
            ],
            withFresh.map((r) => {
              const x = r.summary!.fresh!;
              return [
                r.name,
                f(x.p50, 2),
                f(x.p90, 2),
                f(x.p99, 2),
                signed(r.vsDirect?.freshP50),
                signed(r.vsExplicit?.freshP50),
                signed(r.vsExplicit?.freshP99),
                f(r.summary!.proxyUs.perConnection, 0),
                signed(r.vsExplicit?.proxyUsPerConnection, 1),
                f(x.errors, 0),
              ];
            }),
          ),
        ];
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
      'p50 range',
      'p99 range',
      'bg cpu% max',
      'others% closed/open',
      'steal%',
    ],
    ok.map((r) => {
      const s = r.summary!;
      return [
        r.name,
        f(s.closedP50, 0),
        f(s.closedP99, 0),
        f(s.closedErrors, 0),
        f(s.max, 2),
        f(s.achievedRps, 0),
        f(s.openErrors, 0),
        f(s.sendLagP99, 2),
        `${f(s.p50Range[0], 2)}–${f(s.p50Range[1], 2)}`,
        `${f(s.p99Range[0], 2)}–${f(s.p99Range[1], 2)}`,
        Object.entries(s.backgroundCpuMax)
          .map(([cpu, pct]) => `${cpu}:${pct}`)
          .join(' ') || '-',
        `${f(s.othersMax.closed, 0)}/${f(s.othersMax.open, 0)}`,
        f(s.othersMax.steal, 0),
      ];
    }),
  );
  const legend = ok.map((r) => `  ${r.name.padEnd(Math.max(...ok.map((x) => x.name.length)))}  ${r.path}`);
  return [
    `req/s: closed-loop max throughput (${o.connections} connections). p50..p99.9: open-loop latency (ms) at ` +
      `${o.rate} req/s from intended send time${over}. +: difference in ms (negative: faster). proxy µs/req: ` +
      "CPU time of the mesh's proxies per open-loop request (scheduler time, not inflated by steal).",
    main,
    ...fresh,
    '',
    "details (closed-loop latency is autocannon's, 1 ms resolution; ranges are min–max over the rounds; bg cpu%: " +
      "per core, before a round; others%/steal%: other processes' CPU and hypervisor steal while the closed / " +
      'open loop ran, % of one core, the most of any round):',
    details,
    '',
    'paths:',
    ...legend,
    ...(failed.length > 0 ? ['', 'not measured:', ...failed] : []),
  ].join('\n');
}
