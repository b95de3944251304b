// `weftctl validate PATH...`: every error and warning the control plane would report for these
// files, one per line as `file:line: Kind ns/name: field.path: message`, and a summary. Exit 1 when
// any resource would be rejected; warnings alone pass.
import type { Diagnostic } from '../model/index.ts';
import { CliError, type Command, count } from './command.ts';
import { loadPaths } from './load-paths.ts';

export function formatDiagnostic(d: Diagnostic): string {
  const where = [`${d.file}:${d.line}`, d.resource, ...(d.path ? [d.path] : [])].join(': ');
  return `${where}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

export const validate: Command = {
  summary: 'check files and folders of resources as the control plane would (exit 1 on errors)',
  help: `Usage: weftctl validate PATH... [--accept-istio-api] [--json]

Validates every resource in the files and folders given (folders recursively; YAML, multi-document)
with the control plane's own loader, and prints each error and warning as
  file:line: Kind namespace/name: field.path: message
Exits 1 when any resource is invalid, 0 otherwise (warnings alone do not fail).

Options:
  --accept-istio-api   accept networking.istio.io/{v1,v1beta1,v1alpha3} as the control plane does with this flag
  --json               print {resources, errors, warnings, diagnostics} as JSON
`,
  options: {
    'accept-istio-api': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  async run(values, paths) {
    if (paths.length === 0) throw new CliError('name at least one file or folder: weftctl validate PATH...');
    const loaded = await loadPaths(paths, { acceptIstioApi: values['accept-istio-api'] === true });
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = loaded.diagnostics.length - errors;
    if (values.json) {
      const body = { resources: loaded.resources.length, errors, warnings, diagnostics: loaded.diagnostics };
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
      for (const d of loaded.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
      const valid = count(loaded.resources.length, 'valid resource');
      const verdict = errors > 0 ? 'invalid' : 'valid';
      process.stdout.write(
        `${paths.join(' ')}: ${verdict}: ${count(errors, 'error')}, ${count(warnings, 'warning')}, ${valid}\n`,
      );
    }
    return errors > 0 ? 1 : 0;
  },
};
