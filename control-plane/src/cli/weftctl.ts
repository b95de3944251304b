// weftctl: the operator CLI. `weftctl status` shows, for every resource, which revision is in
// force, how many proxies have applied it, and who rejected it with what error.
import { parseArgs } from 'node:util';
import type { ResourceStatus } from '../resource-status.ts';

const HELP = `weftctl — operate a Weft mesh

Usage:
  weftctl status [--control-plane HOST:PORT]   per resource: revision, proxies that applied it, NACKs
  weftctl --help

Options:
  --control-plane HOST:PORT   the control plane's monitoring address (default 127.0.0.1:15014)
  --json                      print the raw status as JSON
`;

function fail(message: string): never {
  process.stderr.write(`weftctl: ${message}\n`);
  process.exit(1);
}

export function formatStatus(resources: readonly ResourceStatus[]): string {
  const rows = [['RESOURCE', 'REVISION', 'APPLIED', 'SOURCE', 'REJECTED BY']];
  for (const r of resources) {
    const rejected = r.nacks.map((n) => `${n.nodeId}: ${n.message}`).join('; ') || '-';
    rows.push([r.resource, r.revision, `${r.applied}/${r.proxies}`, r.origin, rejected]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return `${rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        'control-plane': { type: 'string', default: '127.0.0.1:15014' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  }
  try {
    parsed = parse();
  } catch (err) {
    fail(`${(err as Error).message} (see --help)`);
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    process.stdout.write(HELP);
    return;
  }
  if (command !== 'status' || rest.length > 0)
    fail(`unknown command "${parsed.positionals.join(' ')}" (see --help)`);
  const address = parsed.values['control-plane'];
  let body: { version: string; resources: ResourceStatus[] };
  try {
    const response = await fetch(`http://${address}/debug/status`);
    body = (await response.json()) as typeof body;
  } catch (err) {
    fail(`cannot reach the control plane at ${address}: ${(err as Error).message}`);
  }
  if (parsed.values.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  else process.stdout.write(`config version ${body.version}\n${formatStatus(body.resources)}`);
}

main().catch((err: unknown) => fail((err as Error)?.stack ?? String(err)));
