// `weftctl status`: for every resource, which revision is in force, how many proxies have applied
// it, and who rejected it with what error (the control plane's /debug/status).
import type { ResourceStatus } from '../resource-status.ts';
import { CliError, CONTROL_PLANE_OPTION, type Command, formatTable } from './command.ts';
import { getJson } from './control-plane-client.ts';

export function formatStatus(resources: readonly ResourceStatus[]): string {
  const rows = [['RESOURCE', 'REVISION', 'APPLIED', 'SOURCE', 'REJECTED BY']];
  for (const r of resources) {
    const rejected = r.nacks.map((n) => `${n.nodeId}: ${n.message}`).join('; ') || '-';
    rows.push([r.resource, r.revision, `${r.applied}/${r.proxies}`, r.origin, rejected]);
  }
  return formatTable(rows);
}

export const status: Command = {
  summary: 'per resource: revision in force, proxies that applied it, NACKs',
  help: `Usage: weftctl status [--control-plane HOST:PORT] [--json]

Options:
  --control-plane HOST:PORT   the control plane's monitoring address (default 127.0.0.1:15014)
  --json                      print the raw status as JSON
`,
  options: { ...CONTROL_PLANE_OPTION, json: { type: 'boolean', default: false } },
  async run(values, positionals) {
    if (positionals.length > 0)
      throw new CliError(`unexpected argument "${positionals[0]}" (see weftctl status --help)`);
    const { body } = await getJson<{ version: string; resources: ResourceStatus[] }>(
      String(values['control-plane']),
      '/debug/status',
    );
    if (values.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    else process.stdout.write(`config version ${body.version}\n${formatStatus(body.resources)}`);
    return 0;
  },
};
