// `weftctl proxy-status`: istioctl proxy-status for Weft. From the control plane's /debug/syncz,
// one row per connected proxy with its identity and, per xDS type, whether it holds what it was sent:
//   SYNCED    the last response was ACKed
//   STALE     a response was sent and is not ACKed yet
//   NACKED    the last response was rejected (the proxy keeps its previous config)
//   NOT SENT  nothing of this type was sent (not subscribed, or nothing to send)
import type { NackRecord, TypeStatus } from '../xds/index.ts';
import { CliError, CONTROL_PLANE_OPTION, type Command, formatTable } from './command.ts';
import { getJson } from './control-plane-client.ts';

const TYPES: ReadonlyArray<readonly [string, string]> = [
  ['CDS', 'type.googleapis.com/envoy.config.cluster.v3.Cluster'],
  ['LDS', 'type.googleapis.com/envoy.config.listener.v3.Listener'],
  ['EDS', 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment'],
  ['RDS', 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'],
];

export interface SynczProxy {
  readonly nodeId: string;
  readonly connectedAt: string;
  readonly types: Readonly<Record<string, TypeStatus>>;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface Syncz {
  readonly version: string;
  readonly proxies: readonly SynczProxy[];
  readonly nacks: readonly NackRecord[];
}

export function syncState(status: TypeStatus | undefined): string {
  if (status?.sent === undefined) return 'NOT SENT';
  if (status.nacked && status.nacked.version === status.sent) return `NACKED (${status.sent})`;
  if (status.acked === status.sent) return `SYNCED (${status.sent})`;
  return `STALE (${status.sent})`;
}

export function formatProxyStatus(syncz: Syncz): string {
  const rows = [['NAME', 'NAMESPACE', ...TYPES.map(([short]) => short), 'LABELS']];
  const nacked: string[] = [];
  for (const p of syncz.proxies) {
    const labels = Object.entries(p.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    rows.push([
      p.nodeId,
      p.namespace ?? '-',
      ...TYPES.map(([, typeUrl]) => syncState(p.types[typeUrl])),
      labels.join(',') || '-',
    ]);
    for (const [short, typeUrl] of TYPES) {
      const n = p.types[typeUrl]?.nacked;
      if (n) nacked.push(`${p.nodeId} rejected ${short} ${n.version}: ${n.message}`);
    }
  }
  return `${formatTable(rows)}${nacked.map((line) => `${line}\n`).join('')}`;
}

export const proxyStatus: Command = {
  summary: 'each connected proxy and whether it has ACKed the latest CDS/LDS/EDS/RDS',
  help: `Usage: weftctl proxy-status [--control-plane HOST:PORT] [--json]

One row per proxy connected to the control plane: its node id, namespace and labels, and per xDS
type SYNCED (ACKed what was last sent), STALE (sent, not ACKed yet), NACKED (rejected; the proxy
keeps its previous config) or NOT SENT, each with the version concerned.

Options:
  --control-plane HOST:PORT   the control plane's monitoring address (default 127.0.0.1:15014)
  --json                      print the control plane's /debug/syncz as JSON
`,
  options: { ...CONTROL_PLANE_OPTION, json: { type: 'boolean', default: false } },
  async run(values, positionals) {
    if (positionals.length > 0)
      throw new CliError(`unexpected argument "${positionals[0]}" (see weftctl proxy-status --help)`);
    const address = String(values['control-plane']);
    const { body } = await getJson<Syncz>(address, '/debug/syncz');
    if (values.json) {
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else if (body.proxies.length === 0) {
      process.stdout.write(
        `no proxy is connected to the control plane at ${address} (config version ${body.version})\n`,
      );
    } else {
      process.stdout.write(`config version ${body.version}\n${formatProxyStatus(body)}`);
    }
    return 0;
  },
};
