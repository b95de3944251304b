// RING_HASH: Envoy's ketama-style consistent hashing. Each host is hashed onto a ring of 53-bit
// positions (xxHash64 of `<address:port>_<n>`) a number of times proportional to its weight; a
// request goes to the first entry at or after its own hash, wrapping at the end (binary search).
//
// Sizing: the ring has at least minimum_ring_size entries and at most maximum_ring_size. Within
// that, entries per unit of weight are rounded up to a power of two, so adding or removing a host
// usually leaves every other host's entries exactly where they were: only the keys the new host
// takes (or the removed host had) move, the ~1/N that consistent hashing promises. (Sizing the ring
// to exactly the minimum would shift every host's entry count, and keys with them, on each change.)
import { BaseLoadBalancer, type LbHost, type Random, randomHash } from './types.ts';
import { xxHash53 } from './xxhash64.ts';

export interface RingHashOptions {
  /** ring_hash_lb_config.minimum_ring_size; Envoy's default 1024. */
  readonly minimumRingSize: number;
  /** ring_hash_lb_config.maximum_ring_size; Envoy's default and limit 8M. */
  readonly maximumRingSize: number;
  /** common_lb_config.consistent_hashing_lb_config.use_hostname_for_hashing */
  readonly useHostnameForHashing: boolean;
}

export const MAX_RING_SIZE = 8 * 1024 * 1024;

export const DEFAULT_RING_HASH: RingHashOptions = {
  minimumRingSize: 1024,
  maximumRingSize: MAX_RING_SIZE,
  useHostnameForHashing: false,
};

/** The key a consistent-hash balancer places a host by. */
export function hostKey(host: LbHost, useHostname: boolean): string {
  return useHostname && host.hostname ? host.hostname : host.id;
}

/**
 * Entries per host: weight relative to the lightest host, times a power-of-two scale that makes
 * the total reach `min`, capped at `max` (every host keeps at least one entry).
 */
export function ringEntryCounts(weights: readonly number[], min: number, max: number): number[] {
  if (weights.length === 0) return [];
  const lightest = weights.reduce((a, b) => Math.min(a, b));
  const units = weights.map((w) => w / lightest);
  const totalUnits = units.reduce((a, b) => a + b, 0);
  let scale = 2 ** Math.max(0, Math.ceil(Math.log2(min / totalUnits)));
  if (scale * totalUnits > max) scale = max / totalUnits;
  return units.map((u) => Math.max(1, Math.floor(scale * u + 0.5)));
}

/**
 * From index `start`, the first index whose owner is not in `avoid` (scanning at most the whole
 * table once; `start` itself when every host is avoided). A retry that must avoid the host it got
 * takes the next host along the ring, the one the key would move to if that host were gone.
 */
export function nextNotAvoided<H>(
  owners: Int32Array,
  hosts: readonly H[],
  start: number,
  avoid: ReadonlySet<H>,
): number {
  const size = owners.length;
  let i = start;
  for (let seen = 0; seen < size; seen++) {
    if (!avoid.has(hosts[owners[i]!]!)) return i;
    i = i + 1 === size ? 0 : i + 1;
  }
  return start;
}

export class RingHashBalancer<H extends LbHost> extends BaseLoadBalancer<H> {
  protected override readonly walksPastAvoided = true;
  /** Sorted ring positions and, at the same index, the owning host's index. */
  private readonly positions: Float64Array;
  private readonly owners: Int32Array;
  /** Envoy's min_hashes_per_host / max_hashes_per_host gauges. */
  readonly minHashesPerHost: number;
  readonly maxHashesPerHost: number;

  constructor(
    hosts: readonly H[],
    options: RingHashOptions = DEFAULT_RING_HASH,
    private readonly random: Random = Math.random,
  ) {
    super(hosts);
    const counts = ringEntryCounts(
      hosts.map((h) => h.weight),
      options.minimumRingSize,
      options.maximumRingSize,
    );
    const size = counts.reduce((a, b) => a + b, 0);
    const unsortedPositions = new Float64Array(size);
    const unsortedOwners = new Int32Array(size);
    let at = 0;
    hosts.forEach((host, i) => {
      const prefix = `${hostKey(host, options.useHostnameForHashing)}_`;
      for (let n = 0; n < counts[i]!; n++) {
        unsortedPositions[at] = xxHash53(prefix + n);
        unsortedOwners[at++] = i;
      }
    });
    // Sort by position; equal positions (a 2^-53 event) are ordered by host so the ring is
    // the same on every proxy whatever order the hosts arrived in.
    const order = new Uint32Array(size);
    for (let i = 0; i < size; i++) order[i] = i;
    order.sort(
      (a, b) =>
        unsortedPositions[a]! - unsortedPositions[b]! ||
        (hosts[unsortedOwners[a]!]!.id < hosts[unsortedOwners[b]!]!.id ? -1 : 1),
    );
    this.positions = new Float64Array(size);
    this.owners = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      this.positions[i] = unsortedPositions[order[i]!]!;
      this.owners[i] = unsortedOwners[order[i]!]!;
    }
    this.minHashesPerHost = counts.reduce(
      (a, b) => Math.min(a, b),
      counts.length ? Number.POSITIVE_INFINITY : 0,
    );
    this.maxHashesPerHost = counts.reduce((a, b) => Math.max(a, b), 0);
  }

  get ringSize(): number {
    return this.positions.length;
  }

  protected choose(hash: number, avoid: ReadonlySet<H> | undefined): H {
    const h = hash >= 0 ? hash : randomHash(this.random);
    const positions = this.positions;
    // First position >= h; past the end wraps to the start of the ring.
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    let i = lo === positions.length ? 0 : lo;
    if (avoid) i = nextNotAvoided(this.owners, this.hosts, i, avoid);
    return this.hosts[this.owners[i]!]!;
  }
}
