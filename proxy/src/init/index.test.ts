// runInit as the CLI calls it, with its output captured; and the IPv6 decision.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { namespaceFamilies } from './execute.ts';
import { runInit } from './index.ts';

function run(args: string[], families: (4 | 6)[] = [4, 6]) {
  let stdout = '';
  let stderr = '';
  const code = runInit(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    families: () => families,
  });
  return { code, stdout, stderr };
}

t.test('--dry-run prints a shell script for the families found', async (t) => {
  const both = run(['--dry-run']);
  t.equal(both.code, 0);
  t.equal(both.stderr, '');
  const lines = both.stdout.trimEnd().split('\n');
  t.equal(lines[0], '# weft-proxy init: IPv4 and IPv6');
  t.ok(lines.slice(1).every((line) => /^ip6?tables -w -t nat /.test(line)));
  t.ok(lines.some((line) => line.startsWith('ip6tables ')));
  const v4 = run(['--dry-run'], [4]);
  t.equal(v4.stdout.split('\n')[0], '# weft-proxy init: IPv4 only (no IPv6 in this namespace)');
  t.notMatch(v4.stdout, 'ip6tables');
  const cleanup = run(['--cleanup', '--dry-run'], [4]);
  t.match(cleanup.stdout, /^# weft-proxy init --cleanup: IPv4 only/);
  t.match(cleanup.stdout, /^while iptables -w -t nat -D OUTPUT -p tcp -j WEFT_OUTPUT/m);
});

t.test('usage errors: exit 1 and one line', async (t) => {
  const bad = run(['--inbound-port', 'x']);
  t.equal(bad.code, 1);
  t.equal(bad.stdout, '');
  t.equal(bad.stderr, 'weft-proxy init: --inbound-port: "x" is not a port (1-65535)\n');
  t.match(run(['--help']).stdout, /--exclude-inbound-ports/);
});

t.test('IPv6 rules when /proc/net/if_inet6 lists an address', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-init-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'if_inet6');
  await writeFile(file, '00000000000000000000000000000001 01 80 10 80       lo\n');
  t.strictSame(namespaceFamilies(file), [4, 6]);
  await writeFile(file, '');
  t.strictSame(namespaceFamilies(file), [4], 'IPv6 disabled: the file is empty');
  t.strictSame(namespaceFamilies(join(dir, 'absent')), [4], 'no IPv6 in the kernel');
});
