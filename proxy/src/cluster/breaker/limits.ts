// The circuit-breaker gate of one cluster: four counted resources per routing priority, each with
// Envoy's limit. It only counts and says no; the request path turns a "no" into a 503 with flag UO
// and `x-envoy-overloaded: true` (or, for a retry, into not retrying).
//
// How Envoy's HTTP/1.1 pool uses them, per request attempt:
//   connection free now   → tryAcquire('requests'); overflow → 503 UO. Release when the response ends.
//   no connection free    → PendingQueue.push (bounded by 'pending'; overflow → 503 UO), then
//                           tryAcquire('connections') to open one more; its overflow only counts
//                           (upstream_cx_overflow) and the request waits for a busy connection.
//   a connection frees up → shift the oldest waiter, tryAcquire('requests') for it, dispatch.
//   a connection closes   → release('connections').
//   before a retry        → tryAcquire('retries'); overflow → no retry (the last result stands, flag
//                           UO). Release when that retried attempt has finished.
import type { BreakerThresholds, CircuitBreakersConfig, RoutingPriority } from './config.ts';

export type BreakerResource = 'connections' | 'pending' | 'requests' | 'retries';

/** The threshold that refused, named as the config field, for logs and the UO reply. */
export type Overflow = 'max_connections' | 'max_pending_requests' | 'max_requests' | 'max_retries';

export class ResourceLimits {
  // Gauges: what is held right now (Envoy: upstream_cx_active, upstream_rq_pending_active,
  // upstream_rq_active, and active retries).
  connections = 0;
  pending = 0;
  requests = 0;
  retries = 0;
  // Overflow counters. Envoy counts a max_requests overflow in upstream_rq_pending_overflow too.
  /** upstream_cx_overflow */
  cxOverflow = 0;
  /** upstream_rq_pending_overflow */
  rqPendingOverflow = 0;
  /** upstream_rq_retry_overflow */
  rqRetryOverflow = 0;

  constructor(readonly thresholds: BreakerThresholds) {}

  get priority(): RoutingPriority {
    return this.thresholds.priority;
  }

  /** The current limit of a resource; with a retry budget the retry limit moves with the load. */
  max(resource: BreakerResource): number {
    const t = this.thresholds;
    switch (resource) {
      case 'connections':
        return t.maxConnections;
      case 'pending':
        return t.maxPendingRequests;
      case 'requests':
        return t.maxRequests;
      case 'retries': {
        const budget = t.retryBudget;
        if (!budget) return t.maxRetries;
        const allowed = Math.floor((budget.budgetPercent / 100) * (this.requests + this.pending));
        return Math.max(allowed, budget.minRetryConcurrency);
      }
    }
  }

  current(resource: BreakerResource): number {
    switch (resource) {
      case 'connections':
        return this.connections;
      case 'pending':
        return this.pending;
      case 'requests':
        return this.requests;
      case 'retries':
        return this.retries;
    }
  }

  canCreate(resource: BreakerResource): boolean {
    return this.current(resource) < this.max(resource);
  }

  /**
   * Takes one unit of `resource`. Returns undefined when taken; otherwise the threshold that
   * overflowed, whose counter has been bumped, and nothing is held.
   */
  tryAcquire(resource: BreakerResource): Overflow | undefined {
    if (this.current(resource) >= this.max(resource)) {
      switch (resource) {
        case 'connections':
          this.cxOverflow++;
          return 'max_connections';
        case 'pending':
          this.rqPendingOverflow++;
          return 'max_pending_requests';
        case 'requests':
          this.rqPendingOverflow++;
          return 'max_requests';
        case 'retries':
          this.rqRetryOverflow++;
          return 'max_retries';
      }
    }
    switch (resource) {
      case 'connections':
        this.connections++;
        break;
      case 'pending':
        this.pending++;
        break;
      case 'requests':
        this.requests++;
        break;
      case 'retries':
        this.retries++;
        break;
    }
    return undefined;
  }

  /** Gives back one unit taken by tryAcquire. Releasing more than was taken is a caller bug. */
  release(resource: BreakerResource): void {
    if (this.current(resource) <= 0)
      throw new Error(`circuit breaker: released more ${resource} than acquired`);
    switch (resource) {
      case 'connections':
        this.connections--;
        break;
      case 'pending':
        this.pending--;
        break;
      case 'requests':
        this.requests--;
        break;
      case 'retries':
        this.retries--;
        break;
    }
  }

  /** Envoy's remaining_* gauges: units left before the breaker opens (never negative). */
  remaining(resource: BreakerResource): number {
    // With a budget the retry limit depends on other gauges, so Envoy reports 0 rather than a
    // number that goes stale as requests come and go.
    if (resource === 'retries' && this.thresholds.retryBudget) return 0;
    return Math.max(0, this.max(resource) - this.current(resource));
  }

  get remainingCx(): number {
    return this.remaining('connections');
  }
  get remainingPending(): number {
    return this.remaining('pending');
  }
  get remainingRq(): number {
    return this.remaining('requests');
  }
  get remainingRetries(): number {
    return this.remaining('retries');
  }

  /** Envoy's cx_open / rq_pending_open / rq_open / rq_retry_open: 1 while at the limit. */
  open(resource: BreakerResource): 0 | 1 {
    return this.canCreate(resource) ? 0 : 1;
  }
}

/** A cluster's breakers, one set per routing priority (routes pick one; DEFAULT unless set). */
export class ClusterBreakers {
  readonly default: ResourceLimits;
  readonly high: ResourceLimits;

  constructor(config: CircuitBreakersConfig) {
    this.default = new ResourceLimits(config.default);
    this.high = new ResourceLimits(config.high);
  }

  forPriority(priority: RoutingPriority): ResourceLimits {
    return priority === 'HIGH' ? this.high : this.default;
  }
}
