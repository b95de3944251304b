import t from 'tap';
import { compileOutlierDetection } from './config.ts';
import { OutlierDetector } from './detector.ts';
import type { AttemptResult, OutlierEvent } from './events.ts';
import { FakeClock } from './fake-clock.ts';

function setup(od: Record<string, unknown>, hostCount: number, random?: () => number) {
  const clock = new FakeClock();
  const events: OutlierEvent<string>[] = [];
  const hosts = Array.from({ length: hostCount }, (_, i) => `h${i}`);
  const detector = new OutlierDetector<string>(compileOutlierDetection(od, 'od'), {
    clock,
    hosts,
    onEvent: (e) => events.push(e),
    ...(random ? { random } : {}),
  });
  const record = (host: string, ...results: AttemptResult[]) => {
    for (const r of results) detector.recordResult(host, r);
  };
  return { clock, events, detector, record };
}

const FAST = { interval: '1s', base_ejection_time: '10s' };

t.test('ejected exactly at the consecutive count, back after base_ejection_time', async (t) => {
  const { clock, events, detector, record } = setup({ ...FAST, consecutive_5xx: 3 }, 10);
  record('h0', 500, 500);
  t.equal(detector.isEjected('h0'), false, 'two 5xx: still in');
  record('h0', 500);
  t.equal(detector.isEjected('h0'), true, 'the third 5xx ejects');
  t.match(events, [
    {
      action: 'eject',
      host: 'h0',
      type: 'consecutive_5xx',
      enforced: true,
      numEjections: 1,
      durationMs: 10_000,
    },
  ]);
  t.equal(detector.stats.ejections_active, 1);
  t.equal(detector.stats.ejections_detected_consecutive_5xx, 1);
  t.equal(detector.stats.ejections_enforced_consecutive_5xx, 1);
  t.equal(detector.stats.ejections_enforced_total, 1);
  clock.advanceTo(9999);
  t.equal(detector.isEjected('h0'), true, 'still out at 9.999 s');
  clock.advanceTo(10_000);
  t.equal(detector.isEjected('h0'), false, 'back at the sweep at 10 s');
  t.match(events[1], { action: 'uneject', host: 'h0', numEjections: 1, ejectedForMs: 10_000 });
  t.equal(detector.stats.ejections_active, 0);
  t.equal(detector.hostState('h0')?.consecutive5xx, 0, 'counters reset on return');
});

t.test('a success in between restarts the count', async (t) => {
  const { detector, record } = setup({ ...FAST, consecutive_5xx: 3 }, 10);
  record('h0', 500, 500, 200, 500, 500, 404, 500, 500);
  t.equal(detector.isEjected('h0'), false);
  t.equal(detector.hostState('h0')?.consecutive5xx, 2);
  record('h0', 503);
  t.equal(detector.isEjected('h0'), true);
});

t.test('returns happen on sweeps: an ejection between sweeps ends at the first sweep after it', async (t) => {
  const { clock, events, detector, record } = setup({ ...FAST, consecutive_5xx: 1 }, 10);
  clock.advanceTo(500);
  record('h0', 500);
  clock.advanceTo(10_999);
  t.equal(detector.isEjected('h0'), true, 'the sweep at 10 s sees 9.5 s');
  clock.advanceTo(11_000);
  t.equal(detector.isEjected('h0'), false);
  t.match(events[1], { action: 'uneject', ejectedForMs: 10_500 });
});

t.test(
  'each ejection in a row lasts one base_ejection_time longer, capped by max_ejection_time',
  async (t) => {
    const { clock, events, detector, record } = setup(
      { ...FAST, consecutive_5xx: 1, max_ejection_time: '25s' },
      10,
    );
    const durations: number[] = [];
    for (let i = 0; i < 5; i++) {
      record('h0', 500);
      const eject = events.at(-1);
      t.equal(eject?.action, 'eject');
      if (eject?.action === 'eject') durations.push(eject.durationMs);
      const ejectedAt = clock.now();
      while (detector.isEjected('h0')) clock.advance(1000);
      t.equal(clock.now() - ejectedAt, durations[i], `ejection ${i + 1} lasted ${durations[i]} ms`);
    }
    t.same(durations, [10_000, 20_000, 25_000, 25_000, 25_000]);
    t.equal(detector.hostState('h0')?.numEjections, 5);
  },
);

t.test('the multiplier decays one step per healthy interval', async (t) => {
  const { clock, events, detector, record } = setup({ ...FAST, consecutive_5xx: 1 }, 10);
  record('h0', 500);
  clock.advanceTo(10_000);
  record('h0', 500); // ejected again at once: twice as long
  t.match(events.at(-1), { action: 'eject', durationMs: 20_000 });
  clock.advanceTo(30_000);
  t.equal(detector.isEjected('h0'), false);
  t.equal(detector.hostState('h0')?.ejectionMultiplier, 2);
  clock.advanceTo(31_000);
  t.equal(detector.hostState('h0')?.ejectionMultiplier, 1, 'one interval healthy');
  clock.advanceTo(32_000);
  t.equal(detector.hostState('h0')?.ejectionMultiplier, 0, 'two intervals healthy');
  record('h0', 500);
  t.match(events.at(-1), { action: 'eject', durationMs: 10_000, numEjections: 3 });
});

t.test('max_ejection_percent with 1, 2, 3 and 10 hosts', async (t) => {
  // Envoy counts the host about to be ejected: 100 × (active + 1) / hosts must stay within the limit.
  for (const [hosts, percent, ejected, overflow] of [
    [1, 10, 0, 1],
    [2, 10, 0, 2],
    [3, 10, 0, 3],
    [10, 10, 1, 9],
    [1, 100, 1, 0],
    [2, 50, 1, 1],
    [3, 50, 1, 2],
    [3, 67, 2, 1],
    [10, 30, 3, 7],
  ] as const) {
    const { detector, record } = setup({ ...FAST, consecutive_5xx: 1, max_ejection_percent: percent }, hosts);
    for (let i = 0; i < hosts; i++) record(`h${i}`, 500);
    t.equal(detector.stats.ejections_active, ejected, `${hosts} hosts at ${percent} %: ${ejected} ejected`);
    t.equal(
      detector.stats.ejections_overflow,
      overflow,
      `${hosts} hosts at ${percent} %: ${overflow} overflow`,
    );
  }
});

t.test('always_eject_one_host lets the first ejection through, and only that one', async (t) => {
  for (const hosts of [1, 2, 3]) {
    const { detector, record } = setup({ ...FAST, consecutive_5xx: 1, always_eject_one_host: true }, hosts);
    for (let i = 0; i < hosts; i++) record(`h${i}`, 500);
    t.equal(detector.stats.ejections_active, 1, `${hosts} hosts`);
    t.equal(detector.stats.ejections_overflow, hosts - 1);
  }
});

t.test('gateway failures (502/503/504) and 5xx are counted apart', async (t) => {
  const od = { ...FAST, consecutive_gateway_failure: 3, enforcing_consecutive_gateway_failure: 100 };
  const { detector, record, events } = setup({ ...od, max_ejection_percent: 100 }, 3);
  record('h0', 502, 503, 504);
  t.match(events.at(-1), { host: 'h0', type: 'consecutive_gateway_failure', enforced: true });
  record('h1', 500, 500, 500, 501);
  t.equal(detector.isEjected('h1'), false, '500 and 501 are not gateway errors');
  record('h1', 503);
  t.match(events.at(-1), { host: 'h1', type: 'consecutive_5xx' }, 'the fifth 5xx');
  record('h2', 503, 503, 500, 503, 503);
  t.equal(detector.isEjected('h2'), true, 'a 500 breaks the gateway run but not the 5xx run');
  t.match(events.at(-1), { host: 'h2', type: 'consecutive_5xx' });
  t.equal(detector.stats.ejections_enforced_consecutive_gateway_failure, 1);
  t.equal(detector.stats.ejections_enforced_consecutive_5xx, 2);
});

t.test('by default gateway failures are detected but not enforced (enforcing 0 %)', async (t) => {
  const { detector, record, events } = setup({ ...FAST, max_ejection_percent: 100 }, 2);
  record('h0', 503, 503, 503, 503, 503);
  t.same(
    events.map((e) => (e.action === 'eject' ? [e.type, e.enforced] : [e.action])),
    [
      ['consecutive_gateway_failure', false],
      ['consecutive_5xx', true],
    ],
  );
  t.equal(detector.stats.ejections_detected_consecutive_gateway_failure, 1);
  t.equal(detector.stats.ejections_enforced_consecutive_gateway_failure, 0);
  t.equal(detector.stats.ejections_enforced_consecutive_5xx, 1);
});

t.test('enforcing 0 % counts the detection and leaves the host in', async (t) => {
  const { detector, record, events } = setup({ ...FAST, enforcing_consecutive_5xx: 0 }, 10);
  record('h0', 500, 500, 500, 500, 500);
  t.equal(detector.isEjected('h0'), false);
  t.match(events, [{ action: 'eject', type: 'consecutive_5xx', enforced: false, durationMs: 0 }]);
  record('h0', 500, 500, 500, 500, 500);
  t.equal(detector.stats.ejections_detected_consecutive_5xx, 2, 'a fresh run of 5 is detected again');
  t.equal(detector.stats.ejections_enforced_consecutive_5xx, 0);
  t.equal(detector.stats.ejections_active, 0);
});

t.test('a partial enforcing percentage rolls the dice', async (t) => {
  let roll = 0.7;
  const { detector, record } = setup({ ...FAST, enforcing_consecutive_5xx: 50 }, 10, () => roll);
  record('h0', 500, 500, 500, 500, 500);
  t.equal(detector.isEjected('h0'), false, '70 ≥ 50: not enforced');
  roll = 0.3;
  record('h0', 500, 500, 500, 500, 500);
  t.equal(detector.isEjected('h0'), true, '30 < 50: enforced');
});

t.test('local-origin failures without the split count as 503 (504 for timeouts)', async (t) => {
  const { detector, record, events } = setup({ ...FAST, consecutive_5xx: 3 }, 10);
  record('h0', 'per-try-timeout', 'timeout', 500);
  t.equal(detector.isEjected('h0'), true, 'two timeouts and a 500 make 3 errors (Envoy docs example)');
  record('h1', 'connect-failure', 'reset', 'refused-stream');
  t.equal(detector.isEjected('h1'), false, 'max_ejection_percent 10 of 10 hosts: one host only');
  t.equal(detector.stats.ejections_overflow, 1);
  t.equal(detector.hostState('h1')?.consecutiveGatewayFailure, 3, '503s are gateway errors too');
  t.match(events[0], { type: 'consecutive_5xx', host: 'h0' });
});

t.test('with the split, local-origin failures have their own counter', async (t) => {
  const od = { ...FAST, split_external_local_origin_errors: true, max_ejection_percent: 100 };
  const { detector, record, events } = setup(od, 3);
  record('h0', 'connect-failure', 'connect-failure', 'reset', 'per-try-timeout', 'timeout');
  t.equal(detector.isEjected('h0'), true);
  t.match(events.at(-1), { type: 'consecutive_local_origin_failure', enforced: true });
  t.equal(detector.hostState('h0')?.consecutive5xx, 0, 'not counted as 5xx');

  record('h1', 'connect-failure', 'connect-failure', 'connect-failure', 'connect-failure', 500);
  record('h1', 'connect-failure', 'connect-failure', 'connect-failure', 'connect-failure');
  t.equal(detector.isEjected('h1'), false, 'any response, even a 500, proves the connection worked');
  t.equal(detector.hostState('h1')?.consecutiveLocalOriginFailure, 4);

  record('h2', 500, 500, 500, 500, 'reset', 500);
  t.equal(detector.isEjected('h2'), true, 'local-origin failures neither count nor break the 5xx run');
  t.match(events.at(-1), { host: 'h2', type: 'consecutive_5xx' });
  t.equal(detector.stats.ejections_enforced_consecutive_local_origin_failure, 1);
  t.equal(detector.stats.ejections_enforced_consecutive_5xx, 1);
});

t.test('with the split, enforcing_consecutive_local_origin_failure 0 only counts', async (t) => {
  const od = {
    ...FAST,
    split_external_local_origin_errors: true,
    enforcing_consecutive_local_origin_failure: 0,
  };
  const { detector, record } = setup(od, 10);
  record('h0', 'reset', 'reset', 'reset', 'reset', 'reset');
  t.equal(detector.isEjected('h0'), false);
  t.equal(detector.stats.ejections_detected_consecutive_local_origin_failure, 1);
  t.equal(detector.stats.ejections_enforced_consecutive_local_origin_failure, 0);
});

t.test('an ejected host is not ejected again while its in-flight results arrive', async (t) => {
  const { detector, record } = setup({ ...FAST, consecutive_5xx: 2 }, 10);
  record('h0', 500, 500, 500, 500, 500, 500);
  t.equal(detector.stats.ejections_detected_consecutive_5xx, 1);
  t.equal(detector.stats.ejections_active, 1);
});

t.test('jitter is added to the ejection time', async (t) => {
  const od = { ...FAST, consecutive_5xx: 1, max_ejection_time_jitter: '5s' };
  const { detector, record, events, clock } = setup(od, 10, () => 0.5);
  record('h0', 500);
  t.match(events[0], { durationMs: 12_500 }, '10 s + floor(0.5 × 5001) ms');
  clock.advanceTo(12_000);
  t.equal(detector.isEjected('h0'), true);
  clock.advanceTo(13_000);
  t.equal(detector.isEjected('h0'), false);
});

t.test('host set changes, manual returns and close', async (t) => {
  const { detector, record, clock, events } = setup(
    { ...FAST, consecutive_5xx: 1, max_ejection_percent: 50 },
    2,
  );
  record('h0', 500);
  t.equal(detector.stats.ejections_active, 1);
  detector.setHosts(['h1', 'h2']);
  t.equal(detector.hostCount, 2);
  t.equal(detector.stats.ejections_active, 0, 'removing an ejected host releases its slot');
  record('h0', 500, 500);
  t.equal(detector.isEjected('h0'), false, 'results for a removed host are ignored');
  record('h2', 500);
  t.equal(detector.isEjected('h2'), true);
  detector.uneject('h2');
  t.equal(detector.isEjected('h2'), false, 'a passing active health check returns the host');
  t.match(events.at(-1), { action: 'uneject', host: 'h2' });
  t.equal(clock.pending, 1);
  detector.close();
  t.equal(clock.pending, 0, 'close stops the sweep');
});
