// Test doubles for the balancer tests: hosts with settable load and health, a seeded random source.
import type { LbHost } from './types.ts';

export class FakeHost implements LbHost {
  active = 0;
  healthy = true;
  hostname?: string;

  constructor(
    readonly id: string,
    readonly weight = 1,
  ) {}

  activeRequests(): number {
    return this.active;
  }
}

/** `n` hosts 10.0.0.1:8080 … with the given weights (default 1). */
export function hosts(n: number, weights: readonly number[] = []): FakeHost[] {
  return Array.from({ length: n }, (_, i) => new FakeHost(`10.0.0.${i + 1}:8080`, weights[i] ?? 1));
}

/** mulberry32: a small deterministic PRNG, so distributions in tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks per host id over `n` calls of `pick`. */
export function tally<H extends { id: string }>(n: number, pick: () => H | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = pick();
    if (h) counts.set(h.id, (counts.get(h.id) ?? 0) + 1);
  }
  return counts;
}
