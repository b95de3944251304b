// The admission gate hands out permits: released once whatever path ends the attempt, an HTTP/1.1
// connection slot passing to the oldest waiter, a cancelled waiter leaving the queue.
import t from 'tap';
import { Admission } from './admission.ts';
import type { BreakerThresholds } from './config.ts';
import { ResourceLimits } from './limits.ts';
import { Permit } from './permit.ts';

function limits(extra: Partial<BreakerThresholds> = {}): ResourceLimits {
  return new ResourceLimits({
    priority: 'DEFAULT',
    maxConnections: 1,
    maxPendingRequests: 2,
    maxRequests: 10,
    maxRetries: 1,
    retryBudget: undefined,
    trackRemaining: false,
    ...extra,
  });
}

t.test('HTTP/2: a permit per request up to max_requests; release is idempotent', async (t) => {
  const l = limits({ maxRequests: 2 });
  const gate = new Admission(l, false);
  const a = gate.acquire();
  const b = gate.acquire();
  t.ok(a instanceof Permit && b instanceof Permit);
  t.equal(gate.acquire(), 'max_requests', 'the third overflows');
  (a as Permit).release();
  (a as Permit).release();
  (a as Permit).release();
  t.equal(l.requests, 1, 'three releases of one permit free one unit');
  (b as Permit).release();
  t.equal(l.requests, 0);
});

t.test('HTTP/1.1: busy connection → queue; the slot passes to the oldest waiter', async (t) => {
  const l = limits();
  const gate = new Admission(l, true);
  const first = gate.acquire() as Permit;
  const second = gate.acquire();
  const third = gate.acquire();
  t.equal(gate.acquire(), 'max_pending_requests', 'max_pending_requests: 2');
  t.equal(gate.pending, 2);
  t.ok(!(second instanceof Permit) && typeof second === 'object');
  if (second instanceof Permit || typeof second === 'string') return;
  if (third instanceof Permit || typeof third === 'string') return;
  first.release();
  const handed = await second.permit;
  t.ok(handed instanceof Permit, 'the oldest waiter gets the connection');
  t.equal(l.connections, 1, 'the connection stays held, now by the waiter');
  third.cancel();
  t.equal(await third.permit, undefined, 'a cancelled waiter gets nothing');
  t.equal(gate.pending, 0);
  handed?.release();
  handed?.release();
  t.equal(l.connections, 0);
  t.equal(l.requests, 0);
  t.equal(l.pending, 0);
});

t.test('retry units: one per retry, given back once', async (t) => {
  const l = limits({ maxRetries: 1 });
  const gate = new Admission(l, false);
  const retry = gate.acquireRetry();
  t.ok(retry instanceof Permit);
  t.equal(gate.acquireRetry(), 'max_retries');
  (retry as Permit).release();
  (retry as Permit).release();
  t.equal(l.retries, 0);
});
