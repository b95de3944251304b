import t from 'tap';
import type { ClosedLoopResult } from './closed-loop.ts';
import {
  compare,
  formatInterceptTable,
  headline,
  type InterceptTargetResult,
  median,
  percentiles,
  roundOrder,
  type Sample,
  summarize,
} from './intercept-report.ts';
import type { OpenLoopResult } from './open-loop.ts';

function sample(
  round: number,
  rps: number,
  p50: number,
  p99: number,
  fresh?: number,
  proxyUs?: [number, number],
): Sample {
  const throughput: ClosedLoopResult = {
    durationSec: 10,
    connections: 50,
    rps,
    requests: rps * 10,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    latencyMs: { p50: 2, p90: 3, p99: 5, max: 9, mean: 2 },
  };
  const latency: OpenLoopResult = {
    rate: 1000,
    durationSec: 10,
    scheduled: 10_000,
    ok: 10_000,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    achievedRps: 1000,
    latencyMs: { p50, p90: p50 * 2, p99, p999: p99 * 2, max: p99 * 3, mean: p50 },
    sendLagMs: { p50: 0.1, p99: 1, max: 2 },
  };
  const s: Sample = {
    round,
    throughput,
    latency,
    backgroundCpuPct: { '0': round * 10, '1': 5 },
    cpuDuring: { closed: { othersPct: round, stealPct: 1 }, open: { othersPct: 2 * round, stealPct: round } },
    proxyCpuUs: proxyUs ? { perRequest: proxyUs[0], perConnection: proxyUs[1] } : {},
  };
  if (fresh !== undefined) {
    s.fresh = {
      count: 100,
      ok: 100,
      errors: 0,
      latencyMs: { p50: fresh, p90: fresh, p99: fresh * 2, max: 9, mean: fresh },
    };
  }
  return s;
}

const target = (
  name: string,
  mode: InterceptTargetResult['mode'],
  inbound: boolean,
  samples: Sample[],
): InterceptTargetResult => ({ name, mode, inbound, path: `${name} path`, status: 'ok', samples });

t.test('median and nearest-rank percentiles', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.ok(Number.isNaN(median([])));
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, shuffled order
  t.match(percentiles(values), { p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
  t.match(percentiles([7]), { p50: 7, p99: 7, max: 7 });
  t.ok(Number.isNaN(percentiles([]).p50));
});

t.test('rounds alternate direction', async (t) => {
  t.same(roundOrder(['a', 'b', 'c'], 1), ['a', 'b', 'c']);
  t.same(roundOrder(['a', 'b', 'c'], 2), ['c', 'b', 'a']);
  t.same(roundOrder(['a', 'b', 'c'], 3), ['a', 'b', 'c']);
});

t.test('summary: medians over rounds, ranges, the busiest background', async (t) => {
  const s = summarize([
    sample(1, 1000, 1, 10, 0.5),
    sample(2, 3000, 3, 30, 0.7),
    sample(3, 2000, 2, 20, 0.6),
  ])!;
  t.match(s, {
    rounds: 3,
    rps: 2000,
    p50: 2,
    p90: 4,
    p99: 20,
    p999: 40,
    p50Range: [1, 3],
    p99Range: [10, 30],
  });
  t.same(s.fresh, { p50: 0.6, p90: 0.6, p99: 1.2, errors: 0 });
  t.same(s.backgroundCpuMax, { '0': 30, '1': 5 });
  t.same(s.othersMax, { closed: 3, open: 6, steal: 3 });
  t.equal(summarize([]), undefined);
  t.equal(summarize([sample(1, 1, 1, 1)])?.fresh, undefined, 'no fresh measurement, no fresh summary');
});

t.test(
  'interception is compared with the explicit proxy of its own variant, everything with direct',
  async (t) => {
    const results = [
      target('direct', 'direct', false, [sample(1, 10_000, 1, 4, 1)]),
      target('explicit', 'explicit', false, [sample(1, 4000, 1.5, 6, 1.2)]),
      target('intercept', 'intercept', false, [sample(1, 3600, 1.75, 7, 1.5)]),
      target('explicit+inbound', 'explicit', true, [sample(1, 2000, 2.5, 9, 2)]),
      target('intercept+inbound', 'intercept', true, [sample(1, 2000, 2.25, 10, 2.5)]),
      { ...target('broken', 'intercept', false, []), status: 'failed' as const, reason: 'never ready\nmore' },
    ];
    compare(results);
    const [direct, explicit, intercept, explicitIn, interceptIn, broken] = results;
    t.equal(direct!.vsDirect, undefined);
    t.equal(explicit!.vsExplicit, undefined, 'only interception targets get the explicit comparison');
    t.match(explicit!.vsDirect, { against: 'direct', p50: 0.5, p99: 2, rpsRatio: 0.4 });
    t.match(intercept!.vsExplicit, { against: 'explicit', p50: 0.25, p99: 1, rpsRatio: 0.9 });
    t.equal(intercept!.vsExplicit!.freshP50!.toFixed(2), '0.30');
    t.match(interceptIn!.vsExplicit, { against: 'explicit+inbound', p50: -0.25, p99: 1, rpsRatio: 1 });
    t.match(explicitIn!.vsDirect, { against: 'direct', p50: 1.5 });
    t.equal(broken!.summary, undefined);

    t.same(headline(results), [
      'intercept vs explicit: +0.25 ms p50, +0.50 ms p90, +1.00 ms p99, +2.00 ms p99.9, 0.90x req/s; per new connection +0.30 ms at p50',
      'intercept+inbound vs explicit+inbound: -0.25 ms p50, -0.50 ms p90, +1.00 ms p99, +2.00 ms p99.9, 1.00x req/s; per new connection +0.50 ms at p50',
    ]);
    const text = formatInterceptTable(results, { rate: 1000, rounds: 1, connections: 50 });
    t.match(
      text,
      /^intercept\s+3600\s+0\.36x\s+0\.90x\s+1\.75\s+3\.50\s+7\.00\s+14\.00\s+\+0\.75\s+\+3\.00\s+\+0\.25\s+\+1\.00\s+-\s+-$/m,
    );
    t.match(text, /^direct\s+10000\s+-\s+-\s+1\.00/m);
    t.match(text, /fresh connections/);
    t.match(text, /not measured:\n {2}broken: never ready$/m);
    t.match(text, /^ {2}intercept +intercept path$/m);
    t.equal(
      formatInterceptTable([results[5]!], { rate: 1, rounds: 1, connections: 1 }).split('\n')[0],
      'no target was measured:',
    );
  },
);

t.test('several rounds: differences are also paired by round, to show the noise', async (t) => {
  const results = [
    target('explicit', 'explicit', false, [
      sample(1, 4000, 1.0, 6, 1.0, [200, 600]),
      sample(2, 2000, 3.0, 60, 1.5, [240, 700]),
    ]),
    target('intercept', 'intercept', false, [
      sample(2, 2200, 2.5, 30, 1.4, [250, 760]),
      sample(1, 3600, 1.25, 9, 1.0, [201, 640]),
    ]),
  ];
  compare(results);
  const d = results[1]!.vsExplicit!;
  t.same(d.perRound.p50, [-0.5, 0.25], 'matched by round number, not position');
  t.same(d.perRound.p99, [-30, 3]);
  t.same(
    d.perRound.rpsRatio.map((r) => r.toFixed(2)),
    ['1.10', '0.90'],
  );
  t.same(
    d.perRound.freshP50?.map((v) => v.toFixed(2)),
    ['-0.10', '0.00'],
  );
  t.same(d.perRound.proxyUsPerRequest, [10, 1]);
  t.same(d.perRound.proxyUsPerConnection, [60, 40]);
  t.equal(d.proxyUsPerRequest, 5.5, 'difference of the medians (225.5 − 220)');
  t.equal(d.proxyUsPerConnection, 50);
  const lines = headline(results);
  t.equal(lines.length, 2);
  t.match(lines[0], /; proxy CPU \+5\.5 µs per request, \+50\.0 µs per new connection$/);
  t.equal(
    lines[1],
    '  per round, median (min…max): p50 -0.13 ms (-0.50…+0.25), p99 -13.50 ms (-30.00…+3.00), ' +
      'req/s 1.00x (0.90…1.10), new connection p50 -0.05 ms (-0.10…+0.00), ' +
      'proxy CPU/req +5.5 µs (+1.0…+10.0), proxy CPU/conn +50.0 µs (+40.0…+60.0)',
  );
  const text = formatInterceptTable(results, { rate: 1000, rounds: 2, connections: 50 });
  t.match(text, /median of 2 rounds/);
  t.match(
    text,
    /^intercept +2900 .* -0\.13 +-13\.50 +226 +\+5\.5$/m,
    'proxy CPU per request and its difference',
  );
  t.match(text, /^intercept +1\.20 .* 700 +\+50\.0 +0$/m, 'proxy CPU per connection');
  t.match(text, /^intercept .* 1\.25–2\.50 +9\.00–30\.00 +0:20 1:5 +2\/4 +2$/m);
});
