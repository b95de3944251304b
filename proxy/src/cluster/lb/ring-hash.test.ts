import t from 'tap';
import { RingHashBalancer, ringEntryCounts } from './ring-hash.ts';
import { FakeHost, hosts, seededRandom, tally } from './testing.ts';
import { xxHash53 } from './xxhash64.ts';

const KEYS = Array.from({ length: 10_000 }, (_, i) => xxHash53(`key-${i}`));

function owners(lb: RingHashBalancer<FakeHost>): FakeHost[] {
  return KEYS.map((hash) => lb.pick({ hash })!);
}

t.test(
  'ring sizing: at least minimum_ring_size, per-weight entries a power of two, capped at the maximum',
  (t) => {
    t.same(
      ringEntryCounts(new Array(10).fill(1), 1024, 8 << 20),
      new Array(10).fill(128),
      '10 hosts: 1280 entries',
    );
    t.same(
      ringEntryCounts(new Array(11).fill(1), 1024, 8 << 20),
      new Array(11).fill(128),
      '11 hosts: unchanged per host',
    );
    t.same(ringEntryCounts([1, 2], 1024, 8 << 20), [512, 1024]);
    t.same(ringEntryCounts([3, 5], 1024, 8 << 20), [512, 853], 'weights need not divide evenly');
    t.same(
      ringEntryCounts(new Array(10).fill(1), 1024, 100),
      new Array(10).fill(10),
      'maximum_ring_size caps',
    );
    t.same(ringEntryCounts(new Array(4).fill(1), 1024, 2), [1, 1, 1, 1], 'every host keeps one entry');
    t.same(
      ringEntryCounts(new Array(2000).fill(1), 1024, 8 << 20).slice(0, 2),
      [1, 1],
      'more hosts than the minimum',
    );
    const lb = new RingHashBalancer(hosts(10));
    t.equal(lb.ringSize, 1280);
    t.equal(lb.minHashesPerHost, 128);
    t.equal(lb.maxHashesPerHost, 128);
    t.end();
  },
);

t.test('the same hash always reaches the same host, whatever order the hosts came in', (t) => {
  const hs = hosts(10);
  const a = owners(new RingHashBalancer(hs));
  const b = owners(new RingHashBalancer([...hs].reverse()));
  t.same(
    a.map((h) => h.id),
    b.map((h) => h.id),
  );
  t.end();
});

t.test('10 hosts, 10 000 keys: every host gets keys, none more than ±30 % off (ring of 1280)', (t) => {
  const counts = tally(
    KEYS.length,
    (() => {
      const lb = new RingHashBalancer(hosts(10));
      let i = 0;
      return () => lb.pick({ hash: KEYS[i++]! });
    })(),
  );
  t.equal(counts.size, 10);
  for (const [id, n] of counts) t.ok(n > 700 && n < 1300, `${id}: ${n}`);
  t.end();
});

t.test('adding an 11th host moves ~1/11 of 10 000 keys, all of them to the new host', (t) => {
  const eleven = hosts(11);
  const before = owners(new RingHashBalancer(eleven.slice(0, 10)));
  const after = owners(new RingHashBalancer(eleven));
  let moved = 0;
  let toNew = 0;
  before.forEach((h, i) => {
    if (h !== after[i]) {
      moved++;
      if (after[i] === eleven[10]) toNew++;
    }
  });
  const stayed = KEYS.length - moved;
  // 1/11 = 9.1 %: ~909 keys should move. Measured: 952.
  t.ok(moved >= 600 && moved <= 1200, `moved ${moved} of 10 000`);
  t.equal(toNew, moved, 'no key moved between two old hosts');
  // Of the keys the new host did not take, ≥ 95 % (here: all) stay where they were.
  t.ok(stayed / (KEYS.length - toNew) >= 0.95, `${stayed} of ${KEYS.length - toNew} stayed`);
  t.end();
});

t.test('removing one of 10 hosts moves only that host’s keys', (t) => {
  const ten = hosts(10);
  const before = owners(new RingHashBalancer(ten));
  const after = owners(new RingHashBalancer(ten.filter((_, i) => i !== 3)));
  let moved = 0;
  let others = 0;
  before.forEach((h, i) => {
    if (h !== after[i]) {
      moved++;
      if (h !== ten[3]) others++;
    }
  });
  t.equal(others, 0, 'no key of another host moved');
  t.equal(moved, before.filter((h) => h === ten[3]).length, 'every key of the removed host moved');
  t.end();
});

t.test('weights 1:2:3 → shares within ±2 points of 16.7 / 33.3 / 50 %', (t) => {
  const hs = hosts(3, [1, 2, 3]);
  const lb = new RingHashBalancer(hs);
  const got = owners(lb);
  hs.forEach((h, i) => {
    const share = got.filter((o) => o === h).length / KEYS.length;
    t.ok(Math.abs(share - (i + 1) / 6) <= 0.02, `${h.id}: ${share}`);
  });
  t.end();
});

t.test('use_hostname_for_hashing places hosts by hostname, so a new address keeps the keys', (t) => {
  const a = new FakeHost('10.0.0.1:80');
  a.hostname = 'web-0';
  const b = new FakeHost('10.0.0.2:80');
  b.hostname = 'web-1';
  const moved = new FakeHost('10.9.9.9:80');
  moved.hostname = 'web-0';
  const opts = { minimumRingSize: 1024, maximumRingSize: 1 << 20, useHostnameForHashing: true };
  const before = owners(new RingHashBalancer([a, b], opts)).map((h) => h.hostname);
  const after = owners(new RingHashBalancer([moved, b], opts)).map((h) => h.hostname);
  t.same(after, before);
  t.end();
});

t.test('no hash: a random point on the ring (spread over hosts)', (t) => {
  const lb = new RingHashBalancer(hosts(4), undefined, seededRandom(9));
  const counts = tally(4000, () => lb.pick());
  t.equal(counts.size, 4);
  for (const [id, n] of counts) t.ok(n > 600, `${id}: ${n}`);
  t.end();
});

t.test('a retry that must avoid the host walks the ring to the next different host', (t) => {
  const hs = hosts(5);
  const lb = new RingHashBalancer(hs);
  const hash = KEYS[0]!;
  const first = lb.pick({ hash })!;
  const second = lb.pick({ hash, avoid: new Set([first]) })!;
  t.not(second, first);
  t.equal(lb.pick({ hash, avoid: new Set([first]) }), second, 'deterministic');
  const third = lb.pick({ hash, avoid: new Set([first, second]) })!;
  t.not(third, first);
  t.not(third, second);
  t.end();
});
