// A cluster at run time: the endpoints of one config version, the balancer over them (priorities,
// panic mode, then lb_policy), and the state that outlives versions (stats, breakers, outlier
// detection).
import type { ClusterTable } from '../compile/index.ts';
import type { Admission } from './breaker/index.ts';
import type { Endpoint } from './endpoint.ts';
import type { HealthChecker } from './health/index.ts';
import { type PickContext, PriorityBalancer, type PriorityLoad } from './lb/index.ts';
import type { OriginalDstHosts } from './original-dst.ts';
import type { AttemptResult, OutlierDetector } from './outlier/index.ts';

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

/** What a cluster keeps across config versions: its breakers' counters and its outlier detector. */
export interface ClusterState {
  readonly stats: ClusterStats;
  readonly admission: Admission;
  readonly outlier: OutlierDetector<Endpoint> | undefined;
  readonly healthChecker: HealthChecker<Endpoint> | undefined;
  /** type ORIGINAL_DST: the hosts made from original destinations, which the cluster picks from. */
  readonly originalDst: OriginalDstHosts | undefined;
}

export class Cluster {
  private readonly balancer: PriorityBalancer<Endpoint>;

  constructor(
    readonly table: ClusterTable,
    readonly endpoints: readonly Endpoint[],
    readonly state: ClusterState,
  ) {
    const levels: Endpoint[][] = [];
    endpoints.forEach((endpoint, i) => {
      const priority = table.endpoints[i]!.priority;
      while (levels.length <= priority) levels.push([]);
      levels[priority]!.push(endpoint);
    });
    this.balancer = new PriorityBalancer(levels, table.lb);
  }

  get name(): string {
    return this.table.name;
  }

  get stats(): ClusterStats {
    return this.state.stats;
  }

  get admission(): Admission {
    return this.state.admission;
  }

  /** Load per priority and panic flags, for /clusters. */
  get priorityLoad(): PriorityLoad {
    return this.balancer.priorityLoad;
  }

  /** The endpoint for one attempt: priority and panic, then the cluster's lb_policy. */
  pick(ctx?: PickContext<Endpoint>): Endpoint | undefined {
    const originalDst = this.state.originalDst;
    if (originalDst) return originalDst.pick(ctx);
    return this.balancer.pick(ctx);
  }

  /** A host's health changed (outlier ejection or return, active health check). */
  healthChanged(): void {
    this.balancer.refresh();
  }

  /** Feeds an attempt's result to outlier detection. */
  report(endpoint: Endpoint, result: AttemptResult): void {
    this.state.outlier?.recordResult(endpoint, result);
  }
}
