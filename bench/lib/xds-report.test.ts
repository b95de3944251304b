import t from 'tap';
import {
  convergedAtOrAfter,
  formatMemory,
  formatPhases,
  memoryPerProxy,
  percentile,
  summarize,
  versionGeneration,
} from './xds-report.ts';

t.test('nearest-rank percentiles', async (t) => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(percentile(hundred, 50), 50);
  t.equal(percentile(hundred, 99), 99);
  t.equal(percentile(hundred, 100), 100);
  t.equal(percentile([7], 99), 7);
  t.ok(Number.isNaN(percentile([], 50)));
  // 1000 proxies: p99 is the 990th fastest, so the 10 slowest do not hide in it
  const thousand = Array.from({ length: 1000 }, (_, i) => i);
  t.equal(percentile(thousand, 99), 989);
});

t.test('summaries do not depend on input order', async (t) => {
  t.same(summarize([30, 10, 20, 40]), { count: 4, p50: 20, p90: 40, p99: 40, max: 40 });
  t.equal(summarize([]).count, 0);
});

t.test('a proxy that skipped a version counts from the first later one it applied', async (t) => {
  t.equal(versionGeneration('1712000000000-12'), 12);
  t.equal(versionGeneration('v1'), undefined);
  const converged = new Map([
    ['1000-3', 5],
    ['1000-5', 9],
    ['1000-6', 7],
  ]);
  t.equal(convergedAtOrAfter(converged, '1000-3'), 5);
  t.equal(convergedAtOrAfter(converged, '1000-4'), 7, 'earliest of the later versions');
  t.equal(convergedAtOrAfter(converged, '1000-7'), undefined);
  t.equal(convergedAtOrAfter(new Map([['x', 1]]), 'y'), undefined);
});

t.test('memory per proxy is the growth divided by the proxies', async (t) => {
  const m = memoryPerProxy(
    { rssBytes: 100 * 2 ** 20, heapUsedBytes: 20 * 2 ** 20 },
    { rssBytes: 300 * 2 ** 20, heapUsedBytes: 120 * 2 ** 20 },
    1000,
  );
  t.equal(m.rssBytesPerProxy, (200 * 2 ** 20) / 1000);
  t.equal(m.heapUsedBytesPerProxy, (100 * 2 ** 20) / 1000);
  t.match(formatMemory(m), /RSS 100\.0 MB → 300\.0 MB = 204\.8 KB\/proxy; heapUsed 20\.0 MB → 120\.0 MB/);
  t.equal(memoryPerProxy({ rssBytes: 1 }, { rssBytes: 2 }, 1).heapUsedBytesPerProxy, undefined);
});

t.test('the table has a row per phase with a dash for what was not measured', async (t) => {
  const text = formatPhases([
    {
      name: 'initial',
      describe: '',
      ackMs: summarize([1, 2, 3]),
      allAckedMs: 3,
      missing: 0,
      controlPlaneCpuMs: 12.4,
      clientCpuMs: 3,
      clientCpuPct: 10,
    },
  ]);
  const [header, , row] = text.split('\n');
  t.match(header, /^phase\s+p50 ms\s+p90 ms\s+p99 ms\s+max ms\s+all ACKed ms/);
  t.match(row, /^initial\s+2\s+3\s+3\s+3\s+3\s+0\s+-\s+12\s+3\s+10$/);
});
