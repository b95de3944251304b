import t from 'tap';
import { DEFAULT_LB_CONFIG, type LbConfig } from './config.ts';
import { computePriorityLoad, PriorityBalancer } from './priority.ts';
import { type FakeHost, hosts, seededRandom, tally } from './testing.ts';
import { xxHash53 } from './xxhash64.ts';

/** Levels of 100 hosts each with the given healthy percentages (so percent = count). */
function load(...healthyPercents: number[]) {
  return computePriorityLoad(healthyPercents.map((healthy) => ({ healthy, total: 100 })));
}

t.test(
  'Envoy’s table, 2 priorities with P1 fully healthy: P0 keeps all traffic down to 72 % healthy',
  (t) => {
    const rows: Array<[number, number, number]> = [
      [100, 100, 0],
      [72, 100, 0],
      [71, 99, 1],
      [50, 70, 30],
      [25, 35, 65],
      [0, 0, 100],
    ];
    for (const [p0, to0, to1] of rows) {
      const l = load(p0, 100);
      t.same(l.load, [to0, to1], `P0 ${p0} % healthy → ${to0} / ${to1}`);
      t.same(l.panic, [false, false], 'normalized total health is 100: no panic');
    }
    t.end();
  },
);

t.test('Envoy’s table, both priorities degraded', (t) => {
  const rows: Array<[number, number, number, number]> = [
    [100, 100, 100, 0],
    [72, 72, 100, 0],
    [71, 71, 99, 1],
    [50, 50, 70, 30],
    [25, 100, 35, 65],
    [25, 25, 50, 50],
  ];
  for (const [p0, p1, to0, to1] of rows) t.same(load(p0, p1).load, [to0, to1], `${p0} % / ${p1} %`);
  t.end();
});

t.test('Envoy’s table, 3 priorities (normalized when the total health is under 100)', (t) => {
  t.same(load(100, 100, 100).load, [100, 0, 0]);
  t.same(load(72, 72, 100).load, [100, 0, 0]);
  t.same(load(71, 71, 100).load, [99, 1, 0]);
  t.same(load(50, 50, 100).load, [70, 30, 0]);
  t.same(load(25, 100, 100).load, [35, 65, 0]);
  t.same(load(25, 25, 100).load, [35, 35, 30]);
  t.same(load(25, 25, 20).load, [36, 36, 28], 'health {35, 35, 28} normalized by 98');
  t.end();
});

t.test('Envoy’s panic table (threshold 50 %)', (t) => {
  const rows: Array<[number, number, number, boolean, number, boolean, number]> = [
    [72, 72, 100, false, 0, false, 100],
    [71, 71, 99, false, 1, false, 100],
    // The panic page lists 50 / 50 and 25 / 75 for these two rows, which contradicts the priority
    // page's pseudo-code and its own tables (50 % healthy → 70 %, 25 % → 35 %); we follow the
    // pseudo-code. The panic flags and normalized totals agree either way.
    [50, 60, 70, false, 30, false, 100],
    [25, 100, 35, false, 65, false, 100],
    [25, 25, 50, true, 50, true, 70],
    [5, 65, 7, true, 93, false, 98],
  ];
  for (const [p0, p1, to0, panic0, to1, panic1, total] of rows) {
    const l = load(p0, p1);
    t.same(
      { load: l.load, panic: l.panic, total: l.normalizedTotalHealth },
      { load: [to0, to1], panic: [panic0, panic1], total },
      `${p0} % / ${p1} %`,
    );
  }
  t.end();
});

t.test('no healthy host: all traffic to P0 in panic; a 0 % threshold disables panic', (t) => {
  t.same(load(0, 0), { load: [100, 0], panic: [true, false], normalizedTotalHealth: 0 });
  t.same(computePriorityLoad([{ healthy: 0, total: 4 }], 140, 0).panic, [false]);
  t.same(
    computePriorityLoad([
      { healthy: 0, total: 0 },
      { healthy: 0, total: 3 },
    ]).load,
    [0, 100],
    'first non-empty',
  );
  t.same(computePriorityLoad([]).load, []);
  t.end();
});

t.test('overprovisioning factor and panic threshold are configurable', (t) => {
  // Factor 100 %: no headroom, 90 % healthy P0 already spills 10 %.
  t.same(
    computePriorityLoad(
      [
        { healthy: 9, total: 10 },
        { healthy: 10, total: 10 },
      ],
      100,
    ).load,
    [90, 10],
  );
  // One priority, 3 of 10 healthy: health 42 → under 100, and 30 % < 50 % → panic; threshold 25 → not.
  t.same(computePriorityLoad([{ healthy: 3, total: 10 }]).panic, [true]);
  t.same(computePriorityLoad([{ healthy: 3, total: 10 }], 140, 25).panic, [false]);
  t.end();
});

function rr(overrides: Partial<LbConfig> = {}): LbConfig {
  return { ...DEFAULT_LB_CONFIG, ...overrides };
}

function setHealthy(hs: FakeHost[], healthyCount: number) {
  hs.forEach((h, i) => {
    h.healthy = i < healthyCount;
  });
}

t.test(
  'PriorityBalancer: P0 half healthy → 70 % ± 2 % to P0’s healthy hosts, 30 % to P1 (10 000 picks)',
  (t) => {
    const p0 = hosts(10);
    const p1 = hosts(10).map((h, i) => Object.assign(h, { id: `10.1.0.${i + 1}:8080` }));
    setHealthy(p0, 5);
    const lb = new PriorityBalancer([p0, p1], rr(), seededRandom(4));
    t.same(lb.priorityLoad.load, [70, 30]);
    const counts = tally(10_000, () => lb.pick());
    const toP0 = p0.reduce((n, h) => n + (counts.get(h.id) ?? 0), 0);
    t.ok(Math.abs(toP0 / 10_000 - 0.7) <= 0.02, `P0 got ${toP0}`);
    for (const h of p0.slice(5)) t.equal(counts.get(h.id) ?? 0, 0, `unhealthy ${h.id} never picked`);
    t.end();
  },
);

t.test('PriorityBalancer: panic balances over every host of the priority, healthy or not', (t) => {
  const hs = hosts(4);
  setHealthy(hs, 1); // 25 % < 50 %
  const lb = new PriorityBalancer([hs], rr());
  t.same(lb.priorityLoad.panic, [true]);
  const counts = tally(400, () => lb.pick());
  for (const h of hs) t.equal(counts.get(h.id), 100, `${h.id} gets its round-robin share`);

  setHealthy(hs, 2); // 50 %: not under the threshold
  t.equal(lb.refresh(), true, 'refresh reports the change');
  t.same(lb.priorityLoad.panic, [false]);
  const healthyOnly = tally(400, () => lb.pick());
  t.same([...healthyOnly.keys()].sort(), [hs[0]!.id, hs[1]!.id]);
  t.equal(lb.refresh(), false, 'nothing changed');
  t.end();
});

t.test('PriorityBalancer: nothing healthy and panic disabled → no host (503 no healthy upstream)', (t) => {
  const hs = hosts(3);
  setHealthy(hs, 0);
  t.equal(new PriorityBalancer([hs], rr({ healthyPanicThreshold: 0 })).pick(), undefined);
  t.ok(new PriorityBalancer([hs], rr()).pick(), 'default threshold: panic picks any host');
  t.equal(new PriorityBalancer([], rr()).pick(), undefined);
  t.end();
});

t.test('PriorityBalancer with RING_HASH: the hash picks the priority and the host, consistently', (t) => {
  const p0 = hosts(4);
  const p1 = hosts(4).map((h, i) => Object.assign(h, { id: `10.1.0.${i + 1}:8080` }));
  setHealthy(p0, 2); // 50 % → 70 / 30
  const lb = new PriorityBalancer([p0, p1], rr({ policy: 'RING_HASH' }));
  const keys = Array.from({ length: 10_000 }, (_, i) => xxHash53(`k${i}`));
  const first = keys.map((hash) => lb.pick({ hash }));
  const again = keys.map((hash) => lb.pick({ hash }));
  t.same(again, first, 'same key, same host');
  const toP0 = first.filter((h) => p0.includes(h!)).length;
  t.ok(Math.abs(toP0 / keys.length - 0.7) <= 0.02, `P0 got ${toP0}`);
  t.end();
});

t.test('PriorityBalancer keeps a priority’s policy when only another priority’s health changed', (t) => {
  const p0 = hosts(3);
  const p1 = hosts(2).map((h, i) => Object.assign(h, { id: `10.1.0.${i + 1}:8080` }));
  const lb = new PriorityBalancer([p0, p1], rr());
  t.equal(lb.pick(), p0[0]);
  p1[0]!.healthy = false;
  lb.refresh();
  t.equal(lb.pick(), p0[1], 'P0’s round robin carried on');
  t.end();
});
