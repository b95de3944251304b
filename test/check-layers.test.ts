// The layer checker (scripts/check-layers.ts) on small trees written to a temp folder: a clean tree
// passes, and each rule names the file, line and import that breaks it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { checkLayers, parseImports, type Violation } from '../scripts/check-layers.ts';

function tree(t: Pick<Test, 'teardown'>, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-layers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const kinds = (violations: readonly Violation[]) => violations.map((v) => v.kind);

// config ← feature ← compile ← main.ts, each folder entered through its index; a root-level file
// (log.ts) is imported by its path; a test may reach into anything.
const CLEAN = {
  'src/log.ts': 'export const log = 1;\n',
  'src/config/index.ts': "export { readField } from './fields.ts';\n",
  'src/config/fields.ts': "import { log } from '../log.ts';\nexport const readField = log;\n",
  'src/compile/index.ts': "export { compile } from './compile.ts';\nexport type * from './types.ts';\n",
  'src/compile/types.ts': "import type { Lb } from './lb/index.ts';\nexport interface Table { lb: Lb }\n",
  'src/compile/compile.ts':
    "import { readField } from '../config/index.ts';\nimport { lb } from './lb/index.ts';\nexport const compile = readField + lb;\n",
  'src/compile/lb/index.ts': "export { lb, type Lb } from './lb.ts';\n",
  'src/compile/lb/lb.ts':
    "import { readField } from '../../config/index.ts';\nexport type Lb = 1;\nexport const lb = readField;\n",
  'src/main.ts':
    "import { compile, type Table } from './compile/index.ts';\nexport const t: Table | number = compile;\n",
  'src/main.test.ts': "import { lb } from './compile/lb/lb.ts';\nimport { main } from './main.ts';\n",
};

t.test('a layered tree passes', async (t) => {
  t.same(checkLayers(tree(t, CLEAN), ['src']), []);
});

t.test("another folder's file, reached past its index, is named with file and line", async (t) => {
  const dir = tree(t, {
    ...CLEAN,
    'src/main.ts':
      "import { readField } from './config/fields.ts';\nimport { lb } from './compile/lb/lb.ts';\n",
    // a parent reaching into its own sub-folder is a reach-in too
    'src/compile/compile.ts': "import { lb } from './lb/lb.ts';\nexport const compile = lb;\n",
  });
  const violations = checkLayers(dir, ['src']);
  t.same(kinds(violations), ['reach-in', 'reach-in', 'reach-in']);
  t.match(violations[0]!.message, "src/compile/compile.ts:1 imports './lb/lb.ts'");
  t.match(violations[0]!.message, 'import src/compile/lb/index.ts instead');
  t.match(violations[1]!.message, "src/main.ts:1 imports './config/fields.ts'");
  t.match(violations[2]!.message, "src/main.ts:2 imports './compile/lb/lb.ts'");
});

t.test(
  'a folder cycle names every import on it, type-only ones included, the shared hop first',
  async (t) => {
    const dir = tree(t, {
      ...CLEAN,
      // config (the bottom layer) reaches up for a type of compile's: config → compile → config
      'src/config/fields.ts':
        "import type { Table } from '../compile/index.ts';\nexport const readField: Table | 1 = 1;\n",
    });
    const violations = checkLayers(dir, ['src']);
    t.same(kinds(violations), ['folder-cycle'], 'one tangle, one violation');
    const message = violations[0]!.message;
    t.match(message, /^2 folder cycles:\n/);
    t.match(message, '    src/compile → src/config → src/compile\n');
    // the longer way round, through the nested folder, is a cycle of its own
    t.match(message, '    src/compile → src/compile/lb → src/config → src/compile\n');
    const hops = message.split('made by these imports')[1]!;
    t.match(
      hops,
      /^[^\n]*\n {4}src\/config → src\/compile \(on 2 of 2\):\n {6}src\/config\/fields.ts:1 imports '..\/compile\/index.ts' \(type only\)\n/,
      'the wrong-way import, on every cycle, comes first',
    );
    t.match(hops, "src/compile/compile.ts:1 imports '../config/index.ts'");
  },
);

t.test('a file cycle counts value imports only', async (t) => {
  const valueCycle = tree(t, {
    ...CLEAN,
    'src/compile/types.ts': "import { compile } from './compile.ts';\nexport const again = compile;\n",
    'src/compile/compile.ts': "import { again } from './types.ts';\nexport const compile = again;\n",
  });
  const violations = checkLayers(valueCycle, ['src']);
  t.same(kinds(violations), ['file-cycle']);
  t.match(
    violations[0]!.message,
    '1 file cycle:\n    src/compile/compile.ts → src/compile/types.ts → src/compile/compile.ts\n',
  );
  t.match(violations[0]!.message, "src/compile/types.ts:1 imports './compile.ts'");

  const typeCycle = tree(t, {
    ...CLEAN,
    'src/compile/types.ts':
      "import type { compile } from './compile.ts';\nexport type Again = typeof compile;\n",
    'src/compile/compile.ts':
      "import type { Again } from './types.ts';\nexport const compile: Again | 1 = 1;\n",
  });
  t.same(checkLayers(typeCycle, ['src']), [], 'two files of one folder may name each other’s types');
});

t.test('every form of import is an edge, and type-only ones are marked', async (t) => {
  const text = [
    "import type { A } from './a.ts';",
    "import { type B, type C } from './b.ts';",
    "import { type D, e } from './d.ts';",
    "import './side-effect.ts';",
    "export { f } from './f.ts';",
    "export type { G } from './g.ts';",
    "export * from './h.ts';",
    "const lazy = () => import('./lazy.ts');",
    "let q: import('./query.ts').Q;",
    "import { readFile } from 'node:fs';",
  ].join('\n');
  t.same(
    parseImports('x.ts', text).map(
      ({ specifier, typeOnly }) => `${specifier} ${typeOnly ? 'type' : 'value'}`,
    ),
    [
      './a.ts type',
      './b.ts type',
      './d.ts value',
      './side-effect.ts value',
      './f.ts value',
      './g.ts type',
      './h.ts value',
      './lazy.ts value',
      './query.ts type',
    ],
  );
  t.same(
    parseImports('x.ts', text).map((found) => found.line),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});
