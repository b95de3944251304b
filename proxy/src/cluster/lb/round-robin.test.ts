import t from 'tap';
import { RoundRobinBalancer } from './round-robin.ts';
import { hosts, tally } from './testing.ts';

t.test('equal weights rotate through the hosts in order', (t) => {
  const hs = hosts(3);
  const lb = new RoundRobinBalancer(hs);
  t.same(
    Array.from({ length: 7 }, () => lb.pick()?.id),
    [hs[0], hs[1], hs[2], hs[0], hs[1], hs[2], hs[0]].map((h) => h!.id),
  );
  t.end();
});

t.test('weights 1:2:3:4 over 10 000 picks: each host within ±2 % of its weight (exact here)', (t) => {
  const hs = hosts(4, [1, 2, 3, 4]);
  const lb = new RoundRobinBalancer(hs);
  const counts = tally(10_000, () => lb.pick());
  hs.forEach((h, i) => {
    const expected = (10_000 * (i + 1)) / 10;
    const got = counts.get(h.id) ?? 0;
    t.ok(Math.abs(got - expected) <= expected * 0.02, `${h.id}: ${got} vs ${expected}`);
    t.equal(got, expected, 'the smooth schedule is exact over whole cycles');
  });
  t.end();
});

t.test('the weighted schedule is smooth: 5:1:1 interleaves instead of bursting', (t) => {
  const hs = hosts(3, [5, 1, 1]);
  const lb = new RoundRobinBalancer(hs);
  const names = ['a', 'b', 'c'];
  const seq = Array.from({ length: 7 }, () => names[hs.indexOf(lb.pick()!)]).join('');
  t.equal(seq, 'aabacaa');
  t.end();
});

t.test('previous hosts are avoided within the retry budget', (t) => {
  const hs = hosts(3);
  const lb = new RoundRobinBalancer(hs);
  // Next in rotation is hs[0]; avoiding it moves on to hs[1].
  t.equal(lb.pick({ avoid: new Set([hs[0]!]) }), hs[1]);
  // Budget 0: the first pick stands even if it must be avoided.
  t.equal(lb.pick({ avoid: new Set([hs[2]!]), hostSelectionRetries: 0 }), hs[2]);
  // Budget 1 with two hosts to avoid: the second pick is used whatever it is.
  t.equal(lb.pick({ avoid: new Set([hs[0]!, hs[1]!]), hostSelectionRetries: 1 }), hs[1]);
  t.end();
});

t.test('no hosts → undefined; one host → that host even when avoided', (t) => {
  t.equal(new RoundRobinBalancer([]).pick(), undefined);
  const [only] = hosts(1);
  t.equal(new RoundRobinBalancer([only!]).pick({ avoid: new Set([only!]) }), only);
  t.end();
});
