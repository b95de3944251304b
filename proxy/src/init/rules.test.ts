// The rule builder's exact output: these are the commands `weft-proxy init` runs.
import t from 'tap';
import { type InitCommand, type InitOptions, parseInitArgs } from './options.ts';
import { cleanupSteps, renderStep, setupSteps } from './rules.ts';

function optionsFrom(args: string[]): InitOptions {
  const command: InitCommand = parseInitArgs(args);
  if (command.kind !== 'setup') throw new Error(`expected setup, got ${command.kind}`);
  return command.options;
}

const script = (args: string[], families: (4 | 6)[] = [4]) =>
  setupSteps(optionsFrom(args), families).map(renderStep);

const CHAINS_V4 = [
  'iptables -w -t nat -N WEFT_INBOUND 2>/dev/null || iptables -w -t nat -F WEFT_INBOUND',
  'iptables -w -t nat -N WEFT_REDIRECT 2>/dev/null || iptables -w -t nat -F WEFT_REDIRECT',
  'iptables -w -t nat -N WEFT_IN_REDIRECT 2>/dev/null || iptables -w -t nat -F WEFT_IN_REDIRECT',
  'iptables -w -t nat -N WEFT_OUTPUT 2>/dev/null || iptables -w -t nat -F WEFT_OUTPUT',
];

const OWNER_V4 = (uid: number, gid: number) => [
  'iptables -w -t nat -A WEFT_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN',
  `iptables -w -t nat -A WEFT_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m owner --uid-owner ${uid} -j WEFT_IN_REDIRECT`,
  `iptables -w -t nat -A WEFT_OUTPUT -o lo -m owner ! --uid-owner ${uid} -j RETURN`,
  `iptables -w -t nat -A WEFT_OUTPUT -m owner --uid-owner ${uid} -j RETURN`,
  `iptables -w -t nat -A WEFT_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m owner --gid-owner ${gid} -j WEFT_IN_REDIRECT`,
  `iptables -w -t nat -A WEFT_OUTPUT -o lo -m owner ! --gid-owner ${gid} -j RETURN`,
  `iptables -w -t nat -A WEFT_OUTPUT -m owner --gid-owner ${gid} -j RETURN`,
  'iptables -w -t nat -A WEFT_OUTPUT -d 127.0.0.1/32 -j RETURN',
];

const JUMPS_V4 = [
  'iptables -w -t nat -C PREROUTING -p tcp -j WEFT_INBOUND 2>/dev/null || iptables -w -t nat -A PREROUTING -p tcp -j WEFT_INBOUND',
  'iptables -w -t nat -C OUTPUT -p tcp -j WEFT_OUTPUT 2>/dev/null || iptables -w -t nat -A OUTPUT -p tcp -j WEFT_OUTPUT',
];

t.test('defaults: capture all inbound and outbound TCP except the proxy and its ports', async (t) => {
  t.strictSame(script([]), [
    ...CHAINS_V4,
    'iptables -w -t nat -A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
    'iptables -w -t nat -A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
    'iptables -w -t nat -A WEFT_INBOUND -p tcp --dport 15000 -j RETURN',
    'iptables -w -t nat -A WEFT_INBOUND -p tcp --dport 15020 -j RETURN',
    'iptables -w -t nat -A WEFT_INBOUND -p tcp --dport 15021 -j RETURN',
    'iptables -w -t nat -A WEFT_INBOUND -p tcp --dport 15090 -j RETURN',
    'iptables -w -t nat -A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT',
    ...OWNER_V4(1337, 1337),
    'iptables -w -t nat -A WEFT_OUTPUT -j WEFT_REDIRECT',
    ...JUMPS_V4,
  ]);
});

t.test('ports, ids, exclusions and CIDR lists', async (t) => {
  const args = [
    '--proxy-uid=1500',
    '--proxy-gid=1600',
    '--outbound-port=16001',
    '--inbound-port=16006',
    '--include-outbound-cidrs=10.96.0.0/12, 10.0.0.0/8 ,fd00::/8',
    '--exclude-outbound-cidrs=10.96.0.1,10.96.0.1/32,fd00::1',
    '--exclude-outbound-ports=22,9001,22',
    '--include-inbound-ports=8080,15021,9090',
    '--exclude-inbound-ports=9090',
  ];
  t.strictSame(script(args), [
    ...CHAINS_V4,
    'iptables -w -t nat -A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports 16001',
    'iptables -w -t nat -A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16006',
    'iptables -w -t nat -A WEFT_INBOUND -p tcp --dport 8080 -j WEFT_IN_REDIRECT',
    'iptables -w -t nat -A WEFT_OUTPUT -p tcp --dport 22 -j RETURN',
    'iptables -w -t nat -A WEFT_OUTPUT -p tcp --dport 9001 -j RETURN',
    ...OWNER_V4(1500, 1600),
    'iptables -w -t nat -A WEFT_OUTPUT -d 10.96.0.1/32 -j RETURN',
    'iptables -w -t nat -A WEFT_OUTPUT -d 10.96.0.0/12 -j WEFT_REDIRECT',
    'iptables -w -t nat -A WEFT_OUTPUT -d 10.0.0.0/8 -j WEFT_REDIRECT',
    ...JUMPS_V4,
  ]);
  const v6 = script(args, [6]);
  t.ok(v6.every((line) => line.startsWith('ip6tables ')));
  t.strictSame(
    v6.filter((line) => line.includes(' -d ') || line.includes(' -s ')),
    [
      'ip6tables -w -t nat -A WEFT_OUTPUT -o lo -s ::6/128 -j RETURN',
      'ip6tables -w -t nat -A WEFT_OUTPUT -o lo ! -d ::1/128 -p tcp -m owner --uid-owner 1500 -j WEFT_IN_REDIRECT',
      'ip6tables -w -t nat -A WEFT_OUTPUT -o lo ! -d ::1/128 -p tcp -m owner --gid-owner 1600 -j WEFT_IN_REDIRECT',
      'ip6tables -w -t nat -A WEFT_OUTPUT -d ::1/128 -j RETURN',
      'ip6tables -w -t nat -A WEFT_OUTPUT -d fd00::1/128 -j RETURN',
      'ip6tables -w -t nat -A WEFT_OUTPUT -d fd00::/8 -j WEFT_REDIRECT',
    ],
    'each family gets its own CIDRs, loopback and passthrough source',
  );
});

t.test('empty include lists capture nothing in that direction', async (t) => {
  const lines = script(['--include-inbound-ports=', '--include-outbound-cidrs=']);
  t.notOk(
    lines.some((line) => line.includes('PREROUTING')),
    'no inbound jump',
  );
  t.notOk(lines.some((line) => line.includes('-A WEFT_INBOUND')));
  t.notOk(
    lines.some((line) => line.endsWith('-j WEFT_REDIRECT')),
    'no outbound redirect',
  );
  t.ok(
    lines.at(-1)?.includes('-A OUTPUT -p tcp -j WEFT_OUTPUT'),
    'the OUTPUT jump stays: the proxy reaching itself',
  );
  const onlyProxyPorts = script(['--include-inbound-ports=15021,15090']);
  t.notOk(
    onlyProxyPorts.some((line) => line.includes('PREROUTING')),
    "the proxy's own ports are never captured",
  );
});

t.test('both families, IPv4 first', async (t) => {
  const steps = setupSteps(optionsFrom([]), [4, 6]);
  const binaries = steps.map((step) => step.command.binary);
  t.equal(binaries.indexOf('ip6tables'), binaries.lastIndexOf('iptables') + 1);
  t.equal(binaries.filter((b) => b === 'iptables').length, binaries.filter((b) => b === 'ip6tables').length);
});

t.test('cleanup removes every copy of the jumps, then the chains', async (t) => {
  t.strictSame(cleanupSteps([6]).map(renderStep), [
    'while ip6tables -w -t nat -D PREROUTING -p tcp -j WEFT_INBOUND 2>/dev/null; do :; done',
    'while ip6tables -w -t nat -D OUTPUT -p tcp -j WEFT_OUTPUT 2>/dev/null; do :; done',
    'ip6tables -w -t nat -F WEFT_INBOUND 2>/dev/null || true',
    'ip6tables -w -t nat -F WEFT_REDIRECT 2>/dev/null || true',
    'ip6tables -w -t nat -F WEFT_IN_REDIRECT 2>/dev/null || true',
    'ip6tables -w -t nat -F WEFT_OUTPUT 2>/dev/null || true',
    'ip6tables -w -t nat -X WEFT_INBOUND 2>/dev/null || true',
    'ip6tables -w -t nat -X WEFT_REDIRECT 2>/dev/null || true',
    'ip6tables -w -t nat -X WEFT_IN_REDIRECT 2>/dev/null || true',
    'ip6tables -w -t nat -X WEFT_OUTPUT 2>/dev/null || true',
  ]);
});

t.test('argv is passed as built: no shell, exact arguments', async (t) => {
  const step = setupSteps(optionsFrom([]), [4]).find((s) => s.command.args.includes('--uid-owner'));
  t.strictSame(step?.command, {
    binary: 'iptables',
    args: ['-w', '-t', 'nat', '-A', 'WEFT_OUTPUT', '-o', 'lo', '!', '-d', '127.0.0.1/32', '-p', 'tcp'].concat(
      ['-m', 'owner', '--uid-owner', '1337', '-j', 'WEFT_IN_REDIRECT'],
    ),
  });
});

t.test('bad flags are one line naming the flag', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--proxy-uid', 'istio'], /^--proxy-uid: "istio" is not a numeric user or group id$/],
    [['--outbound-port', '70000'], /^--outbound-port: "70000" is not a port \(1-65535\)$/],
    [['--exclude-outbound-ports', '22,x'], /^--exclude-outbound-ports: "x" is not a port/],
    [['--include-inbound-ports', '80,*'], /^--include-inbound-ports: '\*' must be the whole value/],
    [['--exclude-outbound-cidrs', '10.0.0.0/40'], /^--exclude-outbound-cidrs: "10.0.0.0\/40" is not an IPv4/],
    [['--include-outbound-cidrs', 'example.com'], /is not an IPv4 or IPv6 CIDR/],
    [['--nope'], /^Unknown option '--nope'.*\(see weft-proxy init --help\)$/],
    [['extra'], /positional/],
  ];
  for (const [args, message] of cases) t.throws(() => parseInitArgs(args), { message }, args.join(' '));
  t.strictSame(parseInitArgs(['--cleanup', '--dry-run']), { kind: 'cleanup', dryRun: true });
  t.strictSame(parseInitArgs(['--help']), { kind: 'help' });
  t.equal(optionsFrom(['--proxy-uid', '1500']).proxyGid, 1500, 'gid defaults to the uid');
});
