// Where a circuit breaker is decided for HTTP: the gate in front of a cluster's upstream request
// attempts (Envoy's connection-pool limits), handing out permits. For HTTP/1.1 a request in flight
// holds a connection, so max_connections bounds the attempts dispatched at once and the rest wait,
// in arrival order, up to max_pending_requests. For HTTP/2 requests are multiplexed and only
// max_requests applies. Retries take a unit of max_retries (or the retry budget) the same way.
import type { Overflow, ResourceLimits } from './limits.ts';
import { type PendingEntry, PendingQueue } from './pending-queue.ts';
import { Permit, type PermitIssuer } from './permit.ts';

type Waiter = (permit: Permit | undefined) => void;

/** An attempt queued for a connection slot; `cancel` takes it out (its downstream went away). */
export interface PendingAdmission {
  readonly permit: Promise<Permit | undefined>;
  cancel(): void;
}

class RetryIssuer implements PermitIssuer {
  constructor(private readonly limits: ResourceLimits) {}
  returnPermit(): void {
    this.limits.release('retries');
  }
}

export class Admission implements PermitIssuer {
  private readonly queue: PendingQueue<Waiter>;
  private readonly retryIssuer: RetryIssuer;

  constructor(
    readonly limits: ResourceLimits,
    private readonly http1: boolean,
  ) {
    this.queue = new PendingQueue(limits);
    this.retryIssuer = new RetryIssuer(limits);
  }

  get pending(): number {
    return this.queue.length;
  }

  /**
   * Admits one request attempt: a permit at once, the threshold that overflowed (503 UO), or — for
   * HTTP/1.1 with every connection busy — a place in the pending queue.
   */
  acquire(): Permit | Overflow | PendingAdmission {
    const limits = this.limits;
    if (!this.http1) return limits.tryAcquire('requests') ?? new Permit(this);
    if (limits.tryAcquire('connections') === undefined) {
      const overflow = limits.tryAcquire('requests');
      if (overflow) {
        limits.release('connections');
        return overflow;
      }
      return new Permit(this);
    }
    let entry: PendingEntry<Waiter> | undefined;
    const permit = new Promise<Permit | undefined>((resolve) => {
      entry = this.queue.push(resolve);
    });
    if (!entry) return 'max_pending_requests';
    const queued = entry;
    return {
      permit,
      cancel: () => {
        if (this.queue.remove(queued)) queued.value(undefined);
      },
    };
  }

  /** A unit of max_retries for one retry, or the overflow (counted) when none is left. */
  acquireRetry(): Permit | Overflow {
    return this.limits.tryAcquire('retries') ?? new Permit(this.retryIssuer);
  }

  /** An attempt ended: its connection slot passes to the oldest waiter, if any. */
  returnPermit(): void {
    if (this.http1) {
      const next = this.queue.shift();
      if (next) return next(new Permit(this));
      this.limits.release('connections');
    }
    this.limits.release('requests');
  }
}
