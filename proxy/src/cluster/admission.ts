// The circuit-breaker gate in front of a cluster's upstream requests (Envoy's connection-pool
// limits). For HTTP/1.1 a request in flight holds a connection, so max_connections bounds the
// requests dispatched at once and the rest wait, in arrival order, up to max_pending_requests.
// For HTTP/2 requests are multiplexed and only max_requests applies.
import type { Overflow, ResourceLimits } from './breaker/index.ts';
import { type PendingEntry, PendingQueue } from './breaker/index.ts';

type Waiter = (admitted: boolean) => void;

export type Admitted = 'admitted' | 'cancelled' | Overflow;

export class Admission {
  private readonly queue: PendingQueue<Waiter>;

  constructor(
    readonly limits: ResourceLimits,
    private readonly http1: boolean,
  ) {
    this.queue = new PendingQueue(limits);
  }

  get pending(): number {
    return this.queue.length;
  }

  /**
   * Admits one request attempt. `onWait` receives a cancel function while the request waits in
   * the queue (the caller calls it when the downstream goes away).
   */
  acquire(onWait: (cancel: () => void) => void): Admitted | Promise<Admitted> {
    const limits = this.limits;
    if (!this.http1) return limits.tryAcquire('requests') ?? 'admitted';
    if (limits.tryAcquire('connections') === undefined) {
      const overflow = limits.tryAcquire('requests');
      if (overflow) {
        limits.release('connections');
        return overflow;
      }
      return 'admitted';
    }
    let entry: PendingEntry<Waiter> | undefined;
    const admitted = new Promise<Admitted>((resolve) => {
      entry = this.queue.push((ok) => resolve(ok ? 'admitted' : 'cancelled'));
    });
    if (!entry) return 'max_pending_requests';
    const queued = entry;
    onWait(() => {
      if (this.queue.remove(queued)) queued.value(false);
    });
    return admitted;
  }

  /** Ends an admitted attempt; its connection slot passes to the oldest waiter, if any. */
  release(): void {
    if (this.http1) {
      const next = this.queue.shift();
      if (next) return next(true);
      this.limits.release('connections');
    }
    this.limits.release('requests');
  }
}
