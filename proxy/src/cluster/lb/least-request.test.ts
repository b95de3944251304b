import t from 'tap';
import { LeastRequestBalancer } from './least-request.ts';
import { hosts, seededRandom, tally } from './testing.ts';

t.test(
  'equal weights, P2C: a host with 50 active requests gets ~1 % of 10 000 picks instead of 10 %',
  (t) => {
    const hs = hosts(10);
    hs[0]!.active = 50;
    const lb = new LeastRequestBalancer(hs, { choiceCount: 2, activeRequestBias: 1 }, seededRandom(42));
    const counts = tally(10_000, () => lb.pick());
    const busy = counts.get(hs[0]!.id) ?? 0;
    // It wins only when both samples are itself: (1/10)^2 = 1 % → ~100 picks.
    t.ok(busy >= 50 && busy <= 160, `busy host: ${busy} picks`);
    for (const h of hs.slice(1)) {
      const n = counts.get(h.id) ?? 0;
      // The rest share 99 %: ~1100 each.
      t.ok(n > 1000 && n < 1200, `${h.id}: ${n}`);
    }
    t.end();
  },
);

t.test('choice_count 5: the busy host needs five samples of itself (10^-5) → no picks in 10 000', (t) => {
  const hs = hosts(10);
  hs[3]!.active = 7;
  const lb = new LeastRequestBalancer(hs, { choiceCount: 5, activeRequestBias: 1 }, seededRandom(3));
  const counts = tally(10_000, () => lb.pick());
  t.equal(counts.get(hs[3]!.id) ?? 0, 0);
  t.end();
});

t.test('equal load: P2C spreads evenly (10 hosts, each 10 % ± 2 %)', (t) => {
  const hs = hosts(10);
  const lb = new LeastRequestBalancer(hs, undefined, seededRandom(11));
  const counts = tally(10_000, () => lb.pick());
  for (const h of hs) t.ok(Math.abs((counts.get(h.id) ?? 0) / 10_000 - 0.1) <= 0.02, h.id);
  t.end();
});

t.test('in-flight requests steer P2C: a simulation where host 0 is 10× slower', (t) => {
  const hs = hosts(4);
  const lb = new LeastRequestBalancer(hs, undefined, seededRandom(5));
  const done: Array<[number, number]> = []; // [finish tick, host index]
  const picks = [0, 0, 0, 0];
  for (let tick = 0; tick < 10_000; tick++) {
    for (let k = done.length - 1; k >= 0; k--) {
      if (done[k]![0] <= tick) {
        hs[done[k]![1]]!.active--;
        done.splice(k, 1);
      }
    }
    const h = lb.pick()!;
    const i = hs.indexOf(h);
    picks[i]!++;
    h.active++;
    done.push([tick + (i === 0 ? 40 : 4), i]);
  }
  // Round robin would give every host 2500; the slow host ends up well under half of that.
  t.ok(picks[0]! < 1250, `slow host: ${picks[0]} of 10 000 (others ${picks.slice(1).join(', ')})`);
  t.end();
});

t.test('different weights: weight / (active + 1)^bias', (t) => {
  t.test('bias 1: weight 2 with 9 active (0.2) vs weight 1 idle (1.0) → 83.3 % / 16.7 % ± 2 %', (t) => {
    const hs = hosts(2, [1, 2]);
    hs[1]!.active = 9;
    const lb = new LeastRequestBalancer(hs, { choiceCount: 2, activeRequestBias: 1 });
    const counts = tally(10_000, () => lb.pick());
    const share = (counts.get(hs[0]!.id) ?? 0) / 10_000;
    t.ok(Math.abs(share - 1 / 1.2) <= 0.02, `idle host share ${share}`);
    t.end();
  });
  t.test('bias 0: plain weighted round robin, 1:3 → 25 % / 75 % whatever the load', (t) => {
    const hs = hosts(2, [1, 3]);
    hs[1]!.active = 100;
    const lb = new LeastRequestBalancer(hs, { choiceCount: 2, activeRequestBias: 0 });
    const counts = tally(10_000, () => lb.pick());
    t.equal(counts.get(hs[0]!.id), 2500);
    t.equal(counts.get(hs[1]!.id), 7500);
    t.end();
  });
  t.test('bias 2: weight 4 with 1 active → 4/4 = 1, the same as weight 1 idle → 50 % / 50 %', (t) => {
    const hs = hosts(2, [1, 4]);
    hs[1]!.active = 1;
    const lb = new LeastRequestBalancer(hs, { choiceCount: 2, activeRequestBias: 2 });
    const counts = tally(10_000, () => lb.pick());
    t.ok(Math.abs((counts.get(hs[0]!.id) ?? 0) - 5000) <= 200, `${counts.get(hs[0]!.id)}`);
    t.end();
  });
  t.test('weights 1:2:3:4 idle → within ±2 % of the weights', (t) => {
    const hs = hosts(4, [1, 2, 3, 4]);
    const lb = new LeastRequestBalancer(hs);
    const counts = tally(10_000, () => lb.pick());
    hs.forEach((h, i) => {
      const expected = ((i + 1) / 10) * 10_000;
      t.ok(Math.abs((counts.get(h.id) ?? 0) - expected) <= expected * 0.02, `${h.id}: ${counts.get(h.id)}`);
    });
    t.end();
  });
  t.end();
});
