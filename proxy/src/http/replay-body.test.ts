import { PassThrough, type Readable } from 'node:stream';
import t from 'tap';
import { ReplayableBody } from './replay-body.ts';

async function drain(r: Readable): Promise<string> {
  let out = '';
  for await (const c of r) out += c.toString();
  return out;
}

t.test('a reader made after data arrived replays it, then follows the live stream', async (t) => {
  const src = new PassThrough();
  const body = new ReplayableBody(src, 1024);
  const first = body.reader()!;
  src.write('ab');
  await new Promise((r) => setImmediate(r));
  const second = body.reader()!;
  src.end('cd');
  t.equal(await drain(first), 'abcd');
  t.equal(await drain(second), 'abcd');
  t.equal(body.receivedBytes, 4);
  t.ok(body.complete);
  t.equal(body.buffered()?.toString(), 'abcd');
  t.equal(await drain(body.reader()!), 'abcd', 'a reader made after the end replays everything');
});

t.test('past the cap: existing readers continue, no new readers', async (t) => {
  const src = new PassThrough();
  const body = new ReplayableBody(src, 3);
  const reader = body.reader()!;
  src.end('abcdef');
  t.equal(await drain(reader), 'abcdef');
  t.notOk(body.replayable);
  t.equal(body.reader(), undefined);
  t.equal(body.buffered(), undefined);
});

t.test('a source error reaches the readers', async (t) => {
  const src = new PassThrough();
  const body = new ReplayableBody(src, 100);
  const reader = body.reader()!;
  src.destroy(new Error('boom'));
  await t.rejects(drain(reader), /boom/);
});
