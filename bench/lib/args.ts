// Command-line flags of `npm run bench`.
import { parseArgs } from 'node:util';

export interface BenchArgs {
  durationSec: number;
  connections: number;
  rate: number;
  only: string[] | undefined;
  out: string | undefined;
}

export const USAGE = `usage: npm run bench -- [--duration SECONDS] [--connections N] [--rate RPS] [--only a,b] [--out FILE]
  --duration     seconds measured per target and per measurement, after a 2 s warm-up (default 10)
  --connections  keep-alive connections for both generators (default 50)
  --rate         requests per second for the open-loop latency run (default 1000)
  --only         comma-separated targets to run (default all): TARGETS
  --out          JSON results file (default bench/results/<timestamp>.json)`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A numeric flag's value within [min, max] (an integer when `int`), or the default when absent. */
export function num(
  name: string,
  raw: string | undefined,
  dflt: number,
  min: number,
  max: number,
  int: boolean,
): number {
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    throw new UsageError(`--${name} ${raw}: expected ${int ? 'an integer' : 'a number'} in [${min}, ${max}]`);
  }
  return v;
}

/** The flags every load bench shares (`npm run bench`, `bench:intercept`), as parseArgs options. */
export const LOAD_BENCH_OPTIONS = {
  duration: { type: 'string' },
  connections: { type: 'string' },
  rate: { type: 'string' },
  only: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses argv with the shared flags plus `extra`; a parse failure is a UsageError. */
export function parseFlags(
  argv: readonly string[],
  extra: Record<string, { type: 'string' }> = {},
): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...LOAD_BENCH_OPTIONS, ...extra },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** `--only a,b`: the named targets, each one of `targetNames`; undefined when the flag is absent. */
export function parseOnly(raw: string | undefined, targetNames: readonly string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const only = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = only.filter((n) => !targetNames.includes(n));
  if (unknown.length > 0 || only.length === 0) {
    throw new UsageError(
      `--only ${raw}: unknown target(s) ${unknown.join(', ')}; known: ${targetNames.join(', ')}`,
    );
  }
  return only;
}

/** The shared load flags' values: duration, connections, rate, only, out. */
export function loadFlags(
  values: Record<string, string | boolean | undefined>,
  targetNames: readonly string[],
) {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  return {
    durationSec: num('duration', str('duration'), 10, 1, 600, false),
    connections: num('connections', str('connections'), 50, 1, 5000, true),
    rate: num('rate', str('rate'), 1000, 1, 200_000, false),
    only: parseOnly(str('only'), targetNames),
    out: str('out'),
  };
}

export function parseBenchArgs(argv: string[], targetNames: readonly string[]): BenchArgs | 'help' {
  const values = parseFlags(argv);
  if (values.help) return 'help';
  return loadFlags(values, targetNames);
}
