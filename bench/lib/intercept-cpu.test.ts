import t from 'tap';
import { type CpuSnapshot, cpuDuring, parsePidStat, parseProcStat, parseSchedstat } from './intercept-cpu.ts';

t.test('parses /proc/stat and /proc/PID/stat', async (t) => {
  const stat = 'cpu  1000 20 300 5000 10 0 40 70 0 0\ncpu0 500 10 150 2500 5 0 20 35 0 0\nintr 1 2\n';
  t.same(parseProcStat(stat), { busy: 1320, steal: 70 });
  t.equal(parseProcStat('nothing'), undefined);
  // A process name with spaces and parentheses must not shift the fields.
  const pid = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 75 0 0 20 0 11 0 12345';
  t.equal(parsePidStat(pid), 325);
  t.equal(parsePidStat(''), undefined);
});

t.test("others' CPU = machine busy − our processes − the generator − the harness", async (t) => {
  const before: CpuSnapshot = {
    atMs: 0,
    busy: 10_000,
    steal: 100,
    ours: new Map([
      [1, 500],
      [2, 800],
      [3, 50],
    ]),
    selfUs: 1_000_000,
  };
  const after: CpuSnapshot = {
    atMs: 10_000,
    busy: 10_000 + 1500, // 15 s of CPU over 10 s: 150% of a core
    steal: 100 + 50, // 0.5 s: 5%
    ours: new Map([
      [1, 500 + 600], // 6 s
      [2, 800 + 100], // 1 s
    ]), // pid 3 exited: not counted
    selfUs: 1_000_000 + 500_000, // 0.5 s
  };
  t.same(
    cpuDuring(before, after, 4_000),
    { othersPct: 35, stealPct: 5 },
    '15 − 6 − 1 − 4 − 0.5 = 3.5 s over 10 s',
  );
  t.same(
    cpuDuring(before, { ...after, busy: 10_000 + 900 }, 4_000),
    { othersPct: 0, stealPct: 5 },
    'never below 0',
  );
});

t.test('scheduler time of a thread', async (t) => {
  t.equal(parseSchedstat('291823669 232768516 832\n'), 291823669);
  t.equal(parseSchedstat(''), undefined);
  t.equal(parseSchedstat('x y z'), undefined);
});
