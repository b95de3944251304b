import t from 'tap';
import { InterceptUsageError, parseInterceptArgs } from './intercept-args.ts';

const names = ['direct', 'explicit', 'intercept'];

t.test('defaults', async (t) => {
  t.same(parseInterceptArgs([], names), {
    durationSec: 10,
    connections: 50,
    rate: 1000,
    rounds: 1,
    fresh: 500,
    only: undefined,
    out: undefined,
  });
  t.equal(parseInterceptArgs(['-h'], names), 'help');
});

t.test('flags', async (t) => {
  t.same(
    parseInterceptArgs(
      [
        '--duration',
        '3',
        '--rounds',
        '5',
        '--fresh',
        '0',
        '--only',
        'intercept, explicit',
        '--out',
        'x.json',
      ],
      names,
    ),
    {
      durationSec: 3,
      connections: 50,
      rate: 1000,
      rounds: 5,
      fresh: 0,
      only: ['intercept', 'explicit'],
      out: 'x.json',
    },
  );
});

t.test('mistakes name the flag', async (t) => {
  t.throws(
    () => parseInterceptArgs(['--rounds', '0'], names),
    /--rounds 0: expected an integer in \[1, 50\]/,
  );
  t.throws(() => parseInterceptArgs(['--fresh', ''], names), /--fresh : expected an integer/);
  t.throws(() => parseInterceptArgs(['--rate', 'fast'], names), /--rate fast/);
  t.throws(
    () => parseInterceptArgs(['--only', 'haproxy'], names),
    /unknown target\(s\) haproxy; known: direct/,
  );
  t.throws(() => parseInterceptArgs(['--only', ','], names), InterceptUsageError);
  t.throws(() => parseInterceptArgs(['--bogus'], names), InterceptUsageError);
  t.throws(() => parseInterceptArgs(['positional'], names), InterceptUsageError);
});
