import t from 'tap';
import { expectConfigError } from '../../../test/lib/expect-config-error.ts';
import { fractionalPercent } from '../config/index.ts';
import { compileFault } from './fault.ts';

t.test('fixed faults', async (t) => {
  const f = compileFault(
    {
      delay: { fixed_delay: '1.5s', percentage: { numerator: 50 } },
      abort: { http_status: 503, percentage: { numerator: 25, denominator: 'TEN_THOUSAND' } },
      upstream_cluster: 'backend',
      headers: [{ name: 'X-Fault', present_match: true }],
      max_active_faults: 10,
    },
    'hf',
  );
  t.same(f.delay, { fixedMs: 1500, fromHeader: false, fraction: 0.5 });
  t.same(f.abort, { httpStatus: 503, fromHeader: false, fraction: 0.0025 });
  t.same([...f.upstreamClusters], ['backend']);
  t.equal(f.headers[0]!.name, 'x-fault');
  t.equal(f.maxActiveFaults, 10);
});

t.test('defaults and header-controlled faults', async (t) => {
  const fixed = compileFault({ delay: { fixed_delay: '0.001s' }, abort: { grpc_status: 14 } }, 'hf');
  t.equal(fixed.delay?.fraction, 1, 'no percentage means every request');
  t.same(fixed.abort, { grpcStatus: 14, fromHeader: false, fraction: 1 });
  t.equal(fixed.maxActiveFaults, undefined, 'unlimited');
  t.same([...fixed.upstreamClusters], []);
  t.same(fixed.headers, []);
  const fromHeaders = compileFault(
    {
      delay: { header_delay: {}, percentage: { numerator: 5, denominator: 'MILLION' } },
      abort: { header_abort: {} },
    },
    'hf',
  );
  t.same(fromHeaders.delay, { fromHeader: true, fraction: 5e-6, denominator: 1_000_000 });
  t.same(fromHeaders.abort, { fromHeader: true, fraction: 1, denominator: 100 });
  t.same(
    compileFault({}, 'hf'),
    { headers: [], upstreamClusters: new Set() },
    'neither delay nor abort: a no-op',
  );
});

t.test('errors', async (t) => {
  expectConfigError(t, () => compileFault({ delay: {} }, 'hf'), {
    path: 'hf.delay',
    problem: /fixed_delay or header_delay/,
  });
  expectConfigError(t, () => compileFault({ delay: { fixed_delay: '0s' } }, 'hf'), {
    path: 'hf.delay.fixed_delay',
    problem: /greater than 0/,
  });
  expectConfigError(t, () => compileFault({ delay: { fixed_delay: '1s', header_delay: {} } }, 'hf'), {
    path: 'hf.delay.header_delay',
    problem: /only one of/,
  });
  expectConfigError(t, () => compileFault({ abort: {} }, 'hf'), {
    path: 'hf.abort',
    problem: /one of http_status, grpc_status or header_abort/,
  });
  expectConfigError(t, () => compileFault({ abort: { http_status: 600 } }, 'hf'), {
    path: 'hf.abort.http_status',
    problem: /\[200, 600\)/,
  });
  expectConfigError(t, () => compileFault({ abort: { http_status: 199 } }, 'hf'), {
    path: 'hf.abort.http_status',
    problem: /\[200, 600\)/,
  });
  // The types rule out a denominator the schema would reject; the reader still guards against it.
  expectConfigError(t, () => fractionalPercent({ denominator: 'BILLION' }, 'hf.abort.percentage'), {
    path: 'hf.abort.percentage.denominator',
  });
  expectConfigError(t, () => compileFault({ headers: [{ name: '' }] }, 'hf'), { path: 'hf.headers[0].name' });
});
