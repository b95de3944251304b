// Mutations for the fuzz generators, as a person or a broken tool would make them: wrong types,
// missing fields, huge or negative numbers, odd durations, unicode, deep nesting, shared nodes (YAML
// anchors and aliases), cycles, duplicate keys and damaged YAML text, multi-document files.
import fc, { type Arbitrary } from 'fast-check';
import { stringify } from 'yaml';
import { nearValidResource, ODD_DURATIONS } from './fuzz-arbitraries.ts';

type Obj = Record<string, unknown>;
const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
/** Values a mistaken edit puts where something else belongs. */
export const oddValue: Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    2 ** 31,
    2 ** 32,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    '*',
    '.',
    '~',
    '0',
    'null',
    'yes',
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  pick(ODD_DURATIONS),
  fc.constantFrom([], {}, [null], { value: 'x' }, ['a', 1]),
  fc.constantFrom('constructor', '__proto__', 'toString').map((k) => ({ [k]: 1 })),
);

type Mutation =
  | { op: 'replace' | 'wrap'; at: number; value: unknown; depth: number }
  | { op: 'delete' | 'share'; at: number; from: number }
  | { op: 'addKey'; at: number; key: string; value: unknown };

const mutation: Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: oddValue, depth: fc.constant(0) }),
  fc.record({
    op: fc.constant('wrap' as const),
    at: fc.nat(),
    value: oddValue,
    depth: fc.integer({ min: 1, max: 60 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), from: fc.nat() }),
  fc.record({ op: fc.constant('share' as const), at: fc.nat(), from: fc.nat() }),
  fc.record({
    op: fc.constant('addKey' as const),
    at: fc.nat(),
    key: fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'status', 'spec'),
    ),
    value: oddValue,
  }),
);

/** Every container and its key, pre-order, so a mutation can name a node by index. */
function slots(root: unknown): Array<{ parent: Obj | unknown[]; key: string | number }> {
  const out: Array<{ parent: Obj | unknown[]; key: string | number }> = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown) => {
    if (seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node))
      node.forEach((v, i) => {
        out.push({ parent: node, key: i });
        visit(v);
      });
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node as Obj, key: k });
        visit(v);
      }
  };
  visit(root);
  return out;
}

function applyMutation(doc: Obj, m: Mutation): void {
  const all = slots(doc);
  if (all.length === 0) return;
  const { parent, key } = all[m.at % all.length]!;
  const set = (v: unknown) => {
    if (Array.isArray(parent)) parent[key as number] = v;
    else
      Object.defineProperty(parent, key, { value: v, enumerable: true, writable: true, configurable: true });
  };
  const current = (parent as Record<string | number, unknown>)[key];
  switch (m.op) {
    case 'replace':
      return set(structuredClone(m.value));
    case 'wrap': {
      let v: unknown = current;
      for (let i = 0; i < m.depth; i++) v = i % 2 ? [v] : { [String(key)]: v };
      return set(v);
    }
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return;
    case 'share': {
      // The same object in two places: the YAML writer emits an anchor and an alias for it.
      const other = all[m.from % all.length]!;
      const v = (other.parent as Record<string | number, unknown>)[other.key];
      if (v && typeof v === 'object' && v !== parent) set(v);
      return;
    }
    case 'addKey':
      if (current && typeof current === 'object' && !Array.isArray(current))
        Object.defineProperty(current, m.key, {
          value: structuredClone(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
  }
}

/** A resource with 0 to 3 mutations (none about a third of the time). */
export const mutatedResource: Arbitrary<Obj> = fc
  .tuple(nearValidResource, fc.array(mutation, { maxLength: 3 }))
  .map(([doc, mutations]) => {
    const copy = structuredClone(doc);
    for (const m of mutations) applyMutation(copy, m);
    return copy;
  });

/** YAML text for a resource; `aliasDuplicateObjects` turns shared nodes into anchors and aliases. */
export function toYaml(doc: unknown): string {
  try {
    return stringify(doc, { aliasDuplicateObjects: true, lineWidth: 0 });
  } catch {
    return 'unwritable: true\n';
  }
}

/** JSON is YAML too (flow style); a cycle cannot be written as JSON, so it goes out as YAML. */
function toJsonLine(doc: unknown): string {
  try {
    return `${JSON.stringify(doc) ?? 'null'}\n`;
  } catch {
    return toYaml(doc);
  }
}

type TextDamage =
  | { op: 'insert'; at: number; text: string }
  | { op: 'truncate' | 'duplicateLine' | 'tabIndent'; at: number };

const textDamage: Arbitrary<TextDamage> = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(
        ':',
        '- ',
        '{',
        ']',
        '"',
        "'",
        '&a ',
        '*a',
        '*nope',
        '!!binary ',
        '!weird ',
        '? ',
        '\t',
        '\n---\n',
        '\n...\n',
        '%YAML 1.1\n',
        '<<: *a\n',
        '#',
        '\u0000',
        '\uFEFF',
        '\r',
      ),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    ),
  }),
  fc.record({
    op: fc.constantFrom('truncate' as const, 'duplicateLine' as const, 'tabIndent' as const),
    at: fc.nat(),
  }),
);

function damage(text: string, d: TextDamage): string {
  const lines = text.split('\n');
  const line = d.at % Math.max(1, lines.length);
  switch (d.op) {
    case 'insert': {
      const at = d.at % (text.length + 1);
      return text.slice(0, at) + d.text + text.slice(at);
    }
    case 'truncate':
      return text.slice(0, d.at % (text.length + 1));
    case 'duplicateLine': // a repeated key, when the line is a `key: value`
      return [...lines.slice(0, line + 1), ...lines.slice(line)].join('\n');
    case 'tabIndent':
      return lines.map((l, i) => (i === line ? l.replace(/^ +/, '\t') : l)).join('\n');
  }
}

/** Thousands of aliases expanding one anchor: the "billion laughs" shape. */
const aliasBomb = fc.integer({ min: 2, max: 12 }).map((width) => {
  const rows = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 6; i++)
    rows.push(
      `${'abcdef'[i]}: &${'abcdef'[i]} [${Array(width)
        .fill(`*${'abcdef'[i - 1]}`)
        .join(', ')}]`,
    );
  return `apiVersion: v1\nkind: Service\nmetadata: {name: bomb}\nspec:\n  ports: [{port: 80}]\n  x:\n${rows.map((r) => `    ${r}`).join('\n')}\n`;
});

/** A whole file: one or more (mutated) resources as YAML documents, sometimes damaged as text. */
export const yamlFile: Arbitrary<string> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(
        fc.array(mutatedResource, { minLength: 1, maxLength: 3 }),
        fc.array(textDamage, { maxLength: 2 }),
        fc.boolean(),
      )
      .map(([docs, damages, flow]) => {
        let text = docs.map((d) => (flow ? toJsonLine(d) : toYaml(d))).join('---\n');
        for (const d of damages) text = damage(text, d);
        return text;
      }),
  },
  { weight: 1, arbitrary: aliasBomb },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '---',
      '--- |\n  x',
      '- a\n- b',
      'a: &x [*x]',
      '&r {self: *r}',
      'x: !!str',
      '{]',
      'null',
      '42',
    ),
  },
);
