// The fuzz tests' environment knobs: defaults, overrides, and refusing values that are not integers.
import t from 'tap';
import { describeFuzz, fuzzParameters } from './fuzz-env.ts';

const defaults = { numRuns: 200, seconds: 60 };

t.test('defaults: a random seed, the test run count and time limit', async (t) => {
  const p = fuzzParameters(defaults, {});
  t.ok(Number.isSafeInteger(p.seed));
  t.equal(p.numRuns, 200);
  t.equal(p.interruptAfterTimeLimit, 60_000);
  t.equal(p.path, undefined);
  t.match(describeFuzz('x', p), `WEFT_FUZZ_SEED=${p.seed}`);
});

t.test('overrides: seed, runs, seconds and a replay path', async (t) => {
  t.same(fuzzParameters(defaults, { WEFT_FUZZ_SEED: '-7', WEFT_FUZZ_RUNS: '5', WEFT_FUZZ_SECONDS: '9' }), {
    seed: -7,
    numRuns: 5,
    interruptAfterTimeLimit: 9_000,
  });
  t.equal(fuzzParameters(defaults, { WEFT_FUZZ_SEED: '3', WEFT_FUZZ_PATH: '4:0:1' }).path, '4:0:1');
});

t.test('seconds alone lift the run count: the clock bounds the run', async (t) => {
  const p = fuzzParameters(defaults, { WEFT_FUZZ_SECONDS: '300' });
  t.ok(p.numRuns > 1_000_000);
  t.equal(p.interruptAfterTimeLimit, 300_000);
  t.match(describeFuzz('x', p), 'runs unbounded, time limit 300 s');
});

t.test('values that are not integers in range are refused with the variable named', async (t) => {
  t.throws(() => fuzzParameters(defaults, { WEFT_FUZZ_SEED: 'abc' }), /WEFT_FUZZ_SEED=abc/);
  t.throws(
    () => fuzzParameters(defaults, { WEFT_FUZZ_RUNS: '0' }),
    /WEFT_FUZZ_RUNS=0: expected an integer >= 1/,
  );
  t.throws(() => fuzzParameters(defaults, { WEFT_FUZZ_SECONDS: '1.5' }), /WEFT_FUZZ_SECONDS/);
});
