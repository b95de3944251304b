// Property-based fuzzing of the folder source's promise (issue 9): a bad edit never replaces a good
// resource. A good set is loaded, then one file is overwritten with a damaged version (any mutation,
// including YAML that no longer parses); every resource the folder held stays in force (its new
// version if that validated, else its last good one), and the proxy's translation is unchanged
// when the damaged file yields nothing new. Replay with WEFT_FUZZ_SEED=<seed>.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { describeFuzz, fuzzEnv, fuzzParameters } from '../../../test/lib/fuzz-env.ts';
import { endpointsOf } from '../mesh-endpoints.ts';
import { nearValidResource } from '../model/fuzz-arbitraries.ts';
import { toYaml, yamlFile } from '../model/fuzz-mutations.ts';
import { loadResources, type Resource } from '../model/index.ts';
import { translate } from '../translate/index.ts';
import { FileSource } from './files.ts';

const env = fuzzEnv();
t.comment(describeFuzz(env));
if (env.seconds !== undefined) t.setTimeout(0);

const keyOf = (r: Resource) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
const validText = nearValidResource
  .map((doc) => toYaml(doc))
  .filter((text) => {
    const result = loadResources(text, 'x.yaml');
    return result.errors.length === 0 && result.resources.length === 1;
  });
const proxy = {
  nodeId: 'sidecar~10.0.0.1~reviews-1.default',
  namespace: 'default',
  labels: { app: 'reviews' },
};
const snapshotOf = (rs: readonly Resource[]) =>
  JSON.stringify(translate(rs, proxy, { endpoints: endpointsOf(rs) }));

t.test('a damaged file never takes a good resource away', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-cp-fuzz-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let damaged = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(validText, {
        minLength: 1,
        maxLength: 4,
        selector: (text) => keyOf(loadResources(text, 'x').resources[0]!),
      }),
      fc.nat(),
      yamlFile,
      async (goods, which, bad) => {
        const run = mkdtempSync(path.join(dir, 'run-'));
        goods.forEach((text, i) => {
          writeFileSync(path.join(run, `${i}.yaml`), text);
        });
        const source = new FileSource(run);
        const before = await source.load();
        const target = path.join(run, `${which % goods.length}.yaml`);
        const fresh = loadResources(bad, path.relative(process.cwd(), target));
        fc.pre(fresh.errors.length > 0);
        damaged++;
        writeFileSync(target, bad);
        const after = await source.load();
        const afterByKey = new Map(after.resources.map((r) => [keyOf(r), r]));
        for (const r of before.resources) {
          const now = afterByKey.get(keyOf(r));
          if (!now) throw new Error(`${keyOf(r)} was taken away by a damaged ${path.basename(target)}`);
          // Its last good version, or a new valid one from the damaged file (which may now define,
          // first in file order, a resource another file holds).
          const valid = [r, ...fresh.resources.filter((f) => keyOf(f) === keyOf(r))];
          if (!valid.some((v) => JSON.stringify(v.spec) === JSON.stringify(now.spec)))
            throw new Error(`${keyOf(r)} is neither its last good version nor its new valid one`);
        }
        if (fresh.resources.length === 0 && snapshotOf(after.resources) !== snapshotOf(before.resources))
          throw new Error('the translated snapshot changed though the damaged file yields nothing valid');
        rmSync(run, { recursive: true, force: true });
      },
    ),
    fuzzParameters(80, env),
  );
  t.ok(damaged > 0, `damaged files were loaded (${damaged})`);
});
