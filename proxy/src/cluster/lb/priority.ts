// Envoy's priority levels and panic threshold (arch overview "Priority levels" and "Panic
// threshold"), in two parts: `computePriorityLoad`, the pure arithmetic from healthy counts to the
// share of traffic per priority, and `PriorityBalancer`, which picks a priority by those shares
// and delegates to a policy over that priority's healthy hosts (or all of them, in panic).
//
//   health(P)          = min(100, floor(overprovisioning_factor% × healthy(P) / total(P)))
//   normalized total   = min(100, Σ health)
//   load(P)            = min(100 − Σ load(earlier), round(health(P) × 100 / normalized total))
//
// Below a normalized total of 100 there are not enough healthy hosts anywhere, and a priority whose
// healthy share is under healthy_panic_threshold balances over all its hosts. With no healthy host
// at all, all traffic goes to the first priority, in panic unless the threshold is 0 (then nothing
// is picked: Envoy's "no healthy upstream").
import { createLoadBalancer, type LbConfig } from './config.ts';
import type { LbHost, LoadBalancer, PickContext, Random } from './types.ts';

export interface PriorityHealth {
  readonly healthy: number;
  readonly total: number;
}

export interface PriorityLoad {
  /** Integer percent of traffic per priority; sums to 100 when there is any priority. */
  readonly load: readonly number[];
  /** Per priority: balance across all its hosts, ignoring health. */
  readonly panic: readonly boolean[];
  /** min(100, Σ health): below 100, the healthy hosts cannot carry the traffic. */
  readonly normalizedTotalHealth: number;
}

/**
 * The load per priority. `overprovisioningFactor` is in percent (Envoy's 140 = 1.4) and
 * `panicThreshold` is a percentage of hosts (Envoy's default 50; 0 disables panic).
 */
export function computePriorityLoad(
  levels: readonly PriorityHealth[],
  overprovisioningFactor = 140,
  panicThreshold = 50,
): PriorityLoad {
  const n = levels.length;
  const load = new Array<number>(n).fill(0);
  const panic = new Array<boolean>(n).fill(false);
  if (n === 0) return { load, panic, normalizedTotalHealth: 0 };
  const health = levels.map(({ healthy, total }) =>
    total > 0 ? Math.min(100, Math.floor((overprovisioningFactor * healthy) / total)) : 0,
  );
  const normalizedTotalHealth = Math.min(
    100,
    health.reduce((a, b) => a + b, 0),
  );
  if (normalizedTotalHealth === 0) {
    const first = Math.max(
      0,
      levels.findIndex((l) => l.total > 0),
    );
    load[first] = 100;
    panic[first] = panicThreshold > 0;
    return { load, panic, normalizedTotalHealth };
  }
  let remaining = 100;
  for (let p = 0; p < n; p++) {
    load[p] = Math.min(remaining, Math.round((health[p]! * 100) / normalizedTotalHealth));
    remaining -= load[p]!;
  }
  // Rounding down everywhere can leave a point or two; Envoy gives it to the first healthy priority.
  if (remaining > 0) load[health.findIndex((h) => h > 0)]! += remaining;
  if (normalizedTotalHealth < 100) {
    for (let p = 0; p < n; p++) {
      const { healthy, total } = levels[p]!;
      panic[p] = total > 0 && (100 * healthy) / total < panicThreshold;
    }
  }
  return { load, panic, normalizedTotalHealth };
}

function sameHosts<H>(a: readonly H[], b: readonly H[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Priorities over per-priority policies. Build one per endpoint-set change with the endpoints
 * grouped by priority (index 0 = priority 0); call `refresh()` whenever a host's `healthy` flips
 * (health check, outlier ejection or return). Per-priority policies are rebuilt only when that
 * priority's healthy set changed, so a round-robin position or a ring survives unrelated changes.
 */
export class PriorityBalancer<H extends LbHost> implements LoadBalancer<H> {
  private readonly healthySets: H[][];
  private readonly healthyLbs: LoadBalancer<H>[];
  private readonly allLbs: (LoadBalancer<H> | undefined)[];
  /** Per priority, the policy picks use now (healthy hosts, or all of them in panic). */
  private readonly active: LoadBalancer<H>[];
  /** Running sums of `load`, for choosing a priority from a draw in [0, 100). */
  private readonly cumulative: Int32Array;
  private state: PriorityLoad;

  constructor(
    readonly levels: readonly (readonly H[])[],
    readonly config: LbConfig,
    private readonly random: Random = Math.random,
  ) {
    const n = levels.length;
    this.healthySets = levels.map(() => []);
    this.healthyLbs = levels.map(() => createLoadBalancer<H>(config, [], random));
    this.allLbs = new Array(n).fill(undefined);
    this.active = [...this.healthyLbs];
    this.cumulative = new Int32Array(n);
    this.state = { load: [], panic: [], normalizedTotalHealth: 0 };
    this.refresh();
  }

  /** The current load and panic flags (for /clusters and tests). */
  get priorityLoad(): PriorityLoad {
    return this.state;
  }

  /** Re-reads every host's `healthy`; returns true when the load or a priority's hosts changed. */
  refresh(): boolean {
    let changed = false;
    const counts: PriorityHealth[] = [];
    this.levels.forEach((hosts, p) => {
      const healthy = hosts.filter((h) => h.healthy);
      counts.push({ healthy: healthy.length, total: hosts.length });
      if (!sameHosts(healthy, this.healthySets[p]!)) {
        this.healthySets[p] = healthy;
        this.healthyLbs[p] = createLoadBalancer(this.config, healthy, this.random);
        changed = true;
      }
    });
    const next = computePriorityLoad(
      counts,
      this.config.overprovisioningFactor,
      this.config.healthyPanicThreshold,
    );
    let sum = 0;
    next.load.forEach((l, p) => {
      sum += l;
      this.cumulative[p] = sum;
      if (l !== this.state.load[p] || next.panic[p] !== this.state.panic[p]) changed = true;
      if (next.panic[p]) {
        this.allLbs[p] ??= createLoadBalancer(this.config, this.levels[p]!, this.random);
        this.active[p] = this.allLbs[p]!;
      } else {
        this.active[p] = this.healthyLbs[p]!;
      }
    });
    this.state = next;
    return changed;
  }

  pick(ctx?: PickContext<H>): H | undefined {
    const n = this.active.length;
    if (n === 0) return undefined;
    let p = 0;
    if (n > 1) {
      // Hash policies choose the priority by hash too, so a key sticks to its priority as well.
      const hash = ctx?.hash;
      const draw = hash !== undefined && hash >= 0 ? hash % 100 : Math.floor(this.random() * 100);
      while (p < n - 1 && draw >= this.cumulative[p]!) p++;
    }
    return this.active[p]!.pick(ctx);
  }
}
