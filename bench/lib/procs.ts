// Owns every child process and temp dir the harness creates, and tears them all down on exit, on
// error and on SIGINT/SIGTERM. Children run in their own process group so that a proxy's workers
// (nginx forks one) go down with it.
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let cleaned = false;

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Whether an executable is on PATH (checked by running it with a harmless flag). */
export function hasCommand(cmd: string, args: string[] = ['-v']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined;
}

/** First line of a command's combined output, or undefined when it cannot run. */
export function commandOutput(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}

export interface Spawned {
  child: ChildProcess;
  /** Last chunk of stdout+stderr, for explaining failures. */
  tail(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** Spawns `cmd args`, optionally pinned to `cpu` with taskset, and registers it for cleanup. */
export function start(
  cmd: string,
  args: string[],
  cpu: string | undefined,
  opts: SpawnOptions = {},
): Spawned {
  const [file, argv] = cpu === undefined ? [cmd, args] : ['taskset', ['-c', cpu, cmd, ...args]];
  const stdio = opts.stdio ?? ['ignore', 'pipe', 'pipe'];
  const child = spawn(file, argv, { ...opts, stdio, detached: true });
  children.add(child);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? String(code));
    });
    child.once('error', (err) => {
      children.delete(child);
      out += `\n${err.message}`;
      resolve('spawn-error');
    });
  });
  return {
    child,
    tail: () => out.trim(),
    exited,
    stop: () => stopChild(child, exited),
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function stopChild(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Synchronous, idempotent: safe from 'exit' handlers. */
export function cleanupSync(): void {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) killGroup(c, 'SIGKILL');
  children.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, new Promise((r) => c.once('exit', r)))));
  cleanupSync();
}

export function installExitHandlers(): void {
  process.once('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping children and removing temp dirs`);
      cleanupSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Finds a free TCP port on 127.0.0.1 (bind to 0, read, close; a tiny race is acceptable here). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns true, the process exits, or `timeoutMs` passes.
 * Returns undefined on success, otherwise why it did not become ready.
 */
export async function waitReady(
  proc: Spawned,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: string | undefined;
  void proc.exited.then((c) => {
    exitedWith = c;
  });
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) return `exited early (${exitedWith})`;
    if (await probe()) return undefined;
    await sleep(100);
  }
  return `not ready within ${timeoutMs / 1000} s`;
}

export const portOpen = (port: number) => () => canConnect(port);
