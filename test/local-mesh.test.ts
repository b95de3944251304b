// The local mesh end to end: weft-control-plane (a real process) watching a folder of YAML, a
// weft-proxy taking its config over ADS, real upstreams registered as WorkloadEntries. Editing the
// VirtualService shifts traffic; a broken edit is reported and the last valid version stays.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { WeftProxy } from '../proxy/src/proxy.ts';
import { connectXds } from '../proxy/src/xds/index.ts';
import { h1Client } from './lib/client.ts';
import { startControlPlane, until as waitUntil } from './lib/control-plane.ts';
import { reviewsYaml } from './lib/mesh-yaml.ts';
import { REPO_ROOT } from './lib/proxy.ts';
import { closedPort, type Echo, startUpstream } from './lib/upstream.ts';

const v1 = await startUpstream({ name: 'v1' });
const v2 = await startUpstream({ name: 'v2' });
t.teardown(() => Promise.all([v1.close(), v2.close()]));
const servicePort = await closedPort();
const workloads = reviewsYaml({
  port: servicePort,
  workloads: [
    { version: 'v1', port: v1.port },
    { version: 'v2', port: v2.port },
  ],
});
const canary = (w1: number | string, w2: number) => `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
    - route:
        - { destination: { host: reviews, subset: v1 }, weight: ${w1} }
        - { destination: { host: reviews, subset: v2 }, weight: ${w2} }
`;
const cp = await startControlPlane(t, { 'workloads.yaml': workloads, 'canary.yaml': canary(100, 0) });
const { dir, monitoringPort } = cp;
const until = (what: string, check: () => Promise<boolean>, ms = 15_000) =>
  waitUntil(what, check, ms, () => `; control plane log:\n${cp.log()}`);

const proxy = new WeftProxy();
const xds = connectXds(proxy, cp.xdsAddress, {
  id: 'sidecar~127.0.0.1~productpage.default',
  metadata: { NAMESPACE: 'default' },
});
t.teardown(async () => {
  xds.close();
  await proxy.stop(0);
});
const client = h1Client(servicePort);
t.teardown(() => client.close());
const served = async () => {
  try {
    return (JSON.parse((await client({ path: '/', host: 'reviews' })).body) as Echo).server;
  } catch {
    return undefined;
  }
};

t.test('the proxy serves the VirtualService from the folder', async (t) => {
  await until('traffic on v1', async () => (await served()) === 'v1');
  t.equal(await served(), 'v1');
  const syncz = (await (await fetch(`http://127.0.0.1:${monitoringPort}/debug/syncz`)).json()) as {
    proxies: Array<{ nodeId: string }>;
  };
  t.ok(
    syncz.proxies.some((p) => p.nodeId.startsWith('sidecar~')),
    '/debug/syncz lists the proxy',
  );
});

t.test('weftctl status: every resource applied by the connected proxy', async (t) => {
  const { execFile } = await import('node:child_process');
  const run = () =>
    new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          join(REPO_ROOT, 'control-plane/src/cli/weftctl.ts'),
          'status',
          '--control-plane',
          `127.0.0.1:${monitoringPort}`,
        ],
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
  let out = '';
  await until('every resource applied', async () => {
    out = await run();
    return (
      /VirtualService default\/reviews\s+\w+\s+1\/1/.test(out) &&
      /WorkloadEntry default\/reviews-v2\s+\w+\s+1\/1/.test(out)
    );
  });
  t.match(out, /RESOURCE\s+REVISION\s+APPLIED\s+SOURCE\s+REJECTED BY/);
  t.match(out, /canary\.yaml:1/);
});

t.test('editing the weights shifts traffic', async (t) => {
  await writeFile(join(dir, 'canary.yaml'), canary(0, 100));
  await until('traffic on v2', async () => (await served()) === 'v2');
  t.pass('shifted to v2');
});

t.test('an endpoint-only change is pushed without waiting for the debounce', async (t) => {
  const moved = workloads.replace(`ports: { http: ${v2.port} }`, `ports: { http: ${v1.port} }`);
  await writeFile(join(dir, 'workloads.yaml'), moved);
  await until('v2 traffic to reach the v1 server', async () => (await served()) === 'v1');
  t.match(cp.log(), /"trigger":"endpoints"/);
  await writeFile(join(dir, 'workloads.yaml'), workloads);
  await until('v2 back', async () => (await served()) === 'v2');
});

t.test('a broken edit is reported with file, line and path; the last valid version stays', async (t) => {
  await writeFile(join(dir, 'canary.yaml'), canary('"all"', 100));
  await until('the diagnostic', async () => {
    const config = (await (await fetch(`http://127.0.0.1:${monitoringPort}/debug/config`)).json()) as {
      diagnostics: Array<{ path: string; line: number; file: string }>;
    };
    return config.diagnostics.some(
      (d) => d.path === 'spec.http[0].route[0].weight' && d.file.endsWith('canary.yaml') && d.line === 8,
    );
  });
  t.equal(await served(), 'v2', 'still routing by the last valid VirtualService');
});
