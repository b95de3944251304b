// Property-based fuzzing of YAML loading and validation (issue 9): random near-valid and broken
// files through loadResources. Whatever the text, loading returns its findings as data (each placed
// at file, line, resource and field path) and never throws; what it accepts is plain data (no
// cycles) that is accepted again, unchanged, when written back out. Replay: WEFT_FUZZ_SEED=<seed>.
import fc from 'fast-check';
import t from 'tap';
import { stringify } from 'yaml';
import { describeFuzz, fuzzEnv, fuzzParameters } from '../../../test/lib/fuzz-env.ts';
import { yamlFile } from './fuzz-mutations.ts';
import { type Diagnostic, type LoadResult, loadResources, type Resource } from './index.ts';

const env = fuzzEnv();
t.comment(describeFuzz(env));
if (env.seconds !== undefined) t.setTimeout(0);

const FILE = 'fuzz/mesh.yaml';
const KINDS = ['VirtualService', 'DestinationRule', 'ServiceEntry', 'Sidecar', 'WorkloadEntry', 'Service'];

/** The problems with one finding, as text; empty when it names where and what. */
function malformed(d: Diagnostic, lineCount: number): string[] {
  const out: string[] = [];
  if (d.severity !== 'error' && d.severity !== 'warning') out.push(`severity ${d.severity}`);
  if (d.file !== FILE) out.push(`file ${d.file}`);
  if (!Number.isInteger(d.line) || d.line < 1 || d.line > lineCount + 1) out.push(`line ${d.line}`);
  if (typeof d.resource !== 'string' || d.resource === '') out.push('no resource');
  if (typeof d.path !== 'string') out.push('path is not text');
  if (typeof d.message !== 'string' || d.message.trim() === '') out.push('no message');
  return out;
}

function accepted(r: Resource): string[] {
  const out: string[] = [];
  if (!KINDS.includes(r.kind)) out.push(`kind ${String(r.kind)}`);
  if (typeof r.metadata.name !== 'string' || r.metadata.name === '') out.push('no name');
  if (typeof r.spec !== 'object' || r.spec === null || Array.isArray(r.spec)) out.push('spec not an object');
  try {
    JSON.stringify(r);
  } catch (err) {
    out.push(`not plain data: ${(err as Error).message}`);
  }
  return out;
}

function load(text: string): LoadResult {
  return loadResources(text, FILE, { acceptIstioApi: text.length % 2 === 0 });
}

t.test('loading any text returns findings as data, never throws', async (t) => {
  let findings = 0;
  let resources = 0;
  fc.assert(
    fc.property(yamlFile, (text) => {
      const result = load(text);
      const lineCount = text.split(/\r\n|\r|\n/).length;
      for (const d of [...result.errors, ...result.warnings]) {
        const problems = malformed(d, lineCount);
        if (problems.length > 0)
          throw new Error(`malformed finding ${JSON.stringify(d)}: ${problems.join(', ')}`);
      }
      for (const r of result.resources) {
        const problems = accepted(r);
        if (problems.length > 0) throw new Error(`accepted a bad resource: ${problems.join(', ')}`);
      }
      findings += result.errors.length + result.warnings.length;
      resources += result.resources.length;
    }),
    fuzzParameters(400, env),
  );
  // The generators must reach both outcomes, or the property says little.
  t.ok(findings > 0, `the files produced findings (${findings})`);
  t.ok(resources > 0, `the files produced valid resources (${resources})`);
});

t.test('an accepted resource, written back out, is accepted again unchanged', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(yamlFile, (text) => {
      for (const r of load(text).resources) {
        const { origin: _origin, ...body } = r;
        const again = loadResources(stringify(body), FILE, { acceptIstioApi: true });
        if (again.errors.length > 0)
          throw new Error(
            `rejected on reload: ${again.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
          );
        const { origin: _o2, ...bodyAgain } = again.resources[0]!;
        if (JSON.stringify(bodyAgain) !== JSON.stringify(body)) throw new Error('changed on reload');
        checked++;
      }
    }),
    fuzzParameters(300, env),
  );
  t.ok(checked > 0, `resources were reloaded (${checked})`);
});
