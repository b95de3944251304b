// Network namespaces for the interception bench: "pods" joined by veth pairs, commands and
// long-running (pinned, optionally other-uid) processes inside them, and synchronous teardown that
// also runs from 'exit' handlers (normal end, error, Ctrl-C). Nothing here touches the root
// namespace's network: addresses, routes and iptables rules all live inside namespaces we create,
// which take them along when deleted. A namespace's own /etc/hosts is /etc/netns/<name>/hosts
// (`ip netns exec` mounts it over /etc/hosts); it is removed with the namespace (and /etc/netns
// itself when this run created it and it is empty again).
//
// Names are `weft-b-<pid>-<label>`: a run killed with SIGKILL leaves them behind, and the next run
// deletes those whose pid is gone (sweepLeftovers).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './jobs.ts';
import { type Spawned, start } from './procs.ts';

export const NS_PREFIX = `weft-b-${process.pid}-`;
const LEFTOVER = /^weft-b-(\d+)-/;
const ETC_NETNS = '/etc/netns';
/** /etc/netns did not exist before this run wrote a hosts file: remove it again once empty. */
let createdEtcNetns = false;

export interface InOptions {
  /** Run as this uid (and gid), no supplementary groups. */
  readonly uid?: number;
}

/** `netns exec NAME [setpriv --reuid --regid --clear-groups --] argv`: the arguments of `ip`. */
export function nsArgv(ns: string, argv: readonly string[], options: InOptions = {}): string[] {
  const asUser =
    options.uid === undefined
      ? []
      : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups', '--'];
  return ['netns', 'exec', ns, ...asUser, ...argv];
}

function ipSync(args: readonly string[], timeoutMs = 30_000): { code: number; out: string } {
  const r = spawnSync('ip', args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs });
  if (r.error) return { code: 1, out: r.error.message };
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}`.trim() };
}

function ipOrThrow(args: readonly string[], timeoutMs?: number): string {
  const r = ipSync(args, timeoutMs);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.code}): ${r.out}`);
  return r.out;
}

/** Kills what still runs inside, deletes the namespace and its /etc/netns folder. Never throws. */
function deleteNamespaceSync(name: string): void {
  for (const pid of ipSync(['netns', 'pids', name]).out.split('\n')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  ipSync(['netns', 'del', name]);
  rmSync(join(ETC_NETNS, name), { recursive: true, force: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces left by earlier runs of this bench that were killed outright. */
export function sweepLeftovers(): string[] {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return [];
  }
  const swept = names.filter((n) => {
    const owner = LEFTOVER.exec(n);
    return owner !== null && !pidAlive(Number(owner[1]));
  });
  for (const name of swept) deleteNamespaceSync(name);
  return swept;
}

/**
 * Why this process cannot build the bench's namespaces and iptables rules, or undefined when it
 * can: root, ip, iptables, setpriv, and (root in a container may lack the capabilities) a real try.
 */
export function missingPrivileges(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const [tool, args] of [
    ['ip', ['-V']],
    ['iptables', ['--version']],
    ['setpriv', ['--version']],
  ] as const) {
    const probe = spawnSync(tool, args, { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) return `${tool} is not installed`;
  }
  const probe = `${NS_PREFIX}probe`;
  const added = ipSync(['netns', 'add', probe]);
  if (added.code !== 0) return `cannot create a network namespace (${added.out})`;
  const nat = ipSync(nsArgv(probe, ['iptables', '-w', '-t', 'nat', '-S']));
  deleteNamespaceSync(probe);
  if (nat.code !== 0) return `iptables nat table unusable in a namespace (${nat.out.split('\n')[0]})`;
  return undefined;
}

export class Pod {
  constructor(readonly name: string) {}

  /** Runs a short command inside (blocking: setup only); throws with its output on failure. */
  run(argv: readonly string[], options: InOptions & { timeoutMs?: number } = {}): string {
    return ipOrThrow(nsArgv(this.name, argv, options), options.timeoutMs);
  }

  /** Starts a long-running process inside, pinned to `cpu`; owned (and killed) by procs.ts. */
  spawn(
    argv: readonly string[],
    cpu: string | undefined,
    options: InOptions & { ipc?: boolean } = {},
  ): Spawned {
    return start('ip', nsArgv(this.name, argv, options), cpu, {
      cwd: REPO_ROOT,
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
  }

  /** This namespace's /etc/hosts, for processes started with `ip netns exec`. */
  writeHosts(lines: readonly string[]): void {
    const dir = join(ETC_NETNS, this.name);
    if (!existsSync(ETC_NETNS)) createdEtcNetns = true;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hosts'), `${lines.join('\n')}\n`);
  }
}

/** The namespaces of one run. `deleteAllSync` is idempotent and safe from 'exit' handlers. */
export class PodNetwork {
  private readonly names: string[] = [];
  private links = 0;

  add(label: string): Pod {
    const name = `${NS_PREFIX}${label}`;
    ipOrThrow(['netns', 'add', name]);
    this.names.push(name);
    ipOrThrow(['-n', name, 'link', 'set', 'lo', 'up']);
    return new Pod(name);
  }

  /** A veth pair `a` ↔ `b`, each end up with its address (CIDR notation). */
  link(a: Pod, aAddress: string, b: Pod, bAddress: string): void {
    const id = ++this.links;
    const [aIf, bIf] = [`wb${id}a`, `wb${id}b`];
    ipOrThrow(['-n', a.name, 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', b.name]);
    for (const [pod, ifname, address] of [
      [a, aIf, aAddress],
      [b, bIf, bAddress],
    ] as const) {
      ipOrThrow(['-n', pod.name, 'addr', 'add', address, 'dev', ifname]);
      ipOrThrow(['-n', pod.name, 'link', 'set', ifname, 'up']);
    }
  }

  /** Every process now running in one of these namespaces. */
  pids(): number[] {
    return this.names.flatMap((name) =>
      ipSync(['netns', 'pids', name])
        .out.split('\n')
        .filter((p) => /^\d+$/.test(p))
        .map(Number),
    );
  }

  deleteAllSync(): void {
    for (const name of this.names.splice(0)) deleteNamespaceSync(name);
    if (!createdEtcNetns) return;
    try {
      rmdirSync(ETC_NETNS); // only when empty: another tool's namespaces may have files there now
      createdEtcNetns = false;
    } catch {
      // not empty, or already gone
    }
  }
}
