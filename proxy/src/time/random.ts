// A source of uniform numbers in [0, 1): Math.random in production, a seeded generator in tests so
// that a weighted pick, a fault percentage or a jittered back-off replays exactly. The same shape as
// the balancers' and the outlier detector's `random` option.

export type Random = () => number;

export const systemRandom: Random = Math.random;

/** mulberry32: tiny, fast and good enough to make tests deterministic (not for anything secret). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** Always the same number: for tests that want "the fault always fires" or "back-off is the ceiling". */
export function fixedRandom(value: number): Random {
  return () => value;
}
