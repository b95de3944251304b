// `weft-proxy init` with real iptables in network namespaces, and SO_ORIGINAL_DST read back through
// originalDestination(): pod A (10.99.0.1, fd00:99::1) runs plain TCP servers on the outbound
// (15001) and inbound (15006) ports that answer with the original destination they read, plus an
// app port (8080) and a proxy health port (15021); pod B (10.99.0.2 and .3, fd00:99::2) answers
// directly. Which server answers shows where the kernel sent each connection.
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { originalDestination, originalDstAddonError } from '../proxy/src/listeners/original-dst.ts';
import { type Namespace, netnsHarness, REPO_ROOT, requirePrivileges } from './lib/netns.ts';

const PROXY_UID = 1337;

t.test(
  'the SO_ORIGINAL_DST addon is built and falls back on a connection that was not redirected',
  async (t) => {
    t.equal(originalDstAddonError(), undefined, 'addon loaded (npm install builds native/original-dst)');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1');
    t.teardown(() => client.destroy());
    const socket = await accepted;
    t.same(originalDestination(socket), { address: '127.0.0.1', port, family: 4 });
    socket.destroy();
  },
);

// Each server answers every connection with one JSON line: who it is and the original destination.
const REPORT_SERVER = `
import net from 'node:net';
import { originalDestination, originalDstAddonError } from ${JSON.stringify(
  pathToFileURL(join(REPO_ROOT, 'proxy/src/listeners/original-dst.ts')).href,
)};
let pending = process.argv.length - 1;
for (const spec of process.argv.slice(1)) {
  const [via, port] = spec.split('@');
  net.createServer((socket) => {
    socket.end(JSON.stringify({ via, dst: originalDestination(socket), addon: originalDstAddonError() ?? 'ok' }) + '\\n');
  }).listen(Number(port), '::', () => { if (--pending === 0) console.log('listening'); });
}
`;

// Connects, prints what the server sent; "ERROR <code>" when the connection fails.
const CLIENT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const socket = net.connect({ host, port: Number(port), timeout: 5000 });
let data = '';
socket.on('data', (chunk) => { data += chunk; });
socket.on('end', () => { process.stdout.write(data); process.exit(0); });
socket.on('timeout', () => { console.log('ERROR ETIMEDOUT'); process.exit(2); });
socket.on('error', (err) => { console.log('ERROR ' + err.code); process.exit(2); });
`;

interface Answer {
  via: string;
  dst?: { address: string; port: number; family: number };
  addon?: string;
}

async function connect(ns: Namespace, host: string, port: number, as?: { uid: number; gid?: number }) {
  const result = await ns.exec([process.execPath, '-e', CLIENT, host, String(port)], as);
  const line = result.stdout.trim();
  if (result.code !== 0) return { via: line || `exit ${result.code}: ${result.stderr.trim()}` } as Answer;
  return JSON.parse(line) as Answer;
}

function init(ns: Namespace, args: string[], as?: { uid: number }) {
  return ns.exec([process.execPath, 'bin/weft-proxy.js', 'init', ...args], as);
}

/** Both tables' nat rules without timestamps and counters, for before/after comparisons. */
async function natRules(ns: Namespace): Promise<string> {
  const v4 = await ns.run(['iptables-save', '-t', 'nat']);
  const v6 = await ns.run(['ip6tables-save', '-t', 'nat']);
  return `${v4}${v6}`
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/ \[\d+:\d+\]$/, ''))
    .join('\n');
}

/** bin/weft-proxy.js prefers dist/ when it exists: make sure it holds this code, not an old build. */
function staleBuild(): string | undefined {
  if (!existsSync(join(REPO_ROOT, 'dist/proxy/src/cli.js'))) return undefined;
  for (const source of [
    'proxy/src/cli.ts',
    'proxy/src/init/index.ts',
    'proxy/src/init/options.ts',
    'proxy/src/init/rules.ts',
    'proxy/src/init/execute.ts',
    'proxy/src/listeners/original-dst.ts',
  ]) {
    const built = join(REPO_ROOT, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(REPO_ROOT, source)).mtimeMs) {
      return `${built} is missing or older than ${source}: run npx tsc -p tsconfig.build.json`;
    }
  }
  return undefined;
}

t.test('weft-proxy init with real iptables in network namespaces', { timeout: 90_000 }, async (t) => {
  if (!(await requirePrivileges(t))) return;
  const stale = staleBuild();
  if (stale) t.fail(stale);
  const netns = netnsHarness(t);
  const podA = await netns.namespace('pod-a');
  const podB = await netns.namespace('pod-b');
  await netns.link(podA, ['10.99.0.1/24', 'fd00:99::1/64'], podB, [
    '10.99.0.2/24',
    '10.99.0.3/24',
    'fd00:99::2/64',
  ]);
  // Service VIPs such as 10.96.0.10 are routed out like in a cluster, so they reach nat OUTPUT.
  await podA.run(['ip', 'route', 'add', 'default', 'via', '10.99.0.2']);
  await podA.run(['ip', '-6', 'route', 'add', 'default', 'via', 'fd00:99::2']);
  const tsx = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', REPORT_SERVER];
  const serversA = podA.spawn([...tsx, 'outbound@15001', 'inbound@15006', 'app-a@8080', 'health@15021']);
  const serversB = podB.spawn([...tsx, 'app-b@9000', 'app-b@9001']);
  await Promise.all([serversA.waitForOutput('listening'), serversB.waitForOutput('listening')]);
  const initFlags = ['--exclude-outbound-ports', '9001', '--exclude-outbound-cidrs', '10.99.0.3/32'];

  await t.test('--dry-run prints the commands and changes nothing', async (t) => {
    const before = await natRules(podA);
    const dry = await init(podA, ['--dry-run', ...initFlags]);
    t.equal(dry.code, 0, dry.stderr);
    t.match(dry.stdout, /^iptables -w -t nat -A WEFT_OUTPUT -p tcp --dport 9001 -j RETURN$/m);
    t.match(dry.stdout, /^iptables -w -t nat -A WEFT_OUTPUT -d 10\.99\.0\.3\/32 -j RETURN$/m);
    t.match(dry.stdout, /^ip6tables -w -t nat -A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports 15001$/m);
    t.equal(await natRules(podA), before, 'nat table unchanged');
    t.notMatch(before, 'WEFT_');
  });

  await t.test('errors are one line and exit 1', async (t) => {
    const bad = await init(podA, ['--outbound-port', '0']);
    t.equal(bad.code, 1);
    t.equal(bad.stderr, 'weft-proxy init: --outbound-port: "0" is not a port (1-65535)\n');
    const unprivileged = await init(podA, [], { uid: PROXY_UID });
    t.equal(unprivileged.code, 1);
    t.match(unprivileged.stderr, /^weft-proxy init: iptables -w -t nat -N WEFT_INBOUND failed: .+\n$/);
  });

  await t.test('init redirects the app, not the proxy or the exclusions', async (t) => {
    const setup = await init(podA, initFlags);
    t.equal(setup.code, 0, setup.stderr);
    t.equal(setup.stdout, '');

    const vip = await connect(podA, '10.96.0.10', 80);
    t.same(
      vip,
      { via: 'outbound', dst: { address: '10.96.0.10', port: 80, family: 4 }, addon: 'ok' },
      'to a VIP',
    );
    t.same((await connect(podA, '10.99.0.2', 9000)).dst, { address: '10.99.0.2', port: 9000, family: 4 });
    t.same(
      await connect(podA, 'fd00:99::2', 9000),
      { via: 'outbound', dst: { address: 'fd00:99::2', port: 9000, family: 6 }, addon: 'ok' },
      'IPv6 through ip6tables',
    );

    t.equal((await connect(podA, '10.99.0.2', 9000, { uid: PROXY_UID })).via, 'app-b', 'proxy uid');
    t.equal(
      (await connect(podA, '10.99.0.2', 9000, { uid: 1000, gid: PROXY_UID })).via,
      'app-b',
      'proxy gid',
    );
    t.equal((await connect(podA, 'fd00:99::2', 9000, { uid: PROXY_UID })).via, 'app-b', 'proxy uid, IPv6');
    t.equal((await connect(podA, '10.99.0.2', 9001)).via, 'app-b', 'excluded port');
    t.equal((await connect(podA, '10.99.0.3', 9000)).via, 'app-b', 'excluded CIDR');
    t.equal((await connect(podA, '127.0.0.1', 8080)).via, 'app-a', 'loopback');
    t.equal((await connect(podA, '10.99.0.1', 8080)).via, 'app-a', 'app to its own pod IP over lo');
    t.same(
      await connect(podA, '10.99.0.1', 8080, { uid: PROXY_UID }),
      { via: 'inbound', dst: { address: '10.99.0.1', port: 8080, family: 4 }, addon: 'ok' },
      'the proxy calling its own pod IP goes through the inbound side',
    );
  });

  await t.test(
    'inbound connections arrive at the inbound port with their original destination',
    async (t) => {
      t.same(await connect(podB, '10.99.0.1', 8080), {
        via: 'inbound',
        dst: { address: '10.99.0.1', port: 8080, family: 4 },
        addon: 'ok',
      });
      t.same((await connect(podB, 'fd00:99::1', 8080)).dst, { address: 'fd00:99::1', port: 8080, family: 6 });
      t.equal(
        (await connect(podB, '10.99.0.1', 15021)).via,
        'health',
        "the proxy's health port is not captured",
      );
    },
  );

  await t.test('running init twice leaves one set of rules', async (t) => {
    const once = await natRules(podA);
    const again = await init(podA, initFlags);
    t.equal(again.code, 0, again.stderr);
    const twice = await natRules(podA);
    t.equal(twice, once);
    t.equal(
      twice.split('\n').filter((line) => line === '-A OUTPUT -p tcp -j WEFT_OUTPUT').length,
      2,
      'v4 + v6',
    );
    t.equal((await connect(podA, '10.96.0.10', 80)).via, 'outbound', 'still redirecting');
  });

  await t.test('--cleanup removes every jump and chain', async (t) => {
    const cleanup = await init(podA, ['--cleanup']);
    t.equal(cleanup.code, 0, cleanup.stderr);
    t.notMatch(await natRules(podA), 'WEFT_');
    t.equal((await connect(podA, '10.99.0.2', 9000)).via, 'app-b', 'no longer redirected');
    const repeat = await init(podA, ['--cleanup']);
    t.equal(repeat.code, 0, 'cleanup of a clean namespace succeeds');
  });
});
