// Flags of `npm start` (demo/run.ts).
import { parseArgs } from 'node:util';
import { DEFAULT_BASE_PORT } from './layout.ts';
import type { Weights } from './mesh.ts';

export interface DemoArgs {
  steps: Weights[];
  stepSeconds: number;
  rate: number;
  plain: boolean;
  loop: boolean;
  basePort: number;
  v2DelayMs: number;
  v2ErrorRate: number;
}

export const DEMO_USAGE = `usage: npm start -- [--steps 90/10,50/50,100/0] [--steps-seconds 12] [--rate 100] [--plain] [--loop]
                    [--base-port ${DEFAULT_BASE_PORT}] [--v2-delay-ms 20] [--v2-error-rate 0.02]

A local mesh on this machine, no Kubernetes: weft-control-plane on a copy of examples/demo, a
frontend calling reviews v1 and v2 through weft-proxy sidecars, and a load generator. It shows
traffic per version while it rewrites the reviews VirtualService's weights step by step.

  --steps          v1/v2 weights of each step (default 90/10,50/50,100/0: canary, half, roll back)
  --steps-seconds  how long each step is measured after the control plane has pushed it (default 12)
  --rate           requests per second from the load generator (default 100)
  --plain          one line per second instead of a redrawn table (default when not a terminal)
  --loop           start over after the last step, until Ctrl-C
  --base-port      first port of the demo's range base…base+199 (default ${DEFAULT_BASE_PORT})
  --v2-delay-ms    extra latency of reviews v2 (default 20)
  --v2-error-rate  share of reviews v2 answers that are HTTP 500 (default 0.02)`;

export class DemoUsageError extends Error {}

function number(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new DemoUsageError(`--${name} ${raw}: expected a number in [${min}, ${max}]`);
  return value;
}

export function parseSteps(text: string): Weights[] {
  const steps = text.split(',').map((step) => {
    const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(step);
    if (!match) throw new DemoUsageError(`--steps: "${step}" is not v1/v2 weights like 90/10`);
    const weights = { v1: Number(match[1]), v2: Number(match[2]) };
    if (weights.v1 + weights.v2 === 0) throw new DemoUsageError(`--steps: "${step}" sends traffic nowhere`);
    return weights;
  });
  return steps;
}

export function parseDemoArgs(argv: string[], stdoutIsTty: boolean): DemoArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        steps: { type: 'string' },
        'steps-seconds': { type: 'string' },
        rate: { type: 'string' },
        plain: { type: 'boolean' },
        loop: { type: 'boolean' },
        'base-port': { type: 'string' },
        'v2-delay-ms': { type: 'string' },
        'v2-error-rate': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new DemoUsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const basePort = number('base-port', str('base-port'), DEFAULT_BASE_PORT, 1024, 65535 - 200);
  if (!Number.isInteger(basePort)) throw new DemoUsageError('--base-port: expected an integer');
  return {
    steps: parseSteps(str('steps') ?? '90/10,50/50,100/0'),
    stepSeconds: number('steps-seconds', str('steps-seconds'), 12, 0.5, 3600),
    rate: number('rate', str('rate'), 100, 1, 2000),
    plain: values.plain === true || !stdoutIsTty,
    loop: values.loop === true,
    basePort,
    v2DelayMs: number('v2-delay-ms', str('v2-delay-ms'), 20, 0, 10_000),
    v2ErrorRate: number('v2-error-rate', str('v2-error-rate'), 0.02, 0, 1),
  };
}
