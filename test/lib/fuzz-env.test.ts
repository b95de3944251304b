// The fuzzers' shared knobs: defaults, overrides, and refusal of nonsense values.
import t from 'tap';
import { describeFuzz, fuzzEnv, fuzzParameters } from './fuzz-env.ts';

t.test("defaults: a random seed, the test's own run count, no time limit", async (t) => {
  const env = fuzzEnv({});
  t.ok(Number.isInteger(env.seed));
  const p = fuzzParameters(200, env);
  t.equal(p.numRuns, 200);
  t.equal(p.seed, env.seed);
  t.equal(p.interruptAfterTimeLimit, undefined);
});

t.test('a seed and a path replay; runs and seconds lengthen the run', async (t) => {
  const env = fuzzEnv({ WEFT_FUZZ_SEED: '42', WEFT_FUZZ_PATH: '3:1', WEFT_FUZZ_SECONDS: '600' });
  const p = fuzzParameters(200, env);
  t.equal(p.seed, 42);
  t.equal(p.path, '3:1');
  t.equal(p.interruptAfterTimeLimit, 600_000);
  t.equal(p.numRuns, Number.MAX_SAFE_INTEGER, 'only seconds set: the clock bounds the run');
  t.equal(fuzzParameters(200, fuzzEnv({ WEFT_FUZZ_RUNS: '5' })).numRuns, 5);
  t.match(describeFuzz(env), /WEFT_FUZZ_SEED=42/);
});

t.test('nonsense is refused with the variable named', async (t) => {
  t.throws(() => fuzzEnv({ WEFT_FUZZ_SEED: 'x' }), /WEFT_FUZZ_SEED/);
  t.throws(() => fuzzEnv({ WEFT_FUZZ_RUNS: '-1' }), /WEFT_FUZZ_RUNS/);
});
