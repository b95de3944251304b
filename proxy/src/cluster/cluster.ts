// A cluster at run time: the endpoints of one config version and the balancer over them.
// Weighted round robin here (smooth, as Envoy's weighted RR spreads picks); the load-balancing issue
// adds the other policies behind the same pick().
import type { ClusterTable } from '../compile/types.ts';
import type { Endpoint } from './endpoint.ts';

export interface ClusterStats {
  rqTotal: number;
  rqActive: number;
  rqRetry: number;
  rqRetrySuccess: number;
  rqRetryLimitExceeded: number;
  rqTimeout: number;
  rqPerTryTimeout: number;
  cxConnectFail: number;
  rqByClass: [number, number, number, number, number, number];
  /** upstream request time histogram: counts per bucket of RQ_TIME_BUCKETS_MS, plus +Inf */
  rqTimeBuckets: number[];
  rqTimeSumMs: number;
  rqTimeCount: number;
}

export const RQ_TIME_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

export function newClusterStats(): ClusterStats {
  return {
    rqTotal: 0,
    rqActive: 0,
    rqRetry: 0,
    rqRetrySuccess: 0,
    rqRetryLimitExceeded: 0,
    rqTimeout: 0,
    rqPerTryTimeout: 0,
    cxConnectFail: 0,
    rqByClass: [0, 0, 0, 0, 0, 0],
    rqTimeBuckets: new Array(RQ_TIME_BUCKETS_MS.length + 1).fill(0),
    rqTimeSumMs: 0,
    rqTimeCount: 0,
  };
}

export function observeRqTime(stats: ClusterStats, ms: number): void {
  let i = 0;
  while (i < RQ_TIME_BUCKETS_MS.length && ms > RQ_TIME_BUCKETS_MS[i]!) i++;
  stats.rqTimeBuckets[i]!++;
  stats.rqTimeSumMs += ms;
  stats.rqTimeCount++;
}

export class Cluster {
  private readonly currentWeights: number[];
  private readonly totalWeight: number;

  constructor(
    readonly table: ClusterTable,
    readonly endpoints: readonly Endpoint[],
    readonly stats: ClusterStats,
  ) {
    this.currentWeights = endpoints.map(() => 0);
    this.totalWeight = endpoints.reduce((sum, e) => sum + e.weight, 0);
  }

  get name(): string {
    return this.table.name;
  }

  /**
   * Smooth weighted round robin. `avoid` holds endpoints already tried by this request
   * (retry_host_predicate previous_hosts); it is honoured for up to `attempts` picks.
   */
  pick(avoid?: ReadonlySet<Endpoint>, attempts = 1): Endpoint | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    if (n === 1) return this.endpoints[0];
    let chosen: Endpoint | undefined;
    for (let attempt = 0; attempt < Math.max(1, attempts); attempt++) {
      chosen = this.nextWeighted();
      if (!avoid?.has(chosen)) return chosen;
    }
    return chosen;
  }

  private nextWeighted(): Endpoint {
    let best = 0;
    const weights = this.currentWeights;
    for (let i = 0; i < weights.length; i++) {
      weights[i]! += this.endpoints[i]!.weight;
      if (weights[i]! > weights[best]!) best = i;
    }
    weights[best]! -= this.totalWeight;
    return this.endpoints[best]!;
  }
}
