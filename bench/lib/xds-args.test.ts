import t from 'tap';
import { UsageError } from './args.ts';
import { fdLimitProblem, openFilesLimit, parseXdsBenchArgs } from './xds-args.ts';

t.test('defaults and flags', async (t) => {
  t.same(parseXdsBenchArgs([]), {
    proxies: 1000,
    changes: 5,
    workers: 2,
    services: 50,
    namespaces: 5,
    connectConcurrency: 100,
    timeoutSec: 180,
    out: undefined,
  });
  const a = parseXdsBenchArgs(['--proxies', '1', '--workers', '4', '--changes', '0']);
  t.equal(a === 'help' ? 0 : a.workers, 1, 'never more workers than proxies');
  t.equal(parseXdsBenchArgs(['--help']), 'help');
  t.throws(() => parseXdsBenchArgs(['--proxies', '0']), /--proxies 0: expected an integer in \[1, 100000\]/);
  t.throws(() => parseXdsBenchArgs(['--nope']), UsageError);
});

t.test('open files: read from /proc limits, explained when too low', async (t) => {
  const limits = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
`;
  t.same(openFilesLimit(limits), { soft: 1024, hard: 524288 });
  t.equal(openFilesLimit('nothing here'), undefined);
  t.equal(fdLimitProblem(500, { soft: 1024, hard: 4096 }), undefined);
  t.match(
    fdLimitProblem(1000, { soft: 1024, hard: 4096 }),
    /needs about 1256 open files.*limit is 1024.*ulimit -n 4096/,
  );
  t.match(
    fdLimitProblem(5000, { soft: 1024, hard: 4096 }),
    /ulimit -n 5256 \(as root: the hard limit is 4096\)/,
  );
  t.equal(fdLimitProblem(10, undefined), undefined, 'no /proc: nothing to check');
});
