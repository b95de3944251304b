// weft-control-plane (local mode): a folder of YAML → validated resources → xDS for every proxy.
// Changes are debounced (100 ms quiet, 10 s at most); a resource that fails validation keeps its
// last valid version; each push goes to every connected proxy over ADS.
import { parseArgs } from 'node:util';
import { Debouncer } from './debounce.ts';
import { endpointsOf } from './mesh-endpoints.ts';
import type { Resource } from './model/index.ts';
import { MonitoringServer } from './monitoring.ts';
import { nackedHosts } from './nack-hosts.ts';
import { proxyIdentity } from './proxy-identity.ts';
import { ResourceStatusTracker } from './resource-status.ts';
import { FileSource, type SourceState } from './sources/index.ts';
import {
  type EndpointSpec,
  identityKeyFor,
  type ProxyIdentity,
  type TranslateOptions,
  translate,
} from './translate/index.ts';
import { AdsServer, createSnapshot, type Snapshot } from './xds/index.ts';

const HELP = `weft-control-plane — Weft's control plane (local mode)

Usage:
  weft-control-plane --config-dir DIR [--xds-port 15010] [--monitoring-port 15014]
                     [--listen-address 0.0.0.0] [--accept-istio-api] [--cluster-domain cluster.local]
                     [--root-namespace istio-system] [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY]

Reads VirtualService, DestinationRule, ServiceEntry, Sidecar, WorkloadEntry (networking.weft.dev/v1;
networking.istio.io too with --accept-istio-api) and Service (v1) from DIR (YAML, multi-document,
nested folders), watches it, and serves xDS v3 (ADS) to sidecars and proxyless gRPC clients.

  --cluster-domain D          service hosts are <name>.<namespace>.svc.D (default cluster.local)
  --root-namespace NS         a Sidecar without workloadSelector here is the mesh-wide default
  --outbound-traffic-policy P traffic to destinations outside the registry: ALLOW_ANY (default)
                              passes it through, REGISTRY_ONLY refuses it (a Sidecar may override)

Monitoring: /ready, /debug/syncz (per proxy: sent/acked versions, NACKs), /debug/config,
/debug/config_dump?proxy=ID (the xDS a proxy is served).
`;

const DEFAULT_IDENTITY: ProxyIdentity = { nodeId: '*', namespace: 'default', labels: {} };

function log(fields: Record<string, unknown>, msg: string): void {
  process.stderr.write(
    `${JSON.stringify({ time: Date.now(), name: 'weft-control-plane', ...fields, msg })}\n`,
  );
}

function fail(message: string): never {
  process.stderr.write(`weft-control-plane: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      options: {
        'config-dir': { type: 'string' },
        'xds-port': { type: 'string', default: '15010' },
        'monitoring-port': { type: 'string', default: '15014' },
        'listen-address': { type: 'string', default: '0.0.0.0' },
        'accept-istio-api': { type: 'boolean', default: false },
        'cluster-domain': { type: 'string', default: 'cluster.local' },
        'root-namespace': { type: 'string', default: 'istio-system' },
        'outbound-traffic-policy': { type: 'string', default: 'ALLOW_ANY' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message} (see --help)`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const dir = values['config-dir'];
  if (typeof dir !== 'string') fail('--config-dir DIR is required (see --help)');
  const host = String(values['listen-address']);
  const source = new FileSource(dir, { acceptIstioApi: values['accept-istio-api'] === true });
  const outboundTrafficPolicy = String(values['outbound-traffic-policy']);
  if (outboundTrafficPolicy !== 'ALLOW_ANY' && outboundTrafficPolicy !== 'REGISTRY_ONLY')
    fail(`--outbound-traffic-policy must be ALLOW_ANY or REGISTRY_ONLY, not "${outboundTrafficPolicy}"`);
  const domain = String(values['cluster-domain']);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain))
    fail(`--cluster-domain "${domain}" is not a DNS domain`);
  const translateOptions: Omit<TranslateOptions, 'endpoints'> = {
    clusterDomain: domain,
    rootNamespace: String(values['root-namespace']),
    outboundTrafficPolicy,
  };
  const ads = new AdsServer();
  let version = '';
  let diagnostics: SourceState['diagnostics'] = [];
  let generation = 0;
  const status = new ResourceStatusTracker(domain);
  // Every connected proxy gets a snapshot translated for its own identity; '*' serves the rest.
  const proxies = new Map<string, ProxyIdentity>();
  let resources: readonly Resource[] = [];
  let endpoints = new Map<string, EndpointSpec[]>();
  // Proxies whose identities translate alike (identityKeyFor) share one snapshot per version: a
  // fleet of replicas costs one translation, and the ADS server's per-object encoding cache serves
  // them all.
  let snapshots = new Map<string, Snapshot>();
  let identityKey = identityKeyFor([]);
  const snapshotFor = (identity: ProxyIdentity) => {
    const key = identityKey(identity);
    let snapshot = snapshots.get(key);
    if (!snapshot) {
      snapshot = createSnapshot(version, translate(resources, identity, { ...translateOptions, endpoints }));
      snapshots.set(key, snapshot);
    }
    return snapshot;
  };
  // Only WorkloadEntries (endpoints) changed → push at once, as istiod does for endpoint updates;
  // anything else waits for the debounce.
  const configSignature = (rs: readonly Resource[]) =>
    JSON.stringify(rs.filter((r) => r.kind !== 'WorkloadEntry').map((r) => [r.kind, r.metadata, r.spec]));
  let pushedSignature = '';
  let pending: SourceState | undefined;
  const publish = (state: SourceState, trigger: string) => {
    diagnostics = state.diagnostics;
    for (const d of state.diagnostics) log({ ...d }, `config ${d.severity}`);
    resources = state.resources;
    endpoints = endpointsOf(resources, domain);
    version = `${Date.now()}-${++generation}`;
    snapshots = new Map();
    identityKey = identityKeyFor(resources);
    ads.setSnapshot('*', snapshotFor(DEFAULT_IDENTITY));
    for (const [nodeId, identity] of proxies) ads.setSnapshot(nodeId, snapshotFor(identity));
    status.record(version, resources);
    pushedSignature = configSignature(resources);
    log({ version, trigger, resources: resources.length, proxies: proxies.size }, 'pushed');
  };
  let loading: Promise<void> = Promise.resolve();
  // Reading waits for the folder to settle (25 ms): a file being written can be seen empty or half
  // written, which would look like a deleted resource.
  const settle = new Debouncer(25, 250, () => {
    loading = loading
      .then(async () => {
        pending = await source.load();
        if (configSignature(pending.resources) === pushedSignature) {
          const state = pending;
          pending = undefined;
          debouncer.cancel();
          publish(state, 'endpoints');
        } else debouncer.touch();
      })
      .catch((err: unknown) =>
        log({ err: String(err) }, 'cannot read the config folder; proxies keep the last version'),
      );
  });
  ads.on('connect', ({ nodeId, metadata, userAgent }) => {
    const identity = proxyIdentity(nodeId, metadata, userAgent);
    proxies.set(nodeId, identity);
    if (version) ads.setSnapshot(nodeId, snapshotFor(identity));
    log({ nodeId, namespace: identity.namespace }, 'proxy connected');
  });
  ads.on('disconnect', ({ nodeId }) => {
    proxies.delete(nodeId);
    ads.clearSnapshot(nodeId);
  });
  const debouncer = new Debouncer(100, 10_000, () => {
    const state = pending;
    pending = undefined;
    if (state) publish(state, 'config');
  });
  try {
    publish(await source.load(), 'start');
  } catch (err) {
    fail(`cannot read ${dir}: ${(err as Error).message}`);
  }
  const xdsPort = await ads.start({ host, port: Number(values['xds-port']) });
  const monitoring = new MonitoringServer(ads, {
    ready: () => version !== '',
    version: () => version,
    diagnostics: () => diagnostics,
    resources: () =>
      status.report(ads.status(), ads.nacks(), (nack) =>
        nackedHosts(nack.message, ads.snapshotOf(nack.nodeId)),
      ),
    identities: () => proxies,
  });
  const mon = await monitoring.listen(host, Number(values['monitoring-port']));
  source.watch(() => settle.touch());
  log({ xds: `${host}:${xdsPort}`, monitoring: `${host}:${mon.port}`, configDir: dir }, 'ready');
  const stop = async () => {
    settle.cancel();
    debouncer.cancel();
    source.close();
    await ads.stop();
    await monitoring.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => fail((err as Error)?.stack ?? String(err)));
