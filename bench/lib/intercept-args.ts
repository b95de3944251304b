// Command-line flags of `npm run bench:intercept`.
import { parseArgs } from 'node:util';

export interface InterceptArgs {
  durationSec: number;
  connections: number;
  rate: number;
  rounds: number;
  /** Fresh-connection samples per target and round; 0 skips that measurement. */
  fresh: number;
  only: string[] | undefined;
  out: string | undefined;
}

export const INTERCEPT_USAGE = `usage: npm run bench:intercept -- [--duration SECONDS] [--connections N] [--rate RPS]
         [--rounds N] [--fresh N] [--only a,b] [--out FILE]        (as root: it builds network namespaces)
  --duration     seconds measured per target and per measurement, after a 2 s warm-up (default 10)
  --connections  keep-alive connections for both generators (default 50)
  --rate         requests per second for the open-loop latency run (default 1000)
  --rounds       measure every target this many times, interleaved; the table shows medians (default 1)
  --fresh        sequential fresh-connection requests per target and round, 0 to skip (default 500)
  --only         comma-separated targets (default all): TARGETS
  --out          JSON results file (default bench/results/intercept-<timestamp>.json)`;

export class InterceptUsageError extends Error {
  override name = 'InterceptUsageError';
}

function num(name: string, raw: string | undefined, dflt: number, min: number, max: number, int: boolean) {
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    throw new InterceptUsageError(
      `--${name} ${raw}: expected ${int ? 'an integer' : 'a number'} in [${min}, ${max}]`,
    );
  }
  return v;
}

export function parseInterceptArgs(
  argv: readonly string[],
  targetNames: readonly string[],
): InterceptArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        duration: { type: 'string' },
        connections: { type: 'string' },
        rate: { type: 'string' },
        rounds: { type: 'string' },
        fresh: { type: 'string' },
        only: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new InterceptUsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  let only: string[] | undefined;
  const rawOnly = str('only');
  if (rawOnly !== undefined) {
    only = rawOnly
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = only.filter((n) => !targetNames.includes(n));
    if (unknown.length > 0 || only.length === 0) {
      throw new InterceptUsageError(
        `--only ${rawOnly}: unknown target(s) ${unknown.join(', ')}; known: ${targetNames.join(', ')}`,
      );
    }
  }
  return {
    durationSec: num('duration', str('duration'), 10, 1, 600, false),
    connections: num('connections', str('connections'), 50, 1, 5000, true),
    rate: num('rate', str('rate'), 1000, 1, 200_000, false),
    rounds: num('rounds', str('rounds'), 1, 1, 50, true),
    fresh: num('fresh', str('fresh'), 500, 0, 100_000, true),
    only,
    out: str('out'),
  };
}
