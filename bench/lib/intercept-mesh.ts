// The interception bench's little cluster, in network namespaces joined by veth pairs:
//
//   client    10.78.1.2 ── 10.78.1.1 ┐
//   upstream  10.78.2.2 ── 10.78.2.1 ├ node (ip_forward; weft-control-plane on :15010)
//   upstream2 10.78.3.2 ── 10.78.3.1 ┘
//
// - client: `weft-proxy init` rules; two weft-proxies as uid 1337, both configured by the control
//   plane: one with `--interception redirect` (virtual listeners on 15001/15006), one without
//   (`0.0.0.0:9080` bound, admin on 15100): the explicit proxy. The load generators run here.
// - upstream: the plain 1 KB server on 0.0.0.0:9080, no sidecar (Service `upstream`, 10.96.1.10).
// - upstream2: the same server on 127.0.0.1:9080 behind its own `weft-proxy init` and intercepting
//   sidecar, reached through its inbound listener (Service `upstream2`, 10.96.1.11): the full
//   two-sidecar path.
//
// Proxies are pinned to the proxy core; the control plane, the upstreams and the generators to the
// load core, as in the main bench. The explicit proxy is addressed as `http://upstream:9080/`, the
// name resolving to 127.0.0.1 through the client namespace's own /etc/hosts, so the Host header is
// one its routes know (Istio's short name for a same-namespace service) with the unchanged generators.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, PodNetwork } from './intercept-netns.ts';
import type { TargetInfo } from './intercept-report.ts';
import type { InterceptJob, JobReply } from './intercept-worker.ts';
import { REPO_ROOT } from './jobs.ts';
import { type Spawned, sleep, waitReady } from './procs.ts';

export const PROXY_UID = 1337;
export const SERVICE_PORT = 9080;
const XDS_PORT = 15010;
const EXPLICIT_ADMIN_PORT = 15100;

export const ADDR = {
  client: '10.78.1.2',
  upstream: '10.78.2.2',
  upstream2: '10.78.3.2',
  /** The node's end of each pod's link (and the pod's default gateway). */
  gateway: { client: '10.78.1.1', upstream: '10.78.2.1', upstream2: '10.78.3.1' },
  upstreamService: '10.96.1.10',
  upstream2Service: '10.96.1.11',
  /** The peer an application behind an inbound sidecar sees (`inbound|<port>||` → 127.0.0.1). */
  inboundPeer: '127.0.0.1',
} as const;

export interface TargetSpec extends TargetInfo {
  /** URL the keep-alive generators load. */
  readonly url: string;
  /** Where the fresh-connection client connects, and the Host header it sends. */
  readonly connect: { readonly host: string; readonly port: number; readonly hostHeader: string };
  /** Run the generators as this uid: the proxy's, which the init rules never redirect. */
  readonly uid?: number;
  /** What a probe through this target must show: a proxy answered, and the peer the app saw. */
  readonly expect: { readonly proxied: boolean; readonly peer: string };
}

function spec(mode: TargetInfo['mode'], inbound: boolean): TargetSpec {
  const [service, ip, podIp] = inbound
    ? ['upstream2', ADDR.upstream2Service, ADDR.upstream2]
    : ['upstream', ADDR.upstreamService, ADDR.upstream];
  const name = inbound ? `${mode}+inbound` : mode;
  const peer = inbound ? ADDR.inboundPeer : ADDR.client;
  const port = SERVICE_PORT;
  const behind = inbound ? ` → ${service}'s sidecar (inbound 15006) → app 127.0.0.1:${port}` : '';
  switch (mode) {
    case 'direct':
      return {
        name,
        mode,
        inbound,
        path: `generator (uid ${PROXY_UID}, not redirected) → pod IP ${podIp}:${port}${behind || ' (no proxy)'}`,
        url: `http://${podIp}:${port}/`,
        connect: { host: podIp, port, hostHeader: `${podIp}:${port}` },
        uid: PROXY_UID,
        expect: { proxied: inbound, peer },
      };
    case 'explicit':
      return {
        name,
        mode,
        inbound,
        path: `generator → http://${service}:${port}/ = 127.0.0.1:${port}, the explicit proxy's listener → ${podIp}:${port}${behind}`,
        url: `http://${service}:${port}/`,
        connect: { host: '127.0.0.1', port, hostHeader: `${service}:${port}` },
        expect: { proxied: true, peer },
      };
    case 'intercept':
      return {
        name,
        mode,
        inbound,
        path: `generator → clusterIP ${ip}:${port} → iptables REDIRECT :15001 → 0.0.0.0_${port} → ${podIp}:${port}${behind}`,
        url: `http://${ip}:${port}/`,
        connect: { host: ip, port, hostHeader: `${ip}:${port}` },
        expect: { proxied: true, peer },
      };
  }
}

/** Every target, in run order: the one-sidecar variant, then the two-sidecar one. */
export const TARGET_SPECS: readonly TargetSpec[] = [false, true].flatMap((inbound) =>
  (['direct', 'explicit', 'intercept'] as const).map((mode) => spec(mode, inbound)),
);
export const TARGET_NAMES = TARGET_SPECS.map((t) => t.name);

/** The control plane's folder: two Services with cluster IPs, each with one WorkloadEntry. */
export function meshYaml(): string {
  const service = (name: string, clusterIP: string, address: string) => `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  clusterIP: ${clusterIP}
  selector: { app: ${name} }
  ports: [{ name: http, port: ${SERVICE_PORT} }]
---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: ${name} }
spec: { address: ${address}, ports: { http: ${SERVICE_PORT} }, labels: { app: ${name} } }
`;
  return [
    service('upstream', ADDR.upstreamService, ADDR.upstream),
    service('upstream2', ADDR.upstream2Service, ADDR.upstream2),
  ].join('---\n');
}

export interface Probe {
  status: number;
  bytes: number;
  /** The response carried x-envoy-upstream-service-time: a weft-proxy forwarded it. */
  proxied: boolean;
  /** The TCP peer the application saw (its x-bench-peer header). */
  peer: string;
}

/** Why a probe does not show the expected path (undefined when it does). */
export function probeMismatch(target: TargetSpec, probe: Probe | undefined): string | undefined {
  if (!probe) return 'no response';
  const wrong: string[] = [];
  if (probe.status !== 200 || probe.bytes !== 1024)
    wrong.push(`status ${probe.status} with ${probe.bytes} bytes`);
  if (probe.proxied !== target.expect.proxied)
    wrong.push(probe.proxied ? 'a proxy answered, none should have' : 'no proxy in the path');
  if (probe.peer !== target.expect.peer)
    wrong.push(`the app saw peer ${probe.peer}, not ${target.expect.peer}`);
  return wrong.length === 0 ? undefined : wrong.join('; ');
}

// One GET with an explicit Host header; prints the Probe as JSON.
const PROBE = `
const [host, port, hostHeader] = process.argv.slice(1);
const req = require('node:http').get({ host, port: Number(port), path: '/', agent: false, timeout: 2000,
  headers: { host: hostHeader } }, (res) => {
  let bytes = 0;
  res.on('data', (b) => { bytes += b.length; });
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, bytes,
    proxied: res.headers['x-envoy-upstream-service-time'] !== undefined, peer: res.headers['x-bench-peer'] ?? '' })));
});
req.on('timeout', () => req.destroy());
req.on('error', (e) => { console.log(JSON.stringify({ status: 0, bytes: 0, proxied: false, peer: e.code ?? e.message })); });
`;

export interface Cpus {
  proxy: string | undefined;
  load: string | undefined;
}

export interface Mesh {
  readonly client: Pod;
  /** Every weft-proxy of the mesh (all pinned to the proxy core). */
  readonly proxyPids: readonly number[];
  /** One GET through the target, from the client pod, by its URL (so name resolution is checked too). */
  probe(target: TargetSpec): Probe | undefined;
}

const tsx = (script: string, ...args: string[]) => [
  process.execPath,
  '--import',
  'tsx',
  join(REPO_ROOT, script),
  ...args,
];

async function waitOutput(proc: Spawned, text: string, what: string, timeoutMs = 30_000): Promise<void> {
  const why = await waitReady(proc, async () => proc.tail().includes(text), timeoutMs);
  if (why) throw new Error(`${what} ${why}: ${proc.tail().slice(-1500)}`);
}

/**
 * Builds the namespaces and starts everything the selected targets need; resolves once every
 * selected target answers a probe through the expected path. The processes belong to procs.ts;
 * `net.deleteAllSync()` removes the namespaces (the caller also runs it from its exit handlers).
 */
export async function buildMesh(
  net: PodNetwork,
  targets: readonly TargetSpec[],
  configDir: string,
  cpus: Cpus,
  log: (line: string) => void,
): Promise<Mesh> {
  const withInbound = targets.some((t) => t.inbound);
  const withPlain = targets.some((t) => !t.inbound);
  const node = net.add('node');
  const client = net.add('client');
  const pods: Array<[Pod, string, string]> = [[client, ADDR.client, ADDR.gateway.client]];
  const upstream = withPlain ? net.add('upstream') : undefined;
  const upstream2 = withInbound ? net.add('upstream2') : undefined;
  if (upstream) pods.push([upstream, ADDR.upstream, ADDR.gateway.upstream]);
  if (upstream2) pods.push([upstream2, ADDR.upstream2, ADDR.gateway.upstream2]);
  for (const [pod, address, gateway] of pods) {
    net.link(pod, `${address}/24`, node, `${gateway}/24`);
    pod.run(['ip', 'route', 'add', 'default', 'via', gateway]);
  }
  node.run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  client.writeHosts(['127.0.0.1 localhost upstream upstream2', '::1 localhost ip6-localhost ip6-loopback']);
  log(`namespaces: ${[node, ...pods.map(([p]) => p)].map((p) => p.name).join(', ')}`);

  writeFileSync(join(configDir, 'mesh.yaml'), meshYaml());
  const controlPlane = node.spawn(
    tsx('control-plane/src/main.ts', '--config-dir', configDir, '--listen-address', '0.0.0.0'),
    cpus.load,
  );
  const apps: Spawned[] = [];
  if (upstream)
    apps.push(
      upstream.spawn(tsx('bench/lib/intercept-upstream.ts', '0.0.0.0', `${SERVICE_PORT}`), cpus.load),
    );
  if (upstream2)
    apps.push(
      upstream2.spawn(tsx('bench/lib/intercept-upstream.ts', '127.0.0.1', `${SERVICE_PORT}`), cpus.load),
    );
  await waitOutput(controlPlane, '"msg":"ready"', 'weft-control-plane');
  for (const app of apps) await waitOutput(app, 'listening', 'upstream');

  const sidecar = (
    pod: Pod,
    address: string,
    gateway: string,
    name: string,
    labels: string,
    extra: string[],
  ) =>
    pod.spawn(
      tsx(
        'proxy/src/cli.ts',
        '--control-plane',
        `${gateway}:${XDS_PORT}`,
        '--node-id',
        `sidecar~${address}~${name}.default~default.svc.cluster.local`,
        '--labels',
        labels,
        ...extra,
      ),
      cpus.proxy,
      { uid: PROXY_UID },
    );
  client.run(tsx('proxy/src/cli.ts', 'init'), { timeoutMs: 60_000 });
  const proxies: Array<[string, Spawned]> = [];
  if (targets.some((t) => t.mode === 'intercept')) {
    const p = sidecar(client, ADDR.client, ADDR.gateway.client, 'client', 'app=client', [
      '--interception',
      'redirect',
    ]);
    proxies.push(['client sidecar (--interception redirect)', p]);
  }
  if (targets.some((t) => t.mode === 'explicit')) {
    const p = sidecar(client, ADDR.client, ADDR.gateway.client, 'client-explicit', 'app=client', [
      '--admin-port',
      String(EXPLICIT_ADMIN_PORT),
    ]);
    proxies.push(['explicit proxy', p]);
  }
  if (upstream2) {
    upstream2.run(tsx('proxy/src/cli.ts', 'init'), { timeoutMs: 60_000 });
    const p = sidecar(upstream2, ADDR.upstream2, ADDR.gateway.upstream2, 'upstream2', 'app=upstream2', [
      '--interception',
      'redirect',
    ]);
    proxies.push(['upstream2 sidecar', p]);
  }

  const probe = (target: TargetSpec): Probe | undefined => {
    const url = new URL(target.url);
    try {
      const out = client.run([process.execPath, '-e', PROBE, url.hostname, url.port, url.host], {
        ...(target.uid === undefined ? {} : { uid: target.uid }),
        timeoutMs: 10_000,
      });
      return JSON.parse(out) as Probe;
    } catch {
      return undefined;
    }
  };
  const deadline = Date.now() + 60_000;
  for (const target of targets) {
    for (;;) {
      const why = probeMismatch(target, probe(target));
      if (why === undefined) break;
      const dead = proxies.find(([, p]) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (dead || Date.now() > deadline) {
        const logs = proxies.map(([name, p]) => `--- ${name}:\n${p.tail().slice(-1200)}`).join('\n');
        throw new Error(`${target.name} never answered through ${target.path}: ${why}\n${logs}`);
      }
      await sleep(250);
    }
  }
  log(`ready: ${proxies.map(([name]) => name).join(', ')}; every target answers through its path`);
  const proxyPids = proxies.flatMap(([, p]) => (p.child.pid === undefined ? [] : [p.child.pid]));
  return { client, proxyPids, probe };
}

/**
 * Runs one load job (intercept-worker.ts) inside `pod`, pinned to `cpu`, as `uid` when given;
 * resolves with its result and its own CPU time, bounded by a hard deadline.
 */
export async function runJobIn<T>(
  pod: Pod,
  job: InterceptJob,
  opts: { cpu: string | undefined; uid: number | undefined; deadlineMs: number; what: string },
): Promise<{ result: T; cpuMs: number }> {
  const proc = pod.spawn(tsx('bench/lib/intercept-worker.ts', JSON.stringify(job)), opts.cpu, {
    ipc: true,
    ...(opts.uid === undefined ? {} : { uid: opts.uid }),
  });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${opts.what} exceeded ${opts.deadlineMs} ms`)),
        opts.deadlineMs,
      );
      proc.child.once('message', (m: JobReply<T>) => {
        clearTimeout(timer);
        if (m.ok && m.result !== undefined) resolve({ result: m.result, cpuMs: m.cpuMs ?? 0 });
        else reject(new Error(`${opts.what} failed: ${m.error ?? 'no result'}`));
      });
      void proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${opts.what} exited (${code}): ${proc.tail()}`));
      });
    });
  } finally {
    await proc.stop();
  }
}
