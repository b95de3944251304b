// The fuzzers' shared knobs, read from the environment so that every fuzz test (proxy and control
// plane) replays and lengthens the same way:
//   WEFT_FUZZ_SEED=<n>     replay a run exactly (the seed is printed on every run)
//   WEFT_FUZZ_PATH=<p>     with the seed, jump straight to the failing case fast-check reported
//   WEFT_FUZZ_RUNS=<n>     run n cases per property instead of the test's default
//   WEFT_FUZZ_SECONDS=<s>  run each property for about s seconds (as many cases as fit)
// A long run outlives tap's per-file timeout: run it as `npx tap --timeout=0 <file>`.
import type { Parameters } from 'fast-check';

export interface FuzzEnv {
  readonly seed: number;
  readonly path?: string;
  readonly runs?: number;
  readonly seconds?: number;
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${text}`);
  return n;
}

export function fuzzEnv(env: NodeJS.ProcessEnv = process.env): FuzzEnv {
  const seedText = env.WEFT_FUZZ_SEED;
  const seed =
    seedText === undefined || seedText === ''
      ? (Math.random() * 2 ** 31) | 0
      : Number.isInteger(Number(seedText))
        ? Number(seedText)
        : Number.NaN;
  if (Number.isNaN(seed)) throw new Error(`WEFT_FUZZ_SEED must be an integer, got ${seedText}`);
  const runs = positive('WEFT_FUZZ_RUNS', env.WEFT_FUZZ_RUNS);
  const seconds = positive('WEFT_FUZZ_SECONDS', env.WEFT_FUZZ_SECONDS);
  return {
    seed,
    ...(env.WEFT_FUZZ_PATH ? { path: env.WEFT_FUZZ_PATH } : {}),
    ...(runs !== undefined ? { runs: Math.floor(runs) } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
  };
}

/**
 * fast-check parameters for one property: `defaultRuns` cases, unless WEFT_FUZZ_RUNS says otherwise;
 * with WEFT_FUZZ_SECONDS, as many as fit in that time (an interrupted run passes if nothing failed).
 */
export function fuzzParameters<T>(defaultRuns: number, env: FuzzEnv = fuzzEnv()): Parameters<T> {
  const timed = env.seconds !== undefined;
  return {
    seed: env.seed,
    ...(env.path !== undefined ? { path: env.path } : {}),
    numRuns: env.runs ?? (timed ? Number.MAX_SAFE_INTEGER : defaultRuns),
    ...(timed ? { interruptAfterTimeLimit: env.seconds! * 1000, markInterruptAsFailure: false } : {}),
  };
}

/** One line for the test log: how to replay this run. */
export function describeFuzz(env: FuzzEnv = fuzzEnv()): string {
  const extra = [
    env.runs !== undefined ? `WEFT_FUZZ_RUNS=${env.runs}` : '',
    env.seconds !== undefined ? `WEFT_FUZZ_SECONDS=${env.seconds}` : '',
  ].filter(Boolean);
  return `fuzz seed ${env.seed}: replay with WEFT_FUZZ_SEED=${env.seed}${extra.length ? ` ${extra.join(' ')}` : ''}`;
}
