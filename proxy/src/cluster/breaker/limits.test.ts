import t from 'tap';
import { compileCircuitBreakers } from './config.ts';
import { ClusterBreakers, type Overflow, ResourceLimits } from './limits.ts';
import { PendingQueue } from './pending-queue.ts';

function limits(thresholds: Record<string, unknown>): ResourceLimits {
  return new ResourceLimits(compileCircuitBreakers({ thresholds: [thresholds] }, 'cb').default);
}

/**
 * Envoy's HTTP/1.1 pool for one cluster, reduced to its admission decisions (the protocol in
 * limits.ts): what the lead wires to real connections.
 */
class Http1PoolModel {
  readonly queue: PendingQueue<string>;
  readonly active = new Set<string>();
  readonly rejected: Array<[string, Overflow]> = [];
  private idle = 0;

  constructor(readonly limits: ResourceLimits) {
    this.queue = new PendingQueue(limits);
  }

  request(id: string): void {
    if (this.idle > 0) {
      const overflow = this.limits.tryAcquire('requests');
      if (overflow) return void this.rejected.push([id, overflow]);
      this.idle--;
      this.active.add(id);
      return;
    }
    if (!this.queue.push(id)) return void this.rejected.push([id, 'max_pending_requests']);
    // Only counted when refused: the request waits for a busy connection instead.
    if (this.limits.tryAcquire('connections') === undefined) this.connectionReady();
  }

  /** A new connection finished its handshake, or a busy one finished its request. */
  connectionReady(): void {
    const next = this.queue.shift();
    if (next === undefined) return void this.idle++;
    const overflow = this.limits.tryAcquire('requests');
    if (overflow) {
      this.rejected.push([next, overflow]);
      this.idle++;
      return;
    }
    this.active.add(next);
  }

  finish(id: string): void {
    this.active.delete(id);
    this.limits.release('requests');
    this.connectionReady();
  }
}

t.test(
  'max_connections 1, max_pending_requests 1, 3 concurrent slow requests → exactly one overflow',
  async (t) => {
    const pool = new Http1PoolModel(limits({ max_connections: 1, max_pending_requests: 1 }));
    pool.request('r1');
    pool.request('r2');
    pool.request('r3');
    t.same([...pool.active], ['r1'], 'r1 holds the only connection');
    t.equal(pool.queue.peek(), 'r2', 'r2 waits for it');
    t.same(pool.rejected, [['r3', 'max_pending_requests']], 'r3 is the one 503 UO');
    const l = pool.limits;
    t.equal(l.rqPendingOverflow, 1);
    t.equal(l.cxOverflow, 1, 'r2 wanted a second connection');
    t.equal(l.connections, 1);
    t.equal(l.pending, 1);
    t.equal(l.requests, 1);
    t.equal(l.remainingCx, 0);
    t.equal(l.remainingPending, 0);
    t.equal(l.remainingRq, 1023);
    t.equal(l.open('connections'), 1);
    t.equal(l.open('pending'), 1);
    t.equal(l.open('requests'), 0);
    pool.finish('r1');
    t.same([...pool.active], ['r2'], 'the freed connection goes to the waiter');
    t.equal(l.pending, 0);
    pool.finish('r2');
    t.equal(l.requests, 0);
    t.equal(l.rqPendingOverflow, 1, 'still exactly one');
  },
);

t.test('max_requests caps requests on ready connections', async (t) => {
  const pool = new Http1PoolModel(limits({ max_requests: 2 }));
  for (const id of ['a', 'b', 'c']) pool.request(id);
  t.equal(pool.active.size, 2);
  t.same(pool.rejected, [['c', 'max_requests']]);
  t.equal(pool.limits.rqPendingOverflow, 1, 'Envoy counts it as upstream_rq_pending_overflow');
  t.equal(pool.limits.connections, 3, 'the third connection opened, then found no request slot');
});

t.test('tryAcquire and release per resource', async (t) => {
  const l = limits({ max_connections: 2 });
  t.equal(l.tryAcquire('connections'), undefined);
  t.equal(l.tryAcquire('connections'), undefined);
  t.equal(l.tryAcquire('connections'), 'max_connections');
  t.equal(l.connections, 2, 'a refused acquire holds nothing');
  t.equal(l.cxOverflow, 1);
  l.release('connections');
  t.equal(l.remainingCx, 1);
  t.equal(l.tryAcquire('connections'), undefined);
  l.release('connections');
  l.release('connections');
  t.throws(() => l.release('connections'), /released more connections than acquired/);
});

t.test('max_retries: 3 parallel retries by default, the 4th overflows', async (t) => {
  const l = limits({});
  const results = [1, 2, 3, 4].map(() => l.tryAcquire('retries'));
  t.same(results, [undefined, undefined, undefined, 'max_retries']);
  t.equal(l.rqRetryOverflow, 1);
  t.equal(l.remainingRetries, 0);
  t.equal(l.open('retries'), 1);
  l.release('retries');
  t.equal(l.remainingRetries, 1);
  t.equal(l.tryAcquire('retries'), undefined, 'a finished retry frees its slot');
  const none = limits({ max_retries: 0 });
  t.equal(none.tryAcquire('retries'), 'max_retries', 'max_retries 0 disables retries');
});

t.test('retry budget: 20 % of active + pending, never under min_retry_concurrency', async (t) => {
  const l = limits({ max_retries: 100, retry_budget: {} });
  t.equal(l.max('retries'), 3, 'idle cluster: the floor of 3');
  for (let i = 0; i < 20; i++) l.tryAcquire('requests');
  for (let i = 0; i < 5; i++) l.tryAcquire('pending');
  t.equal(l.max('retries'), 5, 'floor(20 % × 25) = 5; max_retries 100 is overridden');
  t.same(
    [1, 2, 3, 4, 5, 6].map(() => l.tryAcquire('retries')),
    [undefined, undefined, undefined, undefined, undefined, 'max_retries'],
  );
  t.equal(l.rqRetryOverflow, 1);
  t.equal(l.remainingRetries, 0, 'Envoy reports 0 remaining retries while a budget is in use');
  for (let i = 0; i < 15; i++) l.release('requests');
  t.equal(l.max('retries'), 3, 'floor(20 % × 10) = 2 → min_retry_concurrency 3');
  t.equal(l.tryAcquire('retries'), 'max_retries', '5 active retries ≥ 3');

  const wide = limits({ retry_budget: { budget_percent: { value: 50 }, min_retry_concurrency: 1 } });
  for (let i = 0; i < 9; i++) wide.tryAcquire('requests');
  t.equal(wide.max('retries'), 4, 'floor(50 % × 9) = 4');
});

t.test('priorities have separate limits and counters', async (t) => {
  const b = new ClusterBreakers(
    compileCircuitBreakers(
      { thresholds: [{ max_connections: 1 }, { priority: 'HIGH', max_connections: 2 }] },
      'cb',
    ),
  );
  t.equal(b.forPriority('DEFAULT').tryAcquire('connections'), undefined);
  t.equal(b.forPriority('DEFAULT').tryAcquire('connections'), 'max_connections');
  t.equal(b.forPriority('HIGH').tryAcquire('connections'), undefined);
  t.equal(b.forPriority('HIGH').tryAcquire('connections'), undefined);
  t.equal(b.default.cxOverflow, 1);
  t.equal(b.high.cxOverflow, 0);
  t.equal(b.high.priority, 'HIGH');
});
