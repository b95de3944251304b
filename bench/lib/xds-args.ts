// Command-line flags of `npm run bench:xds`, and the open-files check a thousand streams need.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from './args.ts';

export interface XdsBenchArgs {
  proxies: number;
  changes: number;
  workers: number;
  services: number;
  namespaces: number;
  connectConcurrency: number;
  timeoutSec: number;
  out: string | undefined;
}

export const XDS_USAGE = `usage: npm run bench:xds -- [--proxies N] [--changes K] [--workers W] [--services S] [--out FILE]
  --proxies              simulated proxies, each its own ADS stream and connection (default 1000)
  --changes              config changes to measure, one VirtualService rewrite each (default 5)
  --workers              processes the simulated proxies are spread over (default 2)
  --services             services in the generated mesh (default 50)
  --namespaces           namespaces they are spread over (default 5)
  --connect-concurrency  streams per worker still waiting for their first response (default 100)
  --timeout              seconds each phase may take before missing ACKs are reported (default 180)
  --out                  JSON results file (default bench/results/xds-<timestamp>.json)`;

function integer(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} ${raw}: expected an integer in [${min}, ${max}]`);
  return value;
}

export function parseXdsBenchArgs(argv: string[]): XdsBenchArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        proxies: { type: 'string' },
        changes: { type: 'string' },
        workers: { type: 'string' },
        services: { type: 'string' },
        namespaces: { type: 'string' },
        'connect-concurrency': { type: 'string' },
        timeout: { type: 'string' },
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
  const proxies = integer('proxies', str('proxies'), 1000, 1, 100_000);
  return {
    proxies,
    changes: integer('changes', str('changes'), 5, 0, 1000),
    workers: Math.min(proxies, integer('workers', str('workers'), 2, 1, 64)),
    services: integer('services', str('services'), 50, 1, 250),
    namespaces: integer('namespaces', str('namespaces'), 5, 1, 100),
    connectConcurrency: integer('connect-concurrency', str('connect-concurrency'), 100, 1, 10_000),
    timeoutSec: integer('timeout', str('timeout'), 180, 1, 3600),
    out: str('out'),
  };
}

/** Soft and hard "Max open files" of this process (children inherit them), or undefined off Linux. */
export function openFilesLimit(limitsText?: string): { soft: number; hard: number } | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!match) return undefined;
  const parse = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: parse(match[1]!), hard: parse(match[2]!) };
}

/** Descriptors beyond the proxies' sockets: the runtime, log pipes, the watcher, the config files. */
const FD_HEADROOM = 256;

/**
 * The control plane holds one socket per proxy; a worker holds one per proxy it simulates. Returns
 * why the limit is too low (and how to raise it), or undefined when it suffices.
 */
export function fdLimitProblem(
  proxies: number,
  limit: { soft: number; hard: number } | undefined,
): string | undefined {
  if (!limit) return undefined;
  const needed = proxies + FD_HEADROOM;
  if (needed <= limit.soft) return undefined;
  const raise =
    needed <= limit.hard
      ? `ulimit -n ${limit.hard}`
      : `ulimit -n ${needed} (as root: the hard limit is ${limit.hard})`;
  return `--proxies ${proxies} needs about ${needed} open files in the control plane, but the limit is ${limit.soft}: run \`${raise}\` in this shell first`;
}
