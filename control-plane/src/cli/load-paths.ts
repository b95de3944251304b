// Files and folders → validated resources, exactly as the control plane loads them: a folder goes
// through the control plane's own FileSource (same file selection, same duplicate rule), a file
// named on the command line through the same model loader. The same resource in two of the given
// paths is reported as the control plane reports duplicates within its folder.
import { readFile, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { type Diagnostic, type LoadOptions, loadResources, type Resource } from '../model/index.ts';
import { FileSource } from '../sources/index.ts';
import { CliError } from './command.ts';

export interface LoadedPaths {
  readonly resources: Resource[];
  /** Errors and warnings, in file and line order. */
  readonly diagnostics: Diagnostic[];
}

export async function loadPaths(paths: readonly string[], options: LoadOptions): Promise<LoadedPaths> {
  const resources = new Map<string, Resource>();
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new CliError(`cannot read ${path}: no such file or folder`);
    let found: { resources: readonly Resource[]; diagnostics: readonly Diagnostic[] };
    if (info.isDirectory()) {
      found = await new FileSource(path, options).load();
    } else {
      const file = relative(process.cwd(), path) || path;
      const result = loadResources(await readFile(path, 'utf8'), file, options);
      found = { resources: result.resources, diagnostics: [...result.errors, ...result.warnings] };
    }
    diagnostics.push(...found.diagnostics);
    for (const resource of found.resources) {
      const key = `${resource.kind} ${resource.metadata.namespace}/${resource.metadata.name}`;
      const first = resources.get(key);
      if (!first) {
        resources.set(key, resource);
        continue;
      }
      if (first.origin.file === resource.origin.file && first.origin.line === resource.origin.line) continue;
      diagnostics.push({
        severity: 'error',
        file: resource.origin.file,
        line: resource.origin.line,
        resource: key,
        path: 'metadata.name',
        message: `${key} is also defined in ${first.origin.file}:${first.origin.line}; rename one of them`,
      });
    }
  }
  diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { resources: [...resources.values()], diagnostics };
}
