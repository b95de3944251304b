import t from 'tap';
import { compileOutlierDetection } from './config.ts';
import { OutlierDetector } from './detector.ts';
import type { AttemptResult, OutlierEvent } from './events.ts';
import { FakeClock } from './fake-clock.ts';

function setup(od: Record<string, unknown>, hostCount: number) {
  const clock = new FakeClock();
  const events: OutlierEvent<string>[] = [];
  const hosts = Array.from({ length: hostCount }, (_, i) => `h${i}`);
  const detector = new OutlierDetector<string>(compileOutlierDetection(od, 'od'), {
    clock,
    hosts,
    onEvent: (e) => events.push(e),
  });
  /** `ok` results then `failed` results on `host`, interleaved so no consecutive run forms. */
  const traffic = (host: string, ok: number, failed: number, failure: AttemptResult = 500) => {
    for (let i = 0; i < Math.max(ok, failed); i++) {
      if (i < ok) detector.recordResult(host, 200);
      if (i < failed) detector.recordResult(host, failure);
    }
  };
  return { clock, events, detector, traffic };
}

// Consecutive detectors off so that only the statistical ones act.
const QUIET = { consecutive_5xx: 0, consecutive_gateway_failure: 0, consecutive_local_origin_failure: 0 };

t.test("success rate: Envoy's example data set {50, 100, 100, 100, 100}", async (t) => {
  // mean 90, population stdev 20, threshold 90 − 1.9 × 20 = 52: the host at 50 % goes.
  const { clock, events, detector, traffic } = setup({ ...QUIET, max_ejection_percent: 20 }, 5);
  traffic('h0', 50, 50);
  for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
  clock.advanceTo(9999);
  t.equal(detector.isEjected('h0'), false, 'nothing before the sweep');
  clock.advanceTo(10_000);
  t.equal(detector.isEjected('h0'), true);
  t.equal(detector.stats.ejections_active, 1);
  t.equal(detector.successRateAverage, 90);
  t.equal(detector.successRateEjectionThreshold, 52);
  t.equal(detector.hostState('h0')?.successRate, 50);
  t.equal(detector.hostState('h1')?.successRate, 100);
  t.match(events, [
    {
      action: 'eject',
      host: 'h0',
      type: 'success_rate',
      enforced: true,
      durationMs: 30_000,
      hostSuccessRate: 50,
      clusterSuccessRateAverage: 90,
      successRateEjectionThreshold: 52,
    },
  ]);
  t.equal(detector.stats.ejections_detected_success_rate, 1);
  t.equal(detector.stats.ejections_enforced_success_rate, 1);
});

t.test('success rate: the stdev factor decides a borderline host', async (t) => {
  // {60, 100, 100, 100, 100}: mean 92, stdev 16. Factor 1.9 → threshold 61.6 (60 goes);
  // factor 2.0 → threshold 60 (60 stays: only a rate below the threshold is an outlier).
  for (const [factor, ejected, threshold] of [
    [1900, true, 61.6],
    [2000, false, 60],
  ] as const) {
    const { clock, detector, traffic } = setup(
      { ...QUIET, max_ejection_percent: 20, success_rate_stdev_factor: factor },
      5,
    );
    traffic('h0', 60, 40);
    for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
    clock.advanceTo(10_000);
    t.equal(detector.successRateAverage, 92);
    t.equal(Math.round(detector.successRateEjectionThreshold * 1000) / 1000, threshold);
    t.equal(detector.isEjected('h0'), ejected, `factor ${factor / 1000}: h0 ejected ${ejected}`);
  }
});

t.test(
  'success rate needs success_rate_request_volume per host and success_rate_minimum_hosts',
  async (t) => {
    const { clock, detector, traffic } = setup({ ...QUIET, max_ejection_percent: 20 }, 5);
    traffic('h0', 10, 89); // 99 requests: under the volume of 100
    for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
    clock.advanceTo(10_000);
    t.equal(detector.successRateAverage, -1, 'only 4 hosts qualify: no detection');
    t.equal(detector.isEjected('h0'), false);
    const rate = detector.hostState('h0')?.successRate ?? -1;
    t.equal(Math.round(rate * 100) / 100, 10.1, '10 of 99: the readout still shows (volume ≥ 50)');
  },
);

t.test('success rate reads the last whole interval only', async (t) => {
  const { clock, detector, traffic } = setup({ ...QUIET, max_ejection_percent: 20 }, 5);
  for (const h of ['h0', 'h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
  clock.advanceTo(10_000);
  t.equal(detector.successRateAverage, 100, 'first interval: all at 100 %');
  traffic('h0', 50, 50);
  for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
  clock.advanceTo(20_000);
  t.equal(detector.isEjected('h0'), true, 'the second interval alone decides');
  clock.advanceTo(30_000);
  t.equal(detector.successRateAverage, -1, 'an idle interval has no data');
});

t.test("enforcing_success_rate 0 (Istio's setting) counts but does not eject", async (t) => {
  const { clock, events, detector, traffic } = setup(
    { ...QUIET, max_ejection_percent: 20, enforcing_success_rate: 0 },
    5,
  );
  traffic('h0', 50, 50);
  for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
  clock.advanceTo(10_000);
  t.equal(detector.isEjected('h0'), false);
  t.equal(detector.stats.ejections_detected_success_rate, 1);
  t.equal(detector.stats.ejections_enforced_success_rate, 0);
  t.match(events, [{ type: 'success_rate', enforced: false }]);
});

t.test('failure percentage: at or above the threshold over the request volume', async (t) => {
  // Volume 50 per host, threshold 85 %: h0 fails 43 of 50 (86 %) and goes; h1 fails 42 (84 %) and
  // stays. Success-rate detection needs 100 requests per host and does not run.
  const { clock, events, detector, traffic } = setup(
    { ...QUIET, enforcing_failure_percentage: 100, max_ejection_percent: 40 },
    5,
  );
  traffic('h0', 7, 43);
  traffic('h1', 8, 42);
  for (const h of ['h2', 'h3', 'h4']) traffic(h, 50, 0);
  clock.advanceTo(10_000);
  t.equal(detector.isEjected('h0'), true);
  t.equal(detector.isEjected('h1'), false);
  t.equal(detector.successRateAverage, -1);
  t.match(events, [{ host: 'h0', type: 'failure_percentage', enforced: true, hostSuccessRate: 14 }]);
  t.equal(detector.stats.ejections_detected_failure_percentage, 1);
  t.equal(detector.stats.ejections_enforced_failure_percentage, 1);
});

t.test('failure percentage is detected but not enforced by default (enforcing 0 %)', async (t) => {
  const { clock, detector, traffic } = setup({ ...QUIET, max_ejection_percent: 40 }, 5);
  traffic('h0', 0, 50);
  for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 50, 0);
  clock.advanceTo(10_000);
  t.equal(detector.isEjected('h0'), false);
  t.equal(detector.stats.ejections_detected_failure_percentage, 1);
  t.equal(detector.stats.ejections_enforced_failure_percentage, 0);
});

t.test('failure percentage needs failure_percentage_minimum_hosts hosts with the volume', async (t) => {
  const { clock, detector, traffic } = setup(
    { ...QUIET, enforcing_failure_percentage: 100, max_ejection_percent: 40 },
    5,
  );
  traffic('h0', 0, 50);
  for (const h of ['h1', 'h2', 'h3']) traffic(h, 50, 0);
  traffic('h4', 49, 0);
  clock.advanceTo(10_000);
  t.equal(detector.isEjected('h0'), false, '4 qualifying hosts < 5');
  t.equal(detector.stats.ejections_detected_failure_percentage, 0);
});

t.test('statistical ejections respect max_ejection_percent too', async (t) => {
  const { clock, detector, traffic } = setup(
    { ...QUIET, enforcing_failure_percentage: 100, max_ejection_percent: 20 },
    5,
  );
  traffic('h0', 0, 50);
  traffic('h1', 0, 50);
  for (const h of ['h2', 'h3', 'h4']) traffic(h, 50, 0);
  clock.advanceTo(10_000);
  t.equal(detector.stats.ejections_active, 1);
  t.equal(detector.stats.ejections_overflow, 1);
});

t.test('with the split, local-origin success rate is judged apart from HTTP', async (t) => {
  const od = { ...QUIET, split_external_local_origin_errors: true, max_ejection_percent: 20 };
  const { clock, events, detector, traffic } = setup(od, 5);
  // h0 answers every request it gets 200, but half of its attempts never connect.
  traffic('h0', 100, 100, 'connect-failure');
  for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 200, 0);
  clock.advanceTo(10_000);
  t.equal(detector.successRateAverage, 100, 'HTTP success rates: all 100 %');
  t.equal(detector.localOriginSuccessRateAverage, 90, 'local-origin: {50, 100, 100, 100, 100}');
  t.equal(detector.localOriginSuccessRateEjectionThreshold, 52);
  t.equal(detector.hostState('h0')?.localOriginSuccessRate, 50);
  t.equal(detector.isEjected('h0'), true);
  t.match(events, [{ type: 'success_rate_local_origin', enforced: true }]);
  t.equal(detector.stats.ejections_enforced_local_origin_success_rate, 1);
});

t.test('without the split, connect failures lower the one success rate', async (t) => {
  const { clock, detector, traffic } = setup({ ...QUIET, max_ejection_percent: 20 }, 5);
  traffic('h0', 50, 50, 'connect-failure');
  for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
  clock.advanceTo(10_000);
  t.equal(detector.successRateAverage, 90);
  t.equal(detector.localOriginSuccessRateAverage, -1);
  t.equal(detector.isEjected('h0'), true);
});

t.test('a host that is both a success-rate and a failure-percentage outlier is ejected once', async (t) => {
  // {0, 100, 100, 100, 100}: mean 80, stdev 40, threshold 4 → h0 by success rate; its 100 % failures
  // would also trip failure percentage, but it is already out.
  const { clock, events, detector, traffic } = setup(
    { ...QUIET, enforcing_failure_percentage: 100, max_ejection_percent: 100 },
    5,
  );
  traffic('h0', 0, 100);
  for (const h of ['h1', 'h2', 'h3', 'h4']) traffic(h, 100, 0);
  clock.advanceTo(10_000);
  t.equal(detector.successRateEjectionThreshold, 4);
  t.equal(detector.stats.ejections_active, 1);
  t.match(events, [{ host: 'h0', type: 'success_rate', enforced: true }]);
  t.equal(events.length, 1);
  t.equal(detector.stats.ejections_detected_failure_percentage, 0);
});
