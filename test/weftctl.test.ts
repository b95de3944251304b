// weftctl end to end: the real `node bin/weftctl.js` against fixture folders (validate, analyze),
// and against a real weft-control-plane process with a real weft-proxy process connected
// (proxy-status, proxy-config). Errors are one line and exit 1.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { startControlPlane, until } from './lib/control-plane.ts';
import { REPO_ROOT, runCli } from './lib/proxy.ts';
import { closedPort, startUpstream } from './lib/upstream.ts';

const FIXTURES = 'test/fixtures/weftctl';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/weftctl.js from the repo root; WEFT_FROM_SOURCE so a stale dist/ is not what is tested. */
function weftctl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin/weftctl.js'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, WEFT_FROM_SOURCE: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

t.test('validate: a consistent folder passes with a summary', async (t) => {
  const run = await weftctl('validate', `${FIXTURES}/valid`);
  t.equal(run.code, 0);
  t.equal(run.stdout, `${FIXTURES}/valid: valid: 0 errors, 0 warnings, 5 valid resources\n`);
});

t.test('validate: every error and warning as file:line: Kind ns/name: path: message; exit 1', async (t) => {
  const run = await weftctl('validate', `${FIXTURES}/invalid`);
  t.equal(run.code, 1);
  t.equal(
    run.stdout,
    [
      `${FIXTURES}/invalid/canary.yaml:8: VirtualService default/reviews: spec.http[0].timeout: duration "0s" is below the minimum of 1ms: use at least "1ms"`,
      `${FIXTURES}/invalid/canary.yaml:10: VirtualService default/reviews: spec.http[0].route[0].weight: expected a whole number, got string "all"`,
      `${FIXTURES}/invalid/canary.yaml:18: DestinationRule default/reviews: spec.trafficPolicy.loadBalancer.simple: warning: LEAST_CONN is deprecated: use LEAST_REQUEST`,
      `${FIXTURES}/invalid/nested/ratings.yaml:8: DestinationRule shop/ratings: spec.trafficPolicy.connectionPool.tcp.maxConnection: unknown field "maxConnection" (did you mean "maxConnections"?): remove it or use one of maxConnections, connectTimeout, tcpKeepalive, maxConnectionDuration, idleTimeout`,
      `${FIXTURES}/invalid: invalid: 3 errors, 1 warning, 1 valid resource`,
      '',
    ].join('\n'),
  );
});

t.test('validate: warnings alone exit 0', async (t) => {
  const run = await weftctl('validate', `${FIXTURES}/warnings/reviews.yaml`);
  t.equal(run.code, 0);
  t.match(
    run.stdout,
    /reviews\.yaml:8: DestinationRule default\/reviews: .*: warning: LEAST_CONN is deprecated/,
  );
  t.match(run.stdout, /valid: 0 errors, 1 warning, 1 valid resource\n$/);
});

t.test('validate: Istio API groups need --accept-istio-api, as in the control plane', async (t) => {
  const strict = await weftctl('validate', `${FIXTURES}/istio-api`);
  t.equal(strict.code, 1);
  t.match(
    strict.stdout,
    /reviews\.yaml:2: VirtualService default\/reviews: apiVersion: networking\.istio\.io\/v1beta1 is Istio's API/,
  );
  const accepting = await weftctl('validate', '--accept-istio-api', `${FIXTURES}/istio-api`);
  t.equal(accepting.code, 0, accepting.stdout);
});

t.test('validate: the same resource in two of the paths given is an error', async (t) => {
  const run = await weftctl('validate', `${FIXTURES}/valid`, `${FIXTURES}/warnings/reviews.yaml`);
  t.equal(run.code, 1);
  t.match(
    run.stdout,
    `${FIXTURES}/warnings/reviews.yaml:2: DestinationRule default/reviews: metadata.name: DestinationRule default/reviews is also defined in ${FIXTURES}/valid/reviews.yaml:19; rename one of them`,
  );
});

t.test('analyze: cross-resource problems with istioctl codes; exit 1 on errors', async (t) => {
  const run = await weftctl('analyze', `${FIXTURES}/broken-refs`);
  t.equal(run.code, 1);
  const lines = run.stdout.trimEnd().split('\n');
  t.same(
    lines.map((l) => /^(\w+) \[(\w+)\] \(([^)]*)\) ([^:]*):/.exec(l)?.slice(1, 5).join(' ') ?? l),
    [
      `Error IST0173 DestinationRule default/reviews ${FIXTURES}/broken-refs/rules.yaml:8 spec.subsets[1].labels`,
      `Warning IST0174 DestinationRule default/details ${FIXTURES}/broken-refs/rules.yaml:14 spec.host`,
      `Error IST0109 VirtualService default/reviews ${FIXTURES}/broken-refs/rules.yaml:20 spec.hosts[0]`,
      `Error IST0101 VirtualService default/reviews ${FIXTURES}/broken-refs/rules.yaml:24 spec.http[0].route[1].destination.subset`,
      `Error IST0109 VirtualService default/reviews-canary ${FIXTURES}/broken-refs/rules.yaml:30 spec.hosts[0]`,
      `Error IST0101 VirtualService default/reviews-canary ${FIXTURES}/broken-refs/rules.yaml:33 spec.http[0].route[0].destination.host`,
      `Info IST0118 Service default/ratings ${FIXTURES}/broken-refs/services.yaml:14 spec.ports[0].name`,
      `Error: 5 errors, 1 warning, 1 info when analyzing 7 resources in ${FIXTURES}/broken-refs.`,
    ],
  );
  t.match(run.stdout, 'Referenced host+subset in destinationrule not found: "reviews+v3"');
});

t.test('analyze --json; a clean folder exits 0; validation errors are IST0106', async (t) => {
  const json = await weftctl('analyze', '--json', `${FIXTURES}/broken-refs`);
  t.equal(json.code, 1);
  const body = JSON.parse(json.stdout) as {
    errors: number;
    messages: Array<Record<string, unknown>>;
  };
  t.equal(body.errors, 5);
  t.match(body.messages[0], {
    code: 'IST0173',
    name: 'DestinationRuleSubsetNotSelectPods',
    level: 'Error',
    resource: 'DestinationRule default/reviews',
    file: `${FIXTURES}/broken-refs/rules.yaml`,
    line: 8,
    path: 'spec.subsets[1].labels',
    message: /^the subset v2 defined in the DestinationRule selects no WorkloadEntry/,
  });
  const clean = await weftctl('analyze', `${FIXTURES}/valid`);
  t.equal(clean.code, 0);
  t.equal(clean.stdout, `✔ No issues found when analyzing 5 resources in ${FIXTURES}/valid.\n`);
  const invalid = await weftctl('analyze', `${FIXTURES}/invalid`);
  t.equal(invalid.code, 1);
  t.match(
    invalid.stdout,
    /^Error \[IST0106\] \(VirtualService default\/reviews .*canary\.yaml:8\) spec\.http\[0\]\.timeout:/m,
  );
});

t.test('mistakes are one line with a hint, exit 1', async (t) => {
  const cases: Array<[string[], string]> = [
    [['bogus'], 'weftctl: unknown command "bogus" (see weftctl --help)\n'],
    [['--bogus'], 'weftctl: unknown flag --bogus (see weftctl --help)\n'],
    [
      ['validate', '--bogus', 'x'],
      'weftctl: unknown flag --bogus for "weftctl validate" (see weftctl validate --help)\n',
    ],
    [['validate'], 'weftctl: name at least one file or folder: weftctl validate PATH...\n'],
    [['analyze', 'no/such/dir'], 'weftctl: cannot read no/such/dir: no such file or folder\n'],
    [
      ['proxy-config', 'x', '--type', 'secrets'],
      'weftctl: --type secrets is not one of listeners, routes, clusters, endpoints, all\n',
    ],
  ];
  for (const [args, stderr] of cases) {
    const run = await weftctl(...args);
    t.same(
      { code: run.code, stderr: run.stderr, stdout: run.stdout },
      { code: 1, stderr, stdout: '' },
      args.join(' '),
    );
  }
  const help = await weftctl('--help');
  t.equal(help.code, 0);
  t.match(help.stdout, /proxy-status\s+each connected proxy/);
});

t.test('an unreachable control plane is one line naming the address', async (t) => {
  const port = await closedPort();
  for (const command of ['proxy-status', 'status']) {
    const run = await weftctl(command, '--control-plane', `127.0.0.1:${port}`);
    t.equal(run.code, 1);
    t.equal(run.stderr, `weftctl: cannot reach the control plane at 127.0.0.1:${port}: ECONNREFUSED\n`);
  }
});

t.test('proxy-status and proxy-config against a real control plane and proxy', async (t) => {
  const upstream = await startUpstream({ name: 'reviews-v1' });
  t.teardown(() => upstream.close());
  const [servicePort, adminPort] = [await closedPort(), await closedPort()];
  const controlPlane = await startControlPlane(t, {
    'mesh.yaml': `apiVersion: v1
kind: Service
metadata: { name: reviews }
spec: { selector: { app: reviews }, ports: [{ name: http, port: ${servicePort} }] }
---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: reviews-v1 }
spec: { address: 127.0.0.1, ports: { http: ${upstream.port} }, labels: { app: reviews, version: v1 } }
---
apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: reviews }
spec: { host: reviews, subsets: [{ name: v1, labels: { version: v1 } }] }
---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }]
`,
  });
  const nodeId = 'sidecar~127.0.0.1~productpage-1.default~default.svc.cluster.local';
  const proxy = runCli([
    '--control-plane',
    controlPlane.xdsAddress,
    '--node-id',
    nodeId,
    '--labels',
    'app=productpage',
    '--admin-port',
    String(adminPort),
  ]);
  t.teardown(async () => {
    proxy.child.kill('SIGKILL');
    await proxy.exited;
  });
  const cp = ['--control-plane', `127.0.0.1:${controlPlane.monitoringPort}`];

  let status = '';
  await until(
    'the proxy SYNCED on every type',
    async () => {
      status = (await weftctl('proxy-status', ...cp)).stdout;
      return (status.match(/SYNCED/g) ?? []).length === 4;
    },
    30_000,
    () => `\n${status}\nproxy log:\n${proxy.stderr()}`,
  );
  t.match(status, /^config version \S+\nNAME\s+NAMESPACE\s+CDS\s+LDS\s+EDS\s+RDS\s+LABELS\n/);
  t.match(
    status,
    new RegExp(`${nodeId.replaceAll('.', '\\.')}\\s+default\\s+SYNCED \\(\\S+\\)\\s+SYNCED.*app=productpage`),
  );

  const clusters = await weftctl('proxy-config', 'productpage-1', '--type', 'clusters', ...cp);
  t.equal(clusters.code, 0, clusters.stderr);
  const fqdn = 'reviews.default.svc.cluster.local';
  t.match(clusters.stdout, /NAME\s+TYPE\s+LB\s+ENDPOINTS/);
  t.match(
    clusters.stdout,
    new RegExp(`outbound\\|${servicePort}\\|\\|${fqdn}\\s+EDS\\s+LEAST_REQUEST\\s+1\\n`),
  );
  t.match(
    clusters.stdout,
    new RegExp(`outbound\\|${servicePort}\\|v1\\|${fqdn}\\s+EDS\\s+LEAST_REQUEST\\s+1\\n`),
  );

  const all = await weftctl('proxy-config', nodeId, ...cp);
  t.equal(all.code, 0, all.stderr);
  t.match(
    all.stdout,
    new RegExp(
      `LISTENERS\\n.*\\n0\\.0\\.0\\.0_${servicePort}\\s+0\\.0\\.0\\.0\\s+${servicePort}\\s+${servicePort}\\n`,
    ),
  );
  t.match(
    all.stdout,
    new RegExp(
      `ROUTES\\n[^\\n]*\\n${servicePort}\\s+reviews \\+\\d+ more\\s+/\\*.*outbound\\|${servicePort}\\|v1\\|${fqdn}`,
    ),
  );
  t.match(all.stdout, new RegExp(`ENDPOINTS\\n[^\\n]*\\n127\\.0\\.0\\.1:${upstream.port}\\s+outbound`));

  const json = await weftctl('proxy-config', nodeId, '--type', 'clusters', '--json', ...cp);
  const dump = JSON.parse(json.stdout) as { nodeId: string; clusters: Array<{ name: string }> };
  t.equal(dump.nodeId, nodeId);
  t.ok(dump.clusters.some((c) => c.name === `outbound|${servicePort}|v1|${fqdn}`));

  const unknown = await weftctl('proxy-config', 'ratings-1', ...cp);
  t.equal(unknown.code, 1);
  t.equal(unknown.stderr, `weftctl: no connected proxy "ratings-1" (connected: ${nodeId})\n`);
});
