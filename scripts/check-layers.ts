// The layer rules of DESIGN.md §3, checked on every `npm test`:
//
//  1. No import cycles: neither between folders nor between files.
//  2. A folder's index.ts is its public face. A file may import any file of its own folder, but a file
//     of any other folder only through that folder's index.ts — sibling, parent, child or another
//     package alike (a sub-folder is a feature of its own: cluster/lb is reached as cluster/lb/index.ts
//     even from cluster/).
//
// Units. Every directory under a root (proxy/src, control-plane/src) is a folder, nested ones included.
// The files directly in a root (proxy.ts, cli.ts, log.ts, main.ts …) are not a feature folder: each is
// its own unit, imported by its path (there is no index to go through) and a node of its own in the
// folder graph — log.ts is the bottom layer, proxy.ts and cli.ts the top.
//
// `import type` counts for the folder rule, and for folder cycles: if compile needs cluster's types
// while cluster needs compile's, neither can be read, changed or tested without the other, though
// TypeScript erases the edge at run time; the intended layering (config → compile → runtime folders
// → proxy.ts) is about knowledge, not only evaluation order, and the next value import across such an
// edge becomes a runtime cycle. File cycles count value imports only: between two files of one folder
// the hazard a cycle brings is evaluation order (a class or constant read before its module ran), which
// type-only edges cannot cause, and a contract split over two files of one folder (compile/types.ts
// and compile/listener-types.ts) may name each other's types. A file cycle that crosses folders is
// a folder cycle anyway, types included.
//
// Edges are import and export-from declarations (type-only or not), `import('…')` calls and
// `import('…').T` type queries. Test files (*.test.ts) are left out: nothing imports them, so they
// cannot close a cycle, and a unit test may look inside the code it tests.
//
// Biome's noRestrictedImports matches import paths by pattern, with no notion of "the importer's own
// folder" or of cycles, and its noImportCycles works between files only; hence this script.
//
// Usage: node --import tsx scripts/check-layers.ts [root …]   (defaults: proxy/src control-plane/src)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface ImportEdge {
  /** The importing file, relative to the repository. */
  from: string;
  /** The imported file, relative to the repository. */
  to: string;
  specifier: string;
  line: number;
  typeOnly: boolean;
}

export interface Violation {
  kind: 'folder-cycle' | 'file-cycle' | 'reach-in';
  message: string;
}

export const DEFAULT_ROOTS = ['proxy/src', 'control-plane/src'];

/** Every import of a module's text, relative specifiers only (packages are outside the layers). */
export function parseImports(
  fileName: string,
  text: string,
): { specifier: string; line: number; typeOnly: boolean }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: { specifier: string; line: number; typeOnly: boolean }[] = [];
  const add = (literal: ts.Node, typeOnly: boolean): void => {
    if (!ts.isStringLiteralLike(literal) || !literal.text.startsWith('.')) return;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    found.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, isTypeOnlyExport(node));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      if (node.arguments[0]) add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import './x.ts'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((element) => element.isTypeOnly)
  );
}

function sourceFiles(repo: string, root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repo, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|mts|tsx)$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) files.push(rel);
    }
  };
  walk(root);
  return files.sort();
}

function resolveTarget(repo: string, from: string, specifier: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`]) {
    try {
      if (statSync(path.join(repo, candidate)).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** Every relative import edge of the roots' non-test sources. */
export function collectEdges(repo: string, roots: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const root of roots) {
    for (const from of sourceFiles(repo, root)) {
      for (const found of parseImports(from, readFileSync(path.join(repo, from), 'utf8'))) {
        const to = resolveTarget(repo, from, found.specifier);
        if (to !== undefined) edges.push({ from, to, ...found });
      }
    }
  }
  return edges;
}

/** The folder a file belongs to, or the file itself when it sits directly in a root. */
export function unitOf(file: string, roots: readonly string[]): string {
  const dir = path.posix.dirname(file);
  return roots.includes(dir) ? file : dir;
}

export function checkLayers(repo: string, roots: readonly string[] = DEFAULT_ROOTS): Violation[] {
  const edges = collectEdges(repo, roots);
  return [...reachIns(edges, roots), ...folderCycles(edges, roots), ...fileCycles(edges)];
}

function describe(edge: ImportEdge): string {
  return `${edge.from}:${edge.line} imports '${edge.specifier}'${edge.typeOnly ? ' (type only)' : ''}`;
}

function reachIns(edges: readonly ImportEdge[], roots: readonly string[]): Violation[] {
  const violations: Violation[] = [];
  for (const edge of edges) {
    const target = unitOf(edge.to, roots);
    if (target === edge.to) continue; // a root-level file: imported by its path
    if (target === path.posix.dirname(edge.from) || path.posix.basename(edge.to) === 'index.ts') continue;
    violations.push({
      kind: 'reach-in',
      message: `${describe(edge)}: another folder's file; import ${target}/index.ts instead (export it there)`,
    });
  }
  return violations;
}

function folderCycles(edges: readonly ImportEdge[], roots: readonly string[]): Violation[] {
  const between = new Map<string, ImportEdge[]>(); // "A\0B" → the imports that make A depend on B
  for (const edge of edges) {
    const from = unitOf(edge.from, roots);
    const to = unitOf(edge.to, roots);
    if (from === to) continue;
    const key = `${from}\0${to}`;
    between.set(key, [...(between.get(key) ?? []), edge]);
  }
  return tangles('folder-cycle', between);
}

function fileCycles(edges: readonly ImportEdge[]): Violation[] {
  const between = new Map<string, ImportEdge[]>();
  for (const edge of edges) {
    if (edge.typeOnly) continue;
    const key = `${edge.from}\0${edge.to}`;
    between.set(key, [...(between.get(key) ?? []), edge]);
  }
  return tangles('file-cycle', between);
}

/**
 * One violation per tangle (units joined by cycles): its cycles, then every import on them, once per
 * hop, the hops on the most cycles first. One wrong-way import usually closes many cycles at once;
 * it is then the hop that is on all of them.
 */
function tangles(
  kind: 'folder-cycle' | 'file-cycle',
  between: ReadonlyMap<string, ImportEdge[]>,
): Violation[] {
  const graph = new Map<string, Set<string>>();
  for (const key of between.keys()) {
    const [from, to] = key.split('\0') as [string, string];
    addEdge(graph, from, to);
  }
  const leader = new Map<string, string>(); // union-find over units: cycles sharing a unit tangle
  const find = (unit: string): string => {
    const up = leader.get(unit) ?? unit;
    if (up === unit) return unit;
    const root = find(up);
    leader.set(unit, root);
    return root;
  };
  const found = cycles(graph);
  for (const cycle of found) for (const unit of cycle) leader.set(find(unit), find(cycle[0]!));
  const groups = new Map<string, string[][]>();
  for (const cycle of found) groups.set(find(cycle[0]!), [...(groups.get(find(cycle[0]!)) ?? []), cycle]);
  return [...groups.values()].map((group) => {
    const onCycles = new Map<string, number>();
    for (const cycle of group) {
      cycle.forEach((unit, i) => {
        const key = `${unit}\0${cycle[(i + 1) % cycle.length]}`;
        onCycles.set(key, (onCycles.get(key) ?? 0) + 1);
      });
    }
    const hops = [...onCycles]
      .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
      .map(([key, count]) => {
        const [from, to] = key.split('\0');
        const imports = between.get(key)!.map((edge) => `      ${describe(edge)}`);
        return `    ${from} → ${to} (on ${count} of ${group.length}):\n${imports.join('\n')}`;
      });
    const noun = kind === 'folder-cycle' ? 'folder' : 'file';
    const lines = group.map((cycle) => `    ${[...cycle, cycle[0]].join(' → ')}`);
    return {
      kind,
      message:
        `${group.length} ${noun} cycle${group.length > 1 ? 's' : ''}:\n${lines.join('\n')}\n` +
        `  made by these imports, the hops on the most cycles first:\n${hops.join('\n')}`,
    };
  });
}

function addEdge(graph: Map<string, Set<string>>, from: string, to: string): void {
  if (!graph.has(from)) graph.set(from, new Set());
  if (!graph.has(to)) graph.set(to, new Set());
  graph.get(from)!.add(to);
}

/**
 * The cycles to report: for every edge A → B that lies on some cycle, the shortest path back from B to
 * A closes one; duplicates (the same cycle reached from another of its edges) are dropped. Every
 * cyclic edge is thus covered by at least one reported cycle, and the count stays bounded by the edges.
 */
export function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const found = new Map<string, string[]>();
  for (const [from, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    for (const to of [...targets].sort()) {
      const back = shortestPath(graph, to, from);
      if (back === undefined) continue;
      const cycle = back; // to … from, then the edge from → to closes it
      const start = cycle.indexOf([...cycle].sort()[0]!);
      const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
      found.set(canonical.join('\0'), canonical);
    }
  }
  return [...found.values()].sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()));
}

function shortestPath(
  graph: ReadonlyMap<string, ReadonlySet<string>>,
  from: string,
  to: string,
): string[] | undefined {
  const previous = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    if (node === to) {
      const path: string[] = [];
      for (let at: string | null = to; at !== null; at = previous.get(at)!) path.unshift(at);
      return path;
    }
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

function main(): void {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const roots = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_ROOTS;
  const violations = checkLayers(repo, roots);
  if (violations.length === 0) {
    console.log(`layers: ${roots.join(', ')}: no cycles, every cross-folder import goes through index.ts`);
    return;
  }
  const counts = new Map<string, number>();
  for (const violation of violations) {
    counts.set(violation.kind, (counts.get(violation.kind) ?? 0) + 1);
    console.error(`${violation.kind}: ${violation.message}`);
  }
  const summary = [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
  console.error(`\nlayers: ${summary} (rules: scripts/check-layers.ts, docs/architecture.md)`);
  process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
