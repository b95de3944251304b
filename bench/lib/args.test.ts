import t from 'tap';
import { parseBenchArgs, UsageError } from './args.ts';

const names = ['direct', 'weft', 'haproxy'];

t.test('defaults', async (t) => {
  t.same(parseBenchArgs([], names), {
    durationSec: 10,
    connections: 50,
    rate: 1000,
    only: undefined,
    out: undefined,
  });
});

t.test('flags', async (t) => {
  const a = parseBenchArgs(
    ['--duration', '3', '--connections', '8', '--rate', '500', '--only', 'weft, direct'],
    names,
  );
  t.same(a, { durationSec: 3, connections: 8, rate: 500, only: ['weft', 'direct'], out: undefined });
  t.equal(parseBenchArgs(['--help'], names), 'help');
});

t.test('bad flags say what is wrong', async (t) => {
  t.throws(() => parseBenchArgs(['--connections', '1.5'], names), UsageError);
  t.throws(() => parseBenchArgs(['--duration', '0'], names), /--duration 0/);
  t.throws(() => parseBenchArgs(['--only', 'envoy'], names), /unknown target\(s\) envoy/);
  t.throws(() => parseBenchArgs(['--nope'], names), UsageError);
});
