// `weftctl proxy-config ID`: the xDS one proxy is served, from the control plane's
// /debug/config_dump, as short tables (istioctl proxy-config's columns) or as raw JSON.
import { CliError, CONTROL_PLANE_OPTION, type Command } from './command.ts';
import { clustersTable, endpointsTable, listenersTable, routesTable } from './config-summary.ts';
import { getJson } from './control-plane-client.ts';

type Json = Record<string, unknown>;

interface ConfigDump {
  readonly nodeId: string;
  readonly version: string;
  readonly listeners: Json[];
  readonly routes: Json[];
  readonly clusters: Json[];
  readonly endpoints: Json[];
}

const TYPES = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
type ConfigType = (typeof TYPES)[number];

function table(dump: ConfigDump, type: ConfigType): string {
  switch (type) {
    case 'listeners':
      return listenersTable(dump.listeners);
    case 'routes':
      return routesTable(dump.routes);
    case 'clusters':
      return clustersTable(dump.clusters, dump.endpoints);
    case 'endpoints':
      return endpointsTable(dump.endpoints);
  }
}

export const proxyConfig: Command = {
  summary: 'the listeners, routes, clusters and endpoints a proxy is served',
  help: `Usage: weftctl proxy-config ID [--type listeners|routes|clusters|endpoints|all] [--json]
                            [--control-plane HOST:PORT]

ID is the proxy's node id as weftctl proxy-status lists it; for an Istio-style id
(sidecar~IP~pod.namespace~...) "pod.namespace", or "pod" in the default namespace, will do.

Options:
  --type TYPE                 listeners, routes, clusters, endpoints or all (default all)
  --json                      print the resources as the control plane sends them (Envoy v3 JSON)
  --control-plane HOST:PORT   the control plane's monitoring address (default 127.0.0.1:15014)
`,
  options: {
    ...CONTROL_PLANE_OPTION,
    type: { type: 'string', default: 'all' },
    json: { type: 'boolean', default: false },
  },
  async run(values, positionals) {
    const [id, ...extra] = positionals;
    if (id === undefined)
      throw new CliError('name the proxy: weftctl proxy-config ID (see weftctl proxy-status)');
    if (extra.length > 0)
      throw new CliError(`unexpected argument "${extra[0]}" (see weftctl proxy-config --help)`);
    const type = String(values.type);
    if (type !== 'all' && !(TYPES as readonly string[]).includes(type))
      throw new CliError(`--type ${type} is not one of ${TYPES.join(', ')}, all`);
    const types: readonly ConfigType[] = type === 'all' ? TYPES : [type as ConfigType];
    const { status, body } = await getJson<ConfigDump & { error?: string }>(
      String(values['control-plane']),
      `/debug/config_dump?proxy=${encodeURIComponent(id)}`,
    );
    if (status !== 200) throw new CliError(body.error ?? `the control plane answered HTTP ${status}`);
    if (values.json) {
      const selected = Object.fromEntries(types.map((t) => [t, body[t]]));
      process.stdout.write(
        `${JSON.stringify({ nodeId: body.nodeId, version: body.version, ...selected }, null, 2)}\n`,
      );
      return 0;
    }
    const sections = types.map((t) => (types.length > 1 ? `${t.toUpperCase()}\n` : '') + table(body, t));
    process.stdout.write(`proxy ${body.nodeId}, config version ${body.version}\n\n${sections.join('\n')}`);
    return 0;
  },
};
