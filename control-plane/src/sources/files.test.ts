import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FileSource } from './files.ts';

const vs = (weight: number | string) => `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: { host: reviews, subset: v1 }
          weight: ${weight}
        - destination: { host: reviews, subset: v2 }
          weight: 10
`;
const dr = `apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;

t.test(
  'nested folders and multi-document files load; an invalid resource keeps its last valid version',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-src-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'team-a'));
    await writeFile(join(dir, 'team-a', 'reviews.yaml'), `${vs(90)}---\n${dr}`);
    const source = new FileSource(dir);
    let state = await source.load();
    t.same(state.resources.map((r) => `${r.kind}/${r.metadata.name}`).sort(), [
      'DestinationRule/reviews',
      'VirtualService/reviews',
    ]);
    t.same(state.diagnostics, []);

    await writeFile(join(dir, 'team-a', 'reviews.yaml'), `${vs('"ninety"')}---\n${dr}`);
    state = await source.load();
    const kept = state.resources.find((r) => r.kind === 'VirtualService');
    t.ok(kept, 'the rejected VirtualService stays in force');
    t.match(JSON.stringify(kept?.spec), /"weight":90/, 'with its last valid spec');
    const error = state.diagnostics.find((d) => d.severity === 'error');
    t.match(error, { resource: 'VirtualService default/reviews', path: 'spec.http[0].route[0].weight' });
    t.match(error?.file, 'reviews.yaml');

    await writeFile(join(dir, 'team-a', 'reviews.yaml'), dr);
    state = await source.load();
    t.same(
      state.resources.map((r) => r.kind),
      ['DestinationRule'],
      'a deleted resource goes away',
    );
  },
);

t.test('the same resource in two files is an error naming both', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-src-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.yaml'), dr);
  await writeFile(join(dir, 'b.yaml'), dr);
  const state = await new FileSource(dir).load();
  t.equal(state.resources.length, 1);
  t.match(state.diagnostics[0]?.message, /also defined in .*a\.yaml:1/);
});

t.test('watch reports changes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-src-'));
  const source = new FileSource(dir);
  t.teardown(async () => {
    source.close();
    await rm(dir, { recursive: true, force: true });
  });
  let changes = 0;
  source.watch(() => changes++);
  await writeFile(join(dir, 'dr.yaml'), dr);
  const deadline = Date.now() + 2000;
  while (changes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.ok(changes > 0, 'a write was seen');
});

t.test('a file whose YAML no longer parses keeps all its last valid resources', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-files-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'reviews.yaml'), `${vs(90)}---\n${dr}`);
  const source = new FileSource(dir);
  const good = await source.load();
  t.equal(good.resources.length, 2);
  // Found by sources/fuzz.test.ts: a tab indentation error names "document at line N", no resource.
  await writeFile(join(dir, 'reviews.yaml'), `${vs(90).replace('  hosts', '\thosts')}---\n${dr}`);
  const broken = await source.load();
  t.same(broken.resources.map((r) => `${r.kind} ${r.metadata.name}`).sort(), [
    'DestinationRule reviews',
    'VirtualService reviews',
  ]);
  t.same(
    broken.resources.find((r) => r.kind === 'VirtualService')?.spec,
    good.resources.find((r) => r.kind === 'VirtualService')?.spec,
  );
  t.ok(broken.diagnostics.some((d) => d.severity === 'error' && /invalid YAML/.test(d.message)));
  // Fixed again: the file's own resources are read afresh, and a resource deleted from it goes.
  await writeFile(join(dir, 'reviews.yaml'), vs(50));
  const fixed = await source.load();
  t.same(
    fixed.resources.map((r) => r.kind),
    ['VirtualService'],
  );
});

t.test(
  'an invalid copy of a resource defined in another file does not take this file’s resources away',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-files-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'a.yaml'), dr);
    await writeFile(join(dir, 'b.yaml'), vs(90));
    const source = new FileSource(dir);
    t.equal((await source.load()).resources.length, 2);
    // Found by sources/fuzz.test.ts (long run): a.yaml now holds only an invalid copy of b.yaml's resource.
    await writeFile(join(dir, 'a.yaml'), vs('"ninety"'));
    const after = await source.load();
    t.same(after.resources.map((r) => r.kind).sort(), ['DestinationRule', 'VirtualService']);
  },
);
