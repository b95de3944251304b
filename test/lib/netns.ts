// Real network namespaces for tests that need root: each "pod" or "node" is a namespace joined to
// others by veth pairs, with processes (optionally as another uid) running inside. Everything a
// harness creates is removed in the test's teardown, also when the test fails; namespaces left by a
// crashed run are swept on the next one. Nothing here touches the root namespace's network.
//
//   if (!(await requirePrivileges(t))) return;   // skips locally, fails when CI=true
//   const net = netnsHarness(t);                  // torn down with t
//   const a = await net.namespace('a');           // "weft-t-<pid>-<n>-a", lo up
//   const b = await net.namespace('b');
//   await net.link(a, ['10.99.0.1/24', 'fd00:99::1/64'], b, ['10.99.0.2/24', 'fd00:99::2/64']);
//   await a.run(['ip', 'route', 'add', 'default', 'via', '10.99.0.2']);   // throws on failure
//   const { code, stdout } = await a.exec(['iptables-save', '-t', 'nat']); // never throws
//   const app = a.spawn([process.execPath, 'app.js'], { uid: 1337 });      // killed at teardown
//   await app.waitForOutput('listening');
//
// Call it inside a `t.test(...)` callback, not at a file's top level: when a setup step throws there,
// tap still runs the teardown. Commands run with `ip netns exec NAME` (and `setpriv --reuid --regid
// --clear-groups` when a uid is given, without NODE_OPTIONS); their cwd is the repo root, so
// `--import tsx` and relative paths work. Teardown stops spawned processes (SIGTERM, then SIGKILL),
// kills anything else still inside each namespace, and deletes the namespaces (veths and iptables
// rules go with them).
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Test } from 'tap';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const NAMESPACE_PREFIX = `weft-t-${process.pid}-`;
const LEFTOVER = /^weft-t-(\d+)-/;

export interface ExecOptions {
  /** Run as this uid (and `gid`, default the same) with no supplementary groups. */
  readonly uid?: number;
  readonly gid?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the command after this long (default 20 s). */
  readonly timeoutMs?: number;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NsProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves once the output contains `text`; rejects if the process exits first or on timeout. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
}

export interface Namespace {
  readonly name: string;
  /** Runs a command inside; resolves with its exit code and output whatever the code. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but rejects (with the command and its stderr) on a non-zero exit. */
  run(argv: readonly string[], options?: ExecOptions): Promise<string>;
  /** Starts a long-running process inside; the harness stops it at teardown. */
  spawn(argv: readonly string[], options?: Omit<ExecOptions, 'timeoutMs'>): NsProcess;
}

export interface NetnsHarness {
  /** A new namespace with lo up. `label` only makes names readable. */
  namespace(label?: string): Promise<Namespace>;
  /** A veth pair between two namespaces, both ends up with the given addresses (IPv6 without DAD). */
  link(
    a: Namespace,
    aAddresses: string | readonly string[],
    b: Namespace,
    bAddresses: string | readonly string[],
  ): Promise<{ aInterface: string; bInterface: string }>;
  /** Stops every process and deletes every namespace (also run at teardown; safe to repeat). */
  close(): Promise<void>;
}

/**
 * `ip netns exec NAME [setpriv ...] argv`. A command run as another uid drops NODE_OPTIONS: the test
 * runner injects hooks there (into every child it sees spawned) that write files that uid cannot.
 */
function nsArgv(name: string, argv: readonly string[], options: ExecOptions = {}): string[] {
  const asUser =
    options.uid === undefined
      ? []
      : [
          ...['setpriv', `--reuid=${options.uid}`, `--regid=${options.gid ?? options.uid}`, '--clear-groups'],
          ...['--', 'env', '-u', 'NODE_OPTIONS'],
        ];
  return ['netns', 'exec', name, ...asUser, ...argv];
}

async function ip(
  args: readonly string[],
  timeoutMs = 20_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExecResult> {
  try {
    const { stdout, stderr } = await execFileAsync('ip', args, { cwd: REPO_ROOT, timeout: timeoutMs, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr || e.message,
    };
  }
}

async function ipOrThrow(args: readonly string[]): Promise<string> {
  const result = await ip(args);
  if (result.code !== 0)
    throw new Error(`ip ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

function managedProcess(name: string, argv: readonly string[], options: ExecOptions): NsProcess {
  const child = spawn('ip', nsArgv(name, argv, options), {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const check of waiters) check();
  });
  return {
    child,
    exited,
    output: () => output,
    waitForOutput: (text, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`timed out waiting for "${text}"; output:\n${output}`)),
          timeoutMs,
        );
        function finish(err?: Error) {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve();
        }
        function check() {
          if (output.includes(text)) finish();
          else if (done) finish(new Error(`${argv.join(' ')} exited before "${text}"; output:\n${output}`));
        }
        waiters.add(check);
        check();
      }),
    stop: async () => {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Kills whatever still runs inside a namespace (processes the test did not track), then deletes it. */
async function deleteNamespace(name: string): Promise<void> {
  const pids = (await ip(['netns', 'pids', name])).stdout.split('\n').filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await ip(['netns', 'del', name]);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces of earlier runs (our prefix) whose test process is gone. */
export async function sweepLeftoverNamespaces(): Promise<string[]> {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    const owner = LEFTOVER.exec(name);
    if (owner && !pidAlive(Number(owner[1]))) {
      await deleteNamespace(name);
      swept.push(name);
    }
  }
  return swept;
}

export function netnsHarness(t: Pick<Test, 'teardown'>): NetnsHarness {
  const namespaces: string[] = [];
  const processes: NsProcess[] = [];
  let counter = 0;
  const harness: NetnsHarness = {
    async namespace(label) {
      const name = `${NAMESPACE_PREFIX}${++counter}${label ? `-${label}` : ''}`;
      await ipOrThrow(['netns', 'add', name]);
      namespaces.push(name);
      await ipOrThrow(['-n', name, 'link', 'set', 'lo', 'up']);
      const exec = (argv: readonly string[], options: ExecOptions = {}) =>
        ip(nsArgv(name, argv, options), options.timeoutMs, options.env);
      return {
        name,
        exec,
        async run(argv, options) {
          const result = await exec(argv, options);
          if (result.code !== 0) {
            throw new Error(`[${name}] ${argv.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
          }
          return result.stdout;
        },
        spawn(argv, options = {}) {
          const proc = managedProcess(name, argv, options);
          processes.push(proc);
          return proc;
        },
      };
    },
    async link(a, aAddresses, b, bAddresses) {
      const id = ++counter;
      const aInterface = `wv${id}a`;
      const bInterface = `wv${id}b`;
      await ipOrThrow([
        '-n',
        a.name,
        'link',
        'add',
        aInterface,
        'type',
        'veth',
        'peer',
        'name',
        bInterface,
        'netns',
        b.name,
      ]);
      for (const [ns, ifname, addresses] of [
        [a, aInterface, aAddresses],
        [b, bInterface, bAddresses],
      ] as const) {
        for (const address of typeof addresses === 'string' ? [addresses] : addresses) {
          const noDad = address.includes(':') ? ['nodad'] : [];
          await ipOrThrow(['-n', ns.name, 'addr', 'add', address, 'dev', ifname, ...noDad]);
        }
        await ipOrThrow(['-n', ns.name, 'link', 'set', ifname, 'up']);
      }
      return { aInterface, bInterface };
    },
    async close() {
      await Promise.all(processes.splice(0).map((p) => p.stop()));
      for (const name of namespaces.splice(0)) await deleteNamespace(name);
    },
  };
  t.teardown(() => harness.close());
  return harness;
}

let privilegeCheck: string | undefined | null = null;

function missingPrivileges(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const [tool, args] of [
    ['ip', ['-V']],
    ['iptables', ['--version']],
    ['ip6tables', ['--version']],
    ['setpriv', ['--version']],
  ] as const) {
    const probe = spawnSync(tool, args, { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) return `${tool} is not installed`;
  }
  // The sidecar runs as uid 1337 and loads this checkout's code: a checkout inside a private folder
  // (`mktemp -d` makes mode 700) cannot be run that way.
  const readable = spawnSync(
    'setpriv',
    ['--reuid=1337', '--regid=1337', '--clear-groups', 'test', '-r', `${REPO_ROOT}package.json`],
    { stdio: 'ignore' },
  );
  if (readable.status !== 0) {
    return `uid 1337 (the sidecar's) cannot read ${REPO_ROOT}: make its folders world-readable (chmod o+rx) or clone elsewhere`;
  }
  // Root in a container may still lack CAP_SYS_ADMIN / CAP_NET_ADMIN: try the real thing once.
  const probe = `${NAMESPACE_PREFIX}probe`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  const nat = spawnSync('ip', ['netns', 'exec', probe, 'iptables', '-w', '-t', 'nat', '-S'], {
    encoding: 'utf8',
  });
  spawnSync('ip', ['netns', 'del', probe]);
  if (nat.status !== 0) return `iptables nat table unusable in a namespace: ${nat.stderr.trim()}`;
  return undefined;
}

/**
 * True when this process can create namespaces and program iptables in them (root, ip, iptables,
 * setpriv). Otherwise `t` is skipped (call this before any assertion), except under CI=true, where
 * it fails: the interception tests must run there. Also sweeps namespaces left by crashed runs.
 */
export async function requirePrivileges(t: Test): Promise<boolean> {
  if (privilegeCheck === null) privilegeCheck = missingPrivileges();
  const missing = privilegeCheck;
  if (missing === undefined) {
    const swept = await sweepLeftoverNamespaces();
    if (swept.length > 0) t.comment(`removed namespaces left by earlier runs: ${swept.join(', ')}`);
    return true;
  }
  const message = `needs root with ip netns, iptables and setpriv: ${missing}`;
  if (process.env.CI === 'true') t.fail(`${message} (CI=true: these tests may not be skipped)`);
  else t.plan(0, message);
  return false;
}
