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

function num(name: string, raw: string | undefined, dflt: number, min: number, max: number, int: boolean) {
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    throw new UsageError(`--${name} ${raw}: expected ${int ? 'an integer' : 'a number'} in [${min}, ${max}]`);
  }
  return v;
}

export function parseBenchArgs(argv: string[], targetNames: readonly string[]): BenchArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        connections: { type: 'string' },
        rate: { type: 'string' },
        only: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
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
      throw new UsageError(
        `--only ${rawOnly}: unknown target(s) ${unknown.join(', ')}; known: ${targetNames.join(', ')}`,
      );
    }
  }
  return {
    durationSec: num('duration', str('duration'), 10, 1, 600, false),
    connections: num('connections', str('connections'), 50, 1, 5000, true),
    rate: num('rate', str('rate'), 1000, 1, 200_000, false),
    only,
    out: str('out'),
  };
}
