// A real weft-control-plane process on a temp config folder, for end-to-end tests: write files into
// its folder, wait for a pushed version, restart it on the same ports, read its debug endpoints.
// Everything it starts or creates is removed by the test's teardown.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { REPO_ROOT } from './proxy.ts';
import { closedPort } from './upstream.ts';

export interface ControlPlane {
  readonly dir: string;
  readonly xdsPort: number;
  readonly monitoringPort: number;
  readonly xdsAddress: string;
  /** Everything the current process has written to stderr. */
  log(): string;
  write(file: string, content: string): Promise<void>;
  remove(file: string): Promise<void>;
  /** Resolves once the control plane logs a push after `since` (a log length) — i.e. a new version. */
  pushedSince(since: number, timeoutMs?: number): Promise<void>;
  debug<T>(path: string): Promise<T>;
  /** Kills the process (SIGKILL: a crash, not a drain). */
  kill(): Promise<void>;
  /** Starts it again on the same ports and folder. */
  start(): Promise<void>;
}

export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  context: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startControlPlane(
  t: Test,
  files: Record<string, string>,
  extraArgs: string[] = [],
): Promise<ControlPlane> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-cp-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const xdsPort = await closedPort();
  const monitoringPort = await closedPort();
  let child: ChildProcess | undefined;
  let text = '';
  const context = () => `; control plane log:\n${text.slice(-4000)}`;
  const start = async () => {
    text = '';
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'control-plane/src/main.ts'),
        '--config-dir',
        dir,
        '--xds-port',
        String(xdsPort),
        '--monitoring-port',
        String(monitoringPort),
        '--listen-address',
        '127.0.0.1',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (c: Buffer) => {
      text += c.toString();
    });
    await until('the control plane to be ready', () => text.includes('"msg":"ready"'), 20_000, context);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };
  t.teardown(kill);
  // A test file that dies on an uncaught error skips its teardown: never leave the process behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();
  return {
    dir,
    xdsPort,
    monitoringPort,
    xdsAddress: `127.0.0.1:${xdsPort}`,
    log: () => text,
    write: (file, content) => writeFile(join(dir, file), content),
    remove: (file) => unlink(join(dir, file)),
    pushedSince: (since, timeoutMs = 15_000) =>
      until('a push', () => text.slice(since).includes('"msg":"pushed"'), timeoutMs, context),
    debug: async <T>(path: string) =>
      (await (await fetch(`http://127.0.0.1:${monitoringPort}${path}`)).json()) as T,
    kill,
    start,
  };
}
