// Collects findings for one resource and places each at the line of the field it names, by walking the
// YAML node tree along the field path. Validators see plain values and paths, never YAML nodes.
import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { Diagnostic, Severity } from './types.ts';

export type Path = readonly (string | number)[];

/** `['spec', 'http', 1, 'route']` → `spec.http[1].route`; odd map keys are quoted: `headers["x-user"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  resource: string;

  constructor(
    readonly file: string,
    private readonly root: Node | null,
    private readonly lines: LineCounter,
    resource: string,
  ) {
    this.resource = resource;
  }

  error(path: Path, message: string): void {
    this.add('error', path, message);
  }

  warn(path: Path, message: string): void {
    this.add('warning', path, message);
  }

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  private add(severity: Severity, path: Path, message: string): void {
    this.diagnostics.push({
      severity,
      file: this.file,
      line: this.lineOf(path),
      resource: this.resource,
      path: formatPath(path),
      message,
    });
  }

  /** Line of the field's key when it exists, else of its deepest existing ancestor. */
  lineOf(path: Path): number {
    let node: unknown = this.root;
    let offset = (this.root?.range?.[0] as number | undefined) ?? 0;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return this.lines.linePos(offset).line;
  }
}
