// The xDS scale bench's numbers: latency summaries across proxies, memory per proxy, the printed
// table. Pure functions, tested in xds-report.test.ts.

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (the value at or below which `p`% of the samples lie) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
  };
}

/**
 * The control plane's versions end in a generation counter (`<ms>-<n>`). A proxy may skip a version
 * when a newer one follows at once; it has then applied the change too, so it counts from the first
 * version at or after the one asked for.
 */
export function versionGeneration(version: string): number | undefined {
  const match = /-(\d+)$/.exec(version);
  return match ? Number(match[1]) : undefined;
}

export function convergedAtOrAfter(
  converged: ReadonlyMap<string, number>,
  version: string,
): number | undefined {
  const exact = converged.get(version);
  if (exact !== undefined) return exact;
  const wanted = versionGeneration(version);
  if (wanted === undefined) return undefined;
  let earliest: number | undefined;
  for (const [v, at] of converged) {
    const generation = versionGeneration(v);
    if (generation !== undefined && generation >= wanted && (earliest === undefined || at < earliest))
      earliest = at;
  }
  return earliest;
}

export interface MemorySample {
  rssBytes: number;
  /** From the control plane's own process.memoryUsage(), after a forced GC; absent if unavailable. */
  heapUsedBytes?: number;
}

export interface MemoryPerProxy {
  idle: MemorySample;
  loaded: MemorySample;
  proxies: number;
  rssBytesPerProxy: number;
  heapUsedBytesPerProxy?: number;
}

export function memoryPerProxy(idle: MemorySample, loaded: MemorySample, proxies: number): MemoryPerProxy {
  const out: MemoryPerProxy = {
    idle,
    loaded,
    proxies,
    rssBytesPerProxy: (loaded.rssBytes - idle.rssBytes) / proxies,
  };
  if (idle.heapUsedBytes !== undefined && loaded.heapUsedBytes !== undefined)
    out.heapUsedBytesPerProxy = (loaded.heapUsedBytes - idle.heapUsedBytes) / proxies;
  return out;
}

/** One measured phase: the initial connect, or one config change. */
export interface PhaseResult {
  name: string;
  describe: string;
  /** Per proxy, from the phase's start (connect or file write) to its ACK of the whole version, ms. */
  ackMs: Summary;
  /** When the last proxy ACKed, ms after the phase's start; NaN if some never did. */
  allAckedMs: number;
  /** Proxies that had not ACKed when the phase timed out. */
  missing: number;
  /** File write → the control plane's `pushed` log line (debounce, load, translate for every proxy), ms. */
  pushedMs?: number;
  controlPlaneCpuMs: number;
  clientCpuMs: number;
  /** Client CPU time ÷ (phase wall time × workers): how close the client side came to saturation. */
  clientCpuPct: number;
}

const fmt = (v: number | undefined, digits = 0) =>
  v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatPhases(phases: readonly PhaseResult[]): string {
  return table(
    [
      'phase',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'all ACKed ms',
      'missing',
      'write→push ms',
      'cp CPU ms',
      'client CPU ms',
      'client %',
    ],
    phases.map((p) => [
      p.name,
      fmt(p.ackMs.p50),
      fmt(p.ackMs.p90),
      fmt(p.ackMs.p99),
      fmt(p.ackMs.max),
      fmt(p.allAckedMs),
      String(p.missing),
      fmt(p.pushedMs),
      fmt(p.controlPlaneCpuMs),
      fmt(p.clientCpuMs),
      fmt(p.clientCpuPct),
    ]),
  );
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(1)} MB`);
const kb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 1024).toFixed(1)} KB`);

export function formatMemory(m: MemoryPerProxy): string {
  const heap =
    m.heapUsedBytesPerProxy === undefined
      ? 'heapUsed: not available'
      : `heapUsed ${mb(m.idle.heapUsedBytes)} → ${mb(m.loaded.heapUsedBytes)} = ${kb(m.heapUsedBytesPerProxy)}/proxy`;
  return `control plane memory, 0 → ${m.proxies} proxies: RSS ${mb(m.idle.rssBytes)} → ${mb(m.loaded.rssBytes)} = ${kb(m.rssBytesPerProxy)}/proxy; ${heap}`;
}
