// Local mode's config source: a folder of YAML (nested, multi-document). Every file is validated
// by the model; one invalid resource is rejected alone, and the last valid version of it stays in
// force, so a typo never takes a route away from running proxies.
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { type Diagnostic, loadResources, type Resource } from '../model/index.ts';

export interface SourceState {
  readonly resources: readonly Resource[];
  /** Errors and warnings of the last load; an error names a resource whose last valid version is kept. */
  readonly diagnostics: readonly Diagnostic[];
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function keyOf(r: Resource): string {
  return `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (EXTENSIONS.has(extname(entry.name))) out.push(path);
  }
  return out.sort();
}

export class FileSource {
  private lastValid = new Map<string, Resource>();
  private watcher: FSWatcher | undefined;

  constructor(
    readonly dir: string,
    private readonly options: { acceptIstioApi?: boolean } = {},
  ) {}

  /** Reads every file; resources that fail keep their last valid version. */
  async load(): Promise<SourceState> {
    const found = new Map<string, Resource>();
    const diagnostics: Diagnostic[] = [];
    const rejected = new Set<string>();
    // Files with an error that names none of the file's own last valid resources (YAML that does not
    // parse, a broken kind or name): which resource it was cannot be told, so all of the file's last valid
    // resources stay until it is fixed (a deletion in the same edit waits for the fix too).
    const damaged = new Set<string>();
    for (const file of await listFiles(this.dir)) {
      const text = await readFile(file, 'utf8');
      const label = relative(process.cwd(), file) || file;
      const result = loadResources(text, label, this.options);
      diagnostics.push(...result.errors, ...result.warnings);
      for (const error of result.errors) {
        rejected.add(error.resource);
        if (this.lastValid.get(error.resource)?.origin.file !== label) damaged.add(label);
      }
      for (const resource of result.resources) {
        const key = keyOf(resource);
        if (found.has(key)) {
          diagnostics.push({
            severity: 'error',
            file: resource.origin.file,
            line: resource.origin.line,
            resource: key,
            path: 'metadata.name',
            message: `${key} is also defined in ${found.get(key)!.origin.file}:${found.get(key)!.origin.line}; rename one of them`,
          });
          continue;
        }
        found.set(key, resource);
      }
    }
    // A rejected resource that was valid before stays in force with its last valid version.
    for (const [key, previous] of this.lastValid) {
      if (found.has(key)) continue;
      if (rejected.has(key) || damaged.has(previous.origin.file)) found.set(key, previous);
    }
    this.lastValid = found;
    return { resources: [...found.values()], diagnostics };
  }

  /** Calls `onChange` for every change under the folder (recursive). */
  watch(onChange: () => void): void {
    this.watcher = watch(this.dir, { recursive: true }, () => onChange());
    this.watcher.on('error', () => {});
  }

  close(): void {
    this.watcher?.close();
  }
}
