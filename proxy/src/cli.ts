#!/usr/bin/env node
// weft-proxy: the sidecar. `--bootstrap FILE` runs it from a static Envoy v3 Bootstrap.
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { AdminServer } from './admin/index.ts';
import { compileBootstrap } from './compile/index.ts';
import { ConfigError, ConfigErrors, loadBootstrapFile } from './config/index.ts';
import { runInit } from './init/index.ts';
import { log, stopWaitingForLogs } from './log.ts';
import { WeftProxy } from './proxy.ts';
import { connectXds } from './xds/index.ts';

const HELP = `weft-proxy — Weft's L7 sidecar proxy

Usage:
  weft-proxy --bootstrap FILE [--drain-seconds N]
  weft-proxy --control-plane HOST:PORT --node-id ID [--namespace NS] [--labels k=v,...]
             [--service-account SA] [--admin-port 15000] [--drain-seconds N]
             [--interception redirect [--outbound-port 15001] [--inbound-port 15006]]
  weft-proxy init [--proxy-uid 1337] [--outbound-port 15001] [--inbound-port 15006] [--dry-run]
             [--cleanup] ...   program the pod's iptables interception (weft-proxy init --help)

Options:
  --bootstrap FILE        Envoy v3 Bootstrap (YAML or JSON): admin, static listeners and clusters
  --control-plane ADDR    take listeners, routes, clusters and endpoints from this ADS server (xDS v3)
  --node-id ID            this proxy's xDS node id (e.g. sidecar~10.0.0.5~reviews-v1-abc.default)
  --namespace NS          the workload's namespace (node metadata NAMESPACE, default "default")
  --labels k=v,...        the workload's labels (node metadata LABELS)
  --service-account SA    the workload's service account (node metadata SERVICE_ACCOUNT)
  --admin-port N          admin listener on 127.0.0.1 in control-plane mode (default 15000)
  --interception MODE     "redirect": the pod's traffic reaches the proxy through \`weft-proxy init\`'s
                          iptables rules, so it asks for the virtual outbound/inbound listeners
                          (node metadata INTERCEPTION_MODE=REDIRECT); "none" (default): listeners
                          bind the service ports themselves
  --outbound-port N       the virtual outbound listener's port with --interception redirect (default 15001)
  --inbound-port N        the virtual inbound listener's port with --interception redirect (default 15006)
  --drain-seconds N       on SIGTERM or POST /quitquitquit, let in-flight requests finish for up to N seconds (default 5)
  --help               show this help

Defaults that differ from Envoy's (http_connection_manager; set the field to override, 0 disables):
  request_headers_timeout                              10s   (Envoy: none)
  http2_protocol_options.max_concurrent_streams        100   (Envoy: 2147483647)

Environment:
  WEFT_LOG_LEVEL       process log level (default info); logs are JSON lines on stderr
`;

function fail(message: string): never {
  process.stderr.write(`weft-proxy: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'init') {
    process.exitCode = runInit(process.argv.slice(3));
    return;
  }
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        bootstrap: { type: 'string' },
        'control-plane': { type: 'string' },
        'node-id': { type: 'string' },
        namespace: { type: 'string', default: 'default' },
        labels: { type: 'string', default: '' },
        'service-account': { type: 'string', default: '' },
        'admin-port': { type: 'string', default: '15000' },
        interception: { type: 'string', default: 'none' },
        'outbound-port': { type: 'string', default: '15001' },
        'inbound-port': { type: 'string', default: '15006' },
        'drain-seconds': { type: 'string', default: '5' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    args = parse();
  } catch (err) {
    fail(`${(err as Error).message} (see --help)`);
  }
  if (args.values.help) {
    process.stdout.write(HELP);
    return;
  }
  const drainSeconds = Number(args.values['drain-seconds']);
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0)
    fail('--drain-seconds must be a non-negative number');
  const v = args.values;
  if (v['control-plane'] !== undefined) {
    if (v.bootstrap !== undefined) fail('use either --bootstrap or --control-plane, not both');
    if (!v['node-id']) fail('--node-id is required with --control-plane (see --help)');
    const adminPort = portFlag('admin-port', v['admin-port']);
    const metadata: Record<string, string> = { NAMESPACE: v.namespace ?? 'default' };
    if (v.interception === 'redirect') {
      metadata.INTERCEPTION_MODE = 'REDIRECT';
      metadata.OUTBOUND_PORT = String(portFlag('outbound-port', v['outbound-port']));
      metadata.INBOUND_PORT = String(portFlag('inbound-port', v['inbound-port']));
      // As Istio's sidecars do: the pod's addresses, so the control plane knows whether the pod has
      // IPv6 (init redirects IPv6 too then, and the listeners must take it).
      metadata.INSTANCE_IPS = instanceIps().join(',');
    } else if (v.interception !== 'none') {
      fail(`--interception must be "redirect" or "none", not "${v.interception}"`);
    }
    if (v.labels) metadata.LABELS = parseLabels(v.labels);
    if (v['service-account']) metadata.SERVICE_ACCOUNT = v['service-account'];
    const proxy = new WeftProxy();
    const admin = await startAdmin(proxy, '127.0.0.1', adminPort, drainSeconds);
    const xds = connectXds(
      proxy,
      v['control-plane'],
      { id: v['node-id'], metadata },
      {
        onEvent: (event) => log.info(event, `xds ${event.kind}`),
        onApplyError: (err) => log.error({ err: err.message }, 'cannot apply config'),
      },
    );
    onSignals(proxy, admin, drainSeconds, () => xds.close());
    log.info({ controlPlane: v['control-plane'], node: v['node-id'] }, 'connecting');
    return;
  }
  const file = v.bootstrap;
  if (!file) fail('--bootstrap FILE or --control-plane HOST:PORT is required (see --help)');
  let config: ReturnType<typeof compileBootstrap>;
  try {
    const loaded = await loadBootstrapFile(file);
    config = compileBootstrap(loaded.bootstrap);
  } catch (err) {
    if (err instanceof ConfigErrors) fail(err.errors.map((e) => e.message).join('\n'));
    if (err instanceof ConfigError) fail(err.file ? err.message : `${file}: ${err.message}`);
    throw err;
  }
  const proxy = new WeftProxy();
  const admin = config.admin
    ? await startAdmin(proxy, config.admin.address, config.admin.port, drainSeconds)
    : undefined;
  try {
    await proxy.apply(config);
  } catch (err) {
    fail(`cannot start listeners: ${(err as Error).message}`);
  }
  log.info({ listeners: proxy.listenerAddresses(), clusters: [...config.clusters.keys()] }, 'ready');
  onSignals(proxy, admin, drainSeconds);
}

function instanceIps(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && !a.address.toLowerCase().startsWith('fe80:'))
    .map((a) => a!.address);
}

function portFlag(name: string, text: string | undefined): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--${name} must be a port number`);
  return port;
}

/** `app=reviews,version=v1` → the JSON object Istio puts in node metadata LABELS. */
function parseLabels(text: string): string {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`--labels: "${pair}" is not key=value`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return JSON.stringify(labels);
}

let stopping = false;

async function shutdown(
  proxy: WeftProxy,
  admin: AdminServer | undefined,
  drainSeconds: number,
  reason: string,
  before?: () => void,
): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ reason, drainSeconds }, 'draining');
  before?.();
  await proxy.stop(drainSeconds * 1000);
  await admin?.close();
  log.info('stopped');
  stopWaitingForLogs();
  log.flush();
  process.exit(0);
}

let quit: (() => void) | undefined;

async function startAdmin(
  proxy: WeftProxy,
  address: string,
  port: number,
  drainSeconds: number,
): Promise<AdminServer> {
  const admin: AdminServer = new AdminServer(proxy, { address, port, onQuit: () => quit?.() });
  quit = () => void shutdown(proxy, admin, drainSeconds, 'quitquitquit');
  const addr = await admin.listen();
  log.info({ admin: `${addr.address}:${addr.port}` }, 'admin listening');
  return admin;
}

function onSignals(
  proxy: WeftProxy,
  admin: AdminServer | undefined,
  drainSeconds: number,
  before?: () => void,
): void {
  quit = () => void shutdown(proxy, admin, drainSeconds, 'quitquitquit', before);
  process.once('SIGTERM', () => void shutdown(proxy, admin, drainSeconds, 'SIGTERM', before));
  process.once('SIGINT', () => void shutdown(proxy, admin, drainSeconds, 'SIGINT', before));
}

main().catch((err: unknown) => fail((err as Error)?.stack ?? String(err)));
