// MAGLEV: consistent hashing by lookup table (Maglev paper, section 3.4), as Envoy uses it. Each
// host walks its own permutation of the table's slots (offset and skip from two hashes of its
// address; skip is coprime with the prime table size, so every permutation visits every slot)
// and, turn by turn, claims the next slot still free, until the table is full. A request's host
// is table[hash mod size]: O(1). Weights: a host takes a turn in proportion to its weight relative
// to the heaviest host, and every host takes the first turn, so each is in the table at least once
// while the table has room (Envoy documents the same).
import { hostKey, nextNotAvoided } from './ring-hash.ts';
import { BaseLoadBalancer, type LbHost, type Random, randomHash } from './types.ts';
import { xxHash53 } from './xxhash64.ts';

export interface MaglevOptions {
  /** maglev_lb_config.table_size: a prime; Envoy's default 65537, limit 5000011. */
  readonly tableSize: number;
  /** common_lb_config.consistent_hashing_lb_config.use_hostname_for_hashing */
  readonly useHostnameForHashing: boolean;
}

export const DEFAULT_MAGLEV: MaglevOptions = { tableSize: 65537, useHostnameForHashing: false };
export const MAX_MAGLEV_TABLE_SIZE = 5000011;

export class MaglevBalancer<H extends LbHost> extends BaseLoadBalancer<H> {
  protected override readonly walksPastAvoided = true;
  private readonly table: Int32Array;
  /** Envoy's min_entries_per_host / max_entries_per_host gauges. */
  readonly minEntriesPerHost: number;
  readonly maxEntriesPerHost: number;

  constructor(
    hosts: readonly H[],
    options: MaglevOptions = DEFAULT_MAGLEV,
    private readonly random: Random = Math.random,
  ) {
    super(hosts);
    const size = options.tableSize;
    const n = hosts.length;
    const table = new Int32Array(n === 0 ? 0 : size).fill(-1);
    const counts = new Array<number>(n).fill(0);
    if (n > 0) {
      const next = new Float64Array(n);
      const skip = new Float64Array(n);
      const weight = Float64Array.from(hosts, (h) => h.weight);
      const heaviest = weight.reduce((a, b) => Math.max(a, b), 0);
      // Credit starts one turn's worth short of the heaviest, so that every host claims a slot in
      // the first round; after that a host claims one slot each time its credit reaches `heaviest`.
      const credit = Float64Array.from(weight, (w) => heaviest - w);
      const keys = hosts.map((host) => hostKey(host, options.useHostnameForHashing));
      keys.forEach((key, i) => {
        next[i] = xxHash53(key, 0) % size;
        skip[i] = (xxHash53(key, 1) % (size - 1)) + 1;
      });
      // Turns go in key order, not arrival order: contention for a slot is settled by turn order,
      // and every proxy must build the same table from the same hosts.
      const turns = keys
        .map((_, i) => i)
        .sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
      let filled = 0;
      while (filled < size) {
        for (let t = 0; t < n && filled < size; t++) {
          const i = turns[t]!;
          credit[i]! += weight[i]!;
          if (credit[i]! < heaviest) continue;
          credit[i]! -= heaviest;
          let slot = next[i]!;
          while (table[slot] !== -1) slot = (slot + skip[i]!) % size;
          table[slot] = i;
          next[i] = (slot + skip[i]!) % size;
          counts[i]!++;
          filled++;
        }
      }
    }
    this.table = table;
    this.minEntriesPerHost = counts.reduce((a, b) => Math.min(a, b), n ? Number.POSITIVE_INFINITY : 0);
    this.maxEntriesPerHost = counts.reduce((a, b) => Math.max(a, b), 0);
  }

  get tableSize(): number {
    return this.table.length;
  }

  protected choose(hash: number, avoid: ReadonlySet<H> | undefined): H {
    const h = hash >= 0 ? hash : randomHash(this.random);
    let i = h % this.table.length;
    if (avoid) i = nextNotAvoided(this.table, this.hosts, i, avoid);
    return this.hosts[this.table[i]!]!;
  }
}
