import t from 'tap';
import { RandomBalancer } from './random.ts';
import { hosts, seededRandom, tally } from './testing.ts';

t.test('uniform over hosts, ignoring weights as Envoy does: 4 hosts × 10 000 picks, each 25 % ± 2 %', (t) => {
  const hs = hosts(4, [1, 1, 1, 10]);
  const lb = new RandomBalancer(hs, seededRandom(7));
  const counts = tally(10_000, () => lb.pick());
  for (const h of hs) {
    const share = (counts.get(h.id) ?? 0) / 10_000;
    t.ok(Math.abs(share - 0.25) <= 0.02, `${h.id}: ${share}`);
  }
  t.end();
});

t.test('avoids previous hosts when another draw finds one', (t) => {
  const hs = hosts(2);
  const lb = new RandomBalancer(hs, seededRandom(1));
  const avoid = new Set([hs[0]!]);
  // With a budget of 10 re-draws the chance of still landing on hs[0] is 2^-11 per pick.
  const counts = tally(1000, () => lb.pick({ avoid, hostSelectionRetries: 10 }));
  t.ok((counts.get(hs[0]!.id) ?? 0) <= 3, `avoided host picked ${counts.get(hs[0]!.id) ?? 0} times`);
  t.end();
});
