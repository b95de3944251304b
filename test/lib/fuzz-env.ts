// Environment knobs shared by the fuzz tests: a seed that replays a run exactly, and overrides that turn
// the bounded default run into a longer one. Turned into fast-check's own parameters.
export interface FuzzParameters {
  /** fast-check's seed: the same seed gives the same generated sequences. */
  readonly seed: number;
  readonly numRuns: number;
  /** Milliseconds after which fast-check stops starting runs (and shrinking) and reports what it has. */
  readonly interruptAfterTimeLimit: number;
  /** fast-check's replay path (WEFT_FUZZ_PATH, from a failure report): with the seed, reruns that counterexample. */
  readonly path?: string;
}

export interface FuzzDefaults {
  numRuns: number;
  seconds: number;
}

/** With only WEFT_FUZZ_SECONDS set, the clock bounds the run, not a count. */
const UNBOUNDED_RUNS = 2 ** 31 - 1;

function integerFrom(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name}=${text}: expected an integer >= ${min}`);
  return value;
}

/**
 * WEFT_FUZZ_SEED (integer; random when unset), WEFT_FUZZ_RUNS (run count) and WEFT_FUZZ_SECONDS
 * (time limit) over the test's defaults. Setting only the seconds lifts the run count. WEFT_FUZZ_PATH
 * (with the seed) replays one reported counterexample.
 */
export function fuzzParameters(defaults: FuzzDefaults, env: NodeJS.ProcessEnv = process.env): FuzzParameters {
  const seed = integerFrom(env, 'WEFT_FUZZ_SEED', -(2 ** 31)) ?? (Math.random() * 2 ** 31) | 0;
  const runs = integerFrom(env, 'WEFT_FUZZ_RUNS', 1);
  const seconds = integerFrom(env, 'WEFT_FUZZ_SECONDS', 1);
  const params: FuzzParameters = {
    seed,
    numRuns: runs ?? (seconds !== undefined ? UNBOUNDED_RUNS : defaults.numRuns),
    interruptAfterTimeLimit: (seconds ?? defaults.seconds) * 1000,
  };
  const path = env.WEFT_FUZZ_PATH;
  return path ? { ...params, path } : params;
}

/** One line for the test log, so that any failure can be replayed. */
export function describeFuzz(name: string, p: FuzzParameters): string {
  const runs = p.numRuns === UNBOUNDED_RUNS ? 'unbounded' : String(p.numRuns);
  const path = p.path ? `, path ${p.path}` : '';
  return `${name}: seed ${p.seed} (replay with WEFT_FUZZ_SEED=${p.seed})${path}, runs ${runs}, time limit ${p.interruptAfterTimeLimit / 1000} s`;
}
