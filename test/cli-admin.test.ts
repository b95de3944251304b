// The weft-proxy executable: bootstrap errors, admin endpoints, graceful drain on SIGTERM and
// /quitquitquit. Each case runs the real CLI as a child process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { h1Client } from './lib/client.ts';
import { runCli, spawnProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

const up = await startUpstream({ name: 'app' });
t.teardown(() => up.close());
const doc = bootstrap({
  clusters: [staticCluster('app', [up.port])],
  virtualHosts: [anyHost([{ name: 'all', match: { prefix: '/' }, route: { cluster: 'app' } }])],
});

const get = async (port: number, path: string, method = 'GET') => {
  const r = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET' });
  return { status: r.statusCode, body: await r.body.text() };
};

t.test('--help and bad flags', async (t) => {
  const help = runCli(['--help']);
  t.equal(await help.exited, 0);
  t.match(help.stdout(), /--bootstrap FILE/);
  const bad = runCli(['--nope']);
  t.equal(await bad.exited, 1);
  t.equal(bad.stderr().trim().split('\n').length, 1, 'one line');
  t.match(bad.stderr(), /weft-proxy: .*--nope/);
  const noNode = runCli(['--control-plane', '127.0.0.1:15010']);
  t.equal(await noNode.exited, 1);
  t.equal(noNode.stderr().trim(), 'weft-proxy: --node-id is required with --control-plane (see --help)');
  const both = runCli(['--control-plane', '127.0.0.1:15010', '--bootstrap', 'x.yaml', '--node-id', 'a']);
  t.equal(await both.exited, 1);
  t.match(both.stderr(), 'use either --bootstrap or --control-plane');
});

t.test('a malformed bootstrap exits 1 with one line naming file, line, field path and problem', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bad-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.yaml');
  await writeFile(
    file,
    `static_resources:
  clusters:
    - name: app
      type: STATIC
      connect_timeout: 1s
      lb_polcy: ROUND_ROBIN
`,
  );
  const run = runCli(['--bootstrap', file]);
  t.equal(await run.exited, 1);
  const lines = run.stderr().trim().split('\n');
  t.equal(lines.length, 1, run.stderr());
  t.match(lines[0], `${file}:6`);
  t.match(lines[0], 'static_resources.clusters[0].lb_polcy');
  t.match(lines[0], /unknown field/);
  const missing = runCli(['--bootstrap', join(dir, 'absent.yaml')]);
  t.equal(await missing.exited, 1);
  t.match(missing.stderr(), 'absent.yaml');
});

t.test('admin: ready, config_dump, clusters, prometheus', async (t) => {
  const p = await spawnProxy(doc);
  t.teardown(() => p.cleanup());
  const ready = await get(p.adminPort, '/ready');
  t.equal(ready.status, 200);
  const client = h1Client(p.port);
  t.teardown(() => client.close());
  for (let i = 0; i < 3; i++) t.equal((await client({ path: '/x' })).status, 200);
  const dump = JSON.parse((await get(p.adminPort, '/config_dump')).body) as {
    bootstrap: { static_resources: { clusters: Array<{ name: string }> } };
  };
  t.equal(dump.bootstrap.static_resources.clusters[0]!.name, 'app');
  const clusters = (await get(p.adminPort, '/clusters')).body;
  t.match(clusters, `app::127.0.0.1:${up.port}::rq_total::3`);
  const clustersJson = JSON.parse((await get(p.adminPort, '/clusters?format=json')).body) as {
    cluster_statuses: Array<{ host_statuses: Array<{ stats: { rq_success: number } }> }>;
  };
  t.equal(clustersJson.cluster_statuses[0]!.host_statuses[0]!.stats.rq_success, 3);
  const prom = (await get(p.adminPort, '/stats/prometheus')).body;
  t.match(
    prom,
    'envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="ingress_http",envoy_response_code_class="2xx"} 3',
  );
  t.match(prom, 'envoy_cluster_upstream_rq_time_count{envoy_cluster_name="app"} 3');
  t.match(prom, /# TYPE envoy_cluster_upstream_rq_time histogram/);
  t.match(
    prom,
    'weft_http_downstream_rq_response_flags_total{envoy_http_conn_manager_prefix="ingress_http",response_flag="NR"} 0',
  );
});

t.test('SIGTERM drains: in-flight requests finish, new connections are refused, exit 0', async (t) => {
  const p = await spawnProxy(doc, ['--drain-seconds', '3']);
  t.teardown(() => p.cleanup());
  const client = h1Client(p.port);
  t.teardown(() => client.close());
  const inflight = client({ path: '/slow', headers: { 'x-test-delay-ms': '500' } });
  await new Promise((r) => setTimeout(r, 100));
  p.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 100));
  const ready = await get(p.adminPort, '/ready').catch(() => ({ status: 0 }));
  t.not(ready.status, 200, 'not ready while draining');
  const r = await inflight;
  t.equal(r.status, 200, 'the in-flight request completed');
  t.equal(await p.exited, 0);
  await t.rejects(h1Client(p.port)({ path: '/' }), 'no longer accepting');
});

t.test('POST /quitquitquit drains and exits', async (t) => {
  const p = await spawnProxy(doc);
  t.teardown(() => p.cleanup());
  t.equal((await get(p.adminPort, '/quitquitquit')).status, 405, 'GET is refused');
  t.equal((await get(p.adminPort, '/quitquitquit', 'POST')).status, 200);
  t.equal(await p.exited, 0);
});
