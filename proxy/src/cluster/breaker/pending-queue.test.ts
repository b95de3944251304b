import t from 'tap';
import { compileCircuitBreakers } from './config.ts';
import { ResourceLimits } from './limits.ts';
import { PendingQueue } from './pending-queue.ts';

t.test('arrival order; cancelled waiters leave from anywhere and the rest keep their order', async (t) => {
  const q = new PendingQueue<string>();
  const entries = ['a', 'b', 'c', 'd', 'e'].map((v) => q.push(v)!);
  t.equal(q.length, 5);
  t.equal(q.remove(entries[1]!), true, 'b cancelled (middle)');
  t.equal(q.remove(entries[4]!), true, 'e cancelled (tail)');
  t.equal(q.remove(entries[0]!), true, 'a cancelled (head)');
  t.equal(q.remove(entries[1]!), false, 'cancelling twice is a no-op');
  t.equal(entries[1]!.queued, false);
  t.equal(q.length, 2);
  t.equal(q.peek(), 'c');
  q.push('f');
  t.same([q.shift(), q.shift(), q.shift(), q.shift()], ['c', 'd', 'f', undefined]);
  t.equal(entries[2]!.queued, false, 'a shifted waiter is no longer queued');
  t.equal(q.remove(entries[2]!), false, 'cancelling after dispatch is a no-op');
  t.equal(q.length, 0);
});

t.test('an entry only removes from its own queue', async (t) => {
  const a = new PendingQueue<number>();
  const b = new PendingQueue<number>();
  const entry = a.push(1)!;
  b.push(2);
  t.equal(b.remove(entry), false);
  t.equal(b.length, 1);
  t.equal(a.length, 1);
});

t.test('bounded by max_pending_requests through the limits, which track its length', async (t) => {
  const limits = new ResourceLimits(
    compileCircuitBreakers({ thresholds: [{ max_pending_requests: 2 }] }, 'cb').default,
  );
  const q = new PendingQueue<string>(limits);
  const a = q.push('a')!;
  q.push('b');
  t.equal(q.push('c'), undefined, 'the third waiter overflows');
  t.equal(limits.rqPendingOverflow, 1);
  t.equal(limits.pending, 2);
  t.equal(limits.remainingPending, 0);
  q.remove(a);
  t.equal(limits.pending, 1, 'a cancelled waiter frees its pending slot');
  t.ok(q.push('c'), 'so the next one fits');
  t.same(q.drain(), ['b', 'c']);
  t.equal(limits.pending, 0);
  t.equal(q.length, 0);
});

t.test('undefined values queue like any other', async (t) => {
  const q = new PendingQueue<string | undefined>();
  q.push(undefined);
  q.push('x');
  t.same(q.drain(), [undefined, 'x']);
});
