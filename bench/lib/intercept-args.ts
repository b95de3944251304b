// Command-line flags of `npm run bench:intercept`.
import { loadFlags, num, parseFlags } from './args.ts';

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

/** Flag errors are the main bench's UsageError; the alias keeps this bench's own name for callers. */
export { UsageError as InterceptUsageError } from './args.ts';

export function parseInterceptArgs(
  argv: readonly string[],
  targetNames: readonly string[],
): InterceptArgs | 'help' {
  const values = parseFlags(argv, { rounds: { type: 'string' }, fresh: { type: 'string' } });
  if (values.help) return 'help';
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const shared = loadFlags(values, targetNames);
  return {
    durationSec: shared.durationSec,
    connections: shared.connections,
    rate: shared.rate,
    rounds: num('rounds', str('rounds'), 1, 1, 50, true),
    fresh: num('fresh', str('fresh'), 500, 0, 100_000, true),
    only: shared.only,
    out: shared.out,
  };
}
