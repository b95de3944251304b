import t from 'tap';
import { Debouncer } from './debounce.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a burst of changes fires once, after the quiet period', async (t) => {
  let fired = 0;
  const d = new Debouncer(40, 1000, () => fired++);
  for (let i = 0; i < 5; i++) {
    d.touch();
    await sleep(10);
  }
  t.equal(fired, 0, 'not during the burst');
  await sleep(80);
  t.equal(fired, 1, 'once after it');
});

t.test('a change stream that never goes quiet still fires at the max delay', async (t) => {
  let fired = 0;
  const d = new Debouncer(40, 150, () => fired++);
  const started = Date.now();
  while (Date.now() - started < 260) {
    d.touch();
    await sleep(15);
  }
  d.cancel();
  t.ok(fired >= 1, `fired ${fired} time(s) within 260 ms of constant changes (max 150 ms)`);
});

t.test('flush fires at once; nothing pending and not forced → nothing', async (t) => {
  let fired = 0;
  const d = new Debouncer(1000, 5000, () => fired++);
  d.flush();
  t.equal(fired, 0);
  d.touch();
  d.flush();
  t.equal(fired, 1);
  d.flush(true);
  t.equal(fired, 2);
});
