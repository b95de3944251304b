import t from 'tap';
import { expectConfigError } from '../../../../test/lib/expect-config-error.ts';
import { compileOutlierDetection, OUTLIER_DEFAULTS } from './config.ts';

const PATH = 'static_resources.clusters[0].outlier_detection';

t.test('an empty message gets every Envoy default', async (t) => {
  const c = compileOutlierDetection({}, PATH);
  t.same(c, OUTLIER_DEFAULTS);
  t.equal(c.consecutive5xx, 5);
  t.equal(c.intervalMs, 10_000);
  t.equal(c.baseEjectionTimeMs, 30_000);
  t.equal(c.maxEjectionTimeMs, 300_000);
  t.equal(c.maxEjectionPercent, 10);
  t.equal(c.enforcingConsecutive5xx, 100);
  t.equal(c.enforcingSuccessRate, 100);
  t.equal(c.successRateMinimumHosts, 5);
  t.equal(c.successRateRequestVolume, 100);
  t.equal(c.successRateStdevFactor, 1.9);
  t.equal(c.consecutiveGatewayFailure, 5);
  t.equal(c.enforcingConsecutiveGatewayFailure, 0);
  t.equal(c.splitExternalLocalOriginErrors, false);
  t.equal(c.consecutiveLocalOriginFailure, 5);
  t.equal(c.enforcingConsecutiveLocalOriginFailure, 100);
  t.equal(c.enforcingLocalOriginSuccessRate, 100);
  t.equal(c.failurePercentageThreshold, 85);
  t.equal(c.enforcingFailurePercentage, 0);
  t.equal(c.enforcingFailurePercentageLocalOrigin, 0);
  t.equal(c.failurePercentageMinimumHosts, 5);
  t.equal(c.failurePercentageRequestVolume, 50);
  t.equal(c.maxEjectionTimeJitterMs, 0);
  t.equal(c.alwaysEjectOneHost, false);
  t.equal(c.successfulActiveHealthCheckUnejectHost, true);
});

t.test("what Istio's translation of a DestinationRule sends is expressible", async (t) => {
  // outlierDetection: { consecutive5xxErrors: 0, consecutiveGatewayErrors: 7, interval: 5s,
  //   baseEjectionTime: 15s, maxEjectionPercent: 50 } as istiod writes it.
  const c = compileOutlierDetection(
    {
      consecutive_5xx: { value: 0 },
      enforcing_consecutive_5xx: { value: 0 },
      consecutive_gateway_failure: { value: 7 },
      enforcing_consecutive_gateway_failure: { value: 100 },
      enforcing_success_rate: { value: 0 },
      interval: '5s',
      base_ejection_time: '15s',
      max_ejection_percent: { value: 50 },
    },
    PATH,
  );
  t.equal(c.consecutive5xx, 0);
  t.equal(c.enforcingConsecutive5xx, 0);
  t.equal(c.consecutiveGatewayFailure, 7);
  t.equal(c.enforcingConsecutiveGatewayFailure, 100);
  t.equal(c.enforcingSuccessRate, 0);
  t.equal(c.intervalMs, 5000);
  t.equal(c.baseEjectionTimeMs, 15_000);
  t.equal(c.maxEjectionTimeMs, 300_000);
  t.equal(c.maxEjectionPercent, 50);
});

t.test('durations, wrappers and booleans in their proto3-JSON forms', async (t) => {
  const c = compileOutlierDetection(
    {
      interval: '0.5s',
      base_ejection_time: { seconds: 2, nanos: 500_000_000 },
      max_ejection_time: '60s',
      max_ejection_time_jitter: '1s',
      success_rate_stdev_factor: '2500',
      split_external_local_origin_errors: true,
      always_eject_one_host: { value: true },
      successful_active_health_check_uneject_host: false,
    },
    PATH,
  );
  t.equal(c.intervalMs, 500);
  t.equal(c.baseEjectionTimeMs, 2500);
  t.equal(c.maxEjectionTimeMs, 60_000);
  t.equal(c.maxEjectionTimeJitterMs, 1000);
  t.equal(c.successRateStdevFactor, 2.5);
  t.equal(c.splitExternalLocalOriginErrors, true);
  t.equal(c.alwaysEjectOneHost, true);
  t.equal(c.successfulActiveHealthCheckUnejectHost, false);
});

t.test('an unset max_ejection_time follows a base_ejection_time above 300 s', async (t) => {
  t.equal(compileOutlierDetection({ base_ejection_time: '400s' }, PATH).maxEjectionTimeMs, 400_000);
});

t.test('nonsense is a ConfigError naming the field', async (t) => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ max_ejection_percent: 101 }, 'max_ejection_percent', /between 0 and 100, got 101/],
    [{ enforcing_consecutive_5xx: 150 }, 'enforcing_consecutive_5xx', /between 0 and 100/],
    [{ enforcing_success_rate: { value: 101 } }, 'enforcing_success_rate', /between 0 and 100/],
    [{ failure_percentage_threshold: 200 }, 'failure_percentage_threshold', /between 0 and 100/],
    [{ interval: '0s' }, 'interval', /greater than 0s/],
    [{ base_ejection_time: '0s' }, 'base_ejection_time', /greater than 0s/],
    [{ interval: '10' }, 'interval', /invalid duration/],
    [{ consecutive_5xx: -1 }, 'consecutive_5xx', /non-negative integer/],
    [{ always_eject_one_host: 'yes' }, 'always_eject_one_host', /true or false/],
    [
      { base_ejection_time: '60s', max_ejection_time: '30s' },
      'max_ejection_time',
      /must not be smaller than base_ejection_time/,
    ],
  ];
  for (const [value, field, problem] of cases) {
    t.test(field, async (t) =>
      expectConfigError(t, () => compileOutlierDetection(value, PATH), {
        path: `${PATH}.${field}`,
        problem,
        kind: 'invalid',
      }),
    );
  }
  expectConfigError(t, () => compileOutlierDetection('5', PATH), { path: PATH });
  expectConfigError(t, () => compileOutlierDetection({ monitors: [{ name: 'x' }] }, PATH), {
    path: `${PATH}.monitors`,
    kind: 'unsupported',
  });
});
