import t from 'tap';
import { MaglevBalancer } from './maglev.ts';
import { type FakeHost, hosts } from './testing.ts';
import { xxHash53 } from './xxhash64.ts';

const KEYS = Array.from({ length: 10_000 }, (_, i) => xxHash53(`key-${i}`));

function owners(lb: MaglevBalancer<FakeHost>): FakeHost[] {
  return KEYS.map((hash) => lb.pick({ hash })!);
}

t.test('table of 65537 entries; Envoy’s example: weights 1 and 2 → 21 846 and 43 691 entries', (t) => {
  const lb = new MaglevBalancer(hosts(2, [1, 2]));
  t.equal(lb.tableSize, 65537);
  t.equal(lb.minEntriesPerHost, 21846);
  t.equal(lb.maxEntriesPerHost, 43691);
  t.end();
});

t.test('equal weights fill the table evenly: 10 hosts get 6553 or 6554 entries', (t) => {
  const lb = new MaglevBalancer(hosts(10));
  t.equal(lb.minEntriesPerHost, 6553);
  t.equal(lb.maxEntriesPerHost, 6554);
  t.end();
});

t.test('every host is in the table at least once, even with extreme weights', (t) => {
  const lb = new MaglevBalancer(hosts(3, [1, 1_000_000, 1_000_000]), {
    tableSize: 101,
    useHostnameForHashing: false,
  });
  t.equal(lb.minEntriesPerHost, 1);
  t.end();
});

t.test('10 000 keys over 10 hosts: each within ±10 % of 1000; weights 1:2:3 within ±2 points', (t) => {
  const ten = hosts(10);
  const got = owners(new MaglevBalancer(ten));
  for (const h of ten) {
    const n = got.filter((o) => o === h).length;
    t.ok(n > 900 && n < 1100, `${h.id}: ${n}`);
  }
  const w = hosts(3, [1, 2, 3]);
  const gotW = owners(new MaglevBalancer(w));
  w.forEach((h, i) => {
    const share = gotW.filter((o) => o === h).length / KEYS.length;
    t.ok(Math.abs(share - (i + 1) / 6) <= 0.02, `${h.id}: ${share}`);
  });
  t.end();
});

t.test('same hosts in another order → the same table', (t) => {
  const hs = hosts(7);
  t.same(
    owners(new MaglevBalancer(hs)).map((h) => h.id),
    owners(new MaglevBalancer([...hs].reverse())).map((h) => h.id),
  );
  t.end();
});

t.test(
  'adding an 11th host: ~1/11 of keys move, nearly all to the new host (Maglev’s small extra disruption)',
  (t) => {
    const eleven = hosts(11);
    const before = owners(new MaglevBalancer(eleven.slice(0, 10)));
    const after = owners(new MaglevBalancer(eleven));
    let moved = 0;
    let toNew = 0;
    before.forEach((h, i) => {
      if (h !== after[i]) {
        moved++;
        if (after[i] === eleven[10]) toNew++;
      }
    });
    // Ideal 909; Envoy documents Maglev as up to about twice ring hash's disruption. Measured: 905
    // moved, 882 of them to the new host.
    t.ok(moved <= (2 * KEYS.length) / 11, `moved ${moved}`);
    t.ok(toNew / moved >= 0.95, `${toNew} of ${moved} moved keys went to the new host`);
    const stayed = KEYS.length - moved;
    t.ok(stayed / (KEYS.length - toNew) >= 0.95, `${stayed} of ${KEYS.length - toNew} stayed`);
    t.end();
  },
);

t.test('removing one of 10 hosts: its keys move, and at most 5 % more', (t) => {
  const ten = hosts(10);
  const before = owners(new MaglevBalancer(ten));
  const after = owners(new MaglevBalancer(ten.filter((_, i) => i !== 3)));
  let moved = 0;
  let fromRemoved = 0;
  before.forEach((h, i) => {
    if (h !== after[i]) {
      moved++;
      if (h === ten[3]) fromRemoved++;
    }
  });
  t.equal(fromRemoved, before.filter((h) => h === ten[3]).length, 'every key of the removed host moved');
  t.ok(moved - fromRemoved <= KEYS.length * 0.05, `${moved - fromRemoved} other keys moved`);
  t.end();
});

t.test('a retry that must avoid the host gets another one', (t) => {
  const lb = new MaglevBalancer(hosts(4));
  const first = lb.pick({ hash: KEYS[1]! })!;
  const second = lb.pick({ hash: KEYS[1]!, avoid: new Set([first]) })!;
  t.not(second, first);
  t.equal(new MaglevBalancer([]).pick({ hash: 1 }), undefined);
  t.end();
});
