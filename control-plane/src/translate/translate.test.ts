// Golden files: every testdata/<case>/input.yaml is translated and compared with expected.json.
// `UPDATE_GOLDEN=1 npx tap control-plane/src/translate/translate.test.ts` rewrites the expected files; review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { caseNames, loadCase } from './case-loader.ts';
import { translate } from './index.ts';

const update = process.env.UPDATE_GOLDEN === '1';

for (const name of caseNames()) {
  t.test(name, async (t) => {
    const c = loadCase(name);
    const out = translate(c.resources, c.proxy, { endpoints: c.endpoints });
    const actual = `${JSON.stringify(out, null, 2)}\n`;
    const file = path.join(c.dir, 'expected.json');
    if (!update && !existsSync(file)) {
      t.fail(`${name}: expected.json is missing; run with UPDATE_GOLDEN=1 and review it`);
      return;
    }
    if (update) {
      writeFileSync(file, actual);
      t.pass(`wrote ${path.relative(process.cwd(), file)}`);
      return;
    }
    t.same(JSON.parse(actual), JSON.parse(readFileSync(file, 'utf8')), `${name} matches expected.json`);
  });
}

t.test('the translation is pure: same input, same output, input untouched', async (t) => {
  const c = loadCase(caseNames()[0]!);
  const before = JSON.stringify(c.resources);
  const a = translate(c.resources, c.proxy, { endpoints: c.endpoints });
  const b = translate(c.resources, c.proxy, { endpoints: c.endpoints });
  t.same(a, b);
  t.equal(JSON.stringify(c.resources), before);
});
