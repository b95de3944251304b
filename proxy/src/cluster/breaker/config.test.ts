import t from 'tap';
import { expectConfigError } from '../../../../test/lib/expect-config-error.ts';
import { compileCircuitBreakers, DEFAULT_CIRCUIT_BREAKERS } from './config.ts';

const PATH = 'static_resources.clusters[0].circuit_breakers';

t.test("absent or empty: Envoy's defaults for both priorities", async (t) => {
  for (const value of [undefined, {}, { thresholds: [] }]) {
    const c = compileCircuitBreakers(value, PATH);
    t.same(c, DEFAULT_CIRCUIT_BREAKERS);
    t.same(c.default, {
      priority: 'DEFAULT',
      maxConnections: 1024,
      maxPendingRequests: 1024,
      maxRequests: 1024,
      maxRetries: 3,
      retryBudget: undefined,
      trackRemaining: false,
    });
    t.equal(c.high.priority, 'HIGH');
  }
});

t.test('thresholds per priority; the first entry for a priority wins', async (t) => {
  const c = compileCircuitBreakers(
    {
      thresholds: [
        { max_connections: 1, max_pending_requests: { value: 1 }, max_requests: '7', max_retries: 0 },
        { priority: 'HIGH', max_connections: 50, track_remaining: true },
        { priority: 'DEFAULT', max_connections: 999 },
        { priority: 1, max_connections: 999 },
      ],
    },
    PATH,
  );
  t.same(c.default, {
    priority: 'DEFAULT',
    maxConnections: 1,
    maxPendingRequests: 1,
    maxRequests: 7,
    maxRetries: 0,
    retryBudget: undefined,
    trackRemaining: false,
  });
  t.equal(c.high.maxConnections, 50);
  t.equal(c.high.maxPendingRequests, 1024);
  t.equal(c.high.trackRemaining, true);
});

t.test("istiod's default thresholds (2^32 − 1) survive", async (t) => {
  const max = 4294967295;
  const c = compileCircuitBreakers(
    {
      thresholds: [
        {
          max_connections: max,
          max_pending_requests: max,
          max_requests: max,
          max_retries: max,
          track_remaining: true,
        },
      ],
    },
    PATH,
  );
  t.equal(c.default.maxRetries, max);
  t.equal(c.default.maxConnections, max);
});

t.test('retry_budget: present means on, with 20 % and 3 as defaults', async (t) => {
  const empty = compileCircuitBreakers({ thresholds: [{ retry_budget: {} }] }, PATH);
  t.same(empty.default.retryBudget, { budgetPercent: 20, minRetryConcurrency: 3 });
  const set = compileCircuitBreakers(
    { thresholds: [{ retry_budget: { budget_percent: { value: 25.5 }, min_retry_concurrency: 10 } }] },
    PATH,
  );
  t.same(set.default.retryBudget, { budgetPercent: 25.5, minRetryConcurrency: 10 });
});

t.test('nonsense is a ConfigError naming the field', async (t) => {
  const cases: Array<[unknown, string, string]> = [
    [{ thresholds: [{ priority: 'LOW' }] }, `${PATH}.thresholds[0].priority`, 'invalid'],
    [{ thresholds: [{ max_connections: -1 }] }, `${PATH}.thresholds[0].max_connections`, 'invalid'],
    [
      { thresholds: [{}, { retry_budget: { budget_percent: { value: 120 } } }] },
      `${PATH}.thresholds[1].retry_budget.budget_percent`,
      'invalid',
    ],
    [
      { thresholds: [{ retry_budget: { min_retry_concurrency: 1.5 } }] },
      `${PATH}.thresholds[0].retry_budget.min_retry_concurrency`,
      'invalid',
    ],
    [
      { thresholds: [{ max_connection_pools: 4 }] },
      `${PATH}.thresholds[0].max_connection_pools`,
      'unsupported',
    ],
    [{ per_host_thresholds: [{ max_connections: 1 }] }, `${PATH}.per_host_thresholds`, 'unsupported'],
    [{ thresholds: {} }, `${PATH}.thresholds`, 'invalid'],
    ['x', PATH, 'invalid'],
  ];
  for (const [value, path, kind] of cases) {
    t.test(path, async (t) =>
      expectConfigError(t, () => compileCircuitBreakers(value, PATH), { path, kind }),
    );
  }
});
