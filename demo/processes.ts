// Owns every process the demo starts. Each runs TypeScript from this checkout under tsx, in its own
// process group (so the terminal's Ctrl-C reaches the demo only, and the demo stops them in order),
// with the parent guard preloaded (so they stop even if the demo is killed outright). Their output
// goes to a log file each, not to pipes: a pipe breaks when the demo dies, and a process that cannot
// write its log may never finish stopping.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The last few KB of its output, to explain a failure. */
  tail(): string;
  readonly exited: Promise<string>;
}

const STOP_GRACE_MS = 4_000;

export class Processes {
  private readonly children = new Map<ChildProcess, Child>();
  private stopping = false;

  /**
   * `logDir` receives one `<name>.log` per child; `onUnexpectedExit` is called when a child exits
   * before stopAll() (the demo cannot go on without it).
   */
  constructor(
    private readonly logDir: string,
    private readonly onUnexpectedExit: (child: Child, how: string) => void,
  ) {}

  /** Starts `node --import tsx <script> args…` from the repository root (`script` relative to it, or absolute). */
  startTs(name: string, script: string, args: string[]): Child {
    const logFile = join(this.logDir, `${name.replace(/[^\w.-]+/g, '-')}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        join(REPO_ROOT, 'demo/parent-guard.ts'),
        resolvePath(REPO_ROOT, script),
        ...args,
      ],
      { cwd: REPO_ROOT, detached: true, stdio: ['ignore', log, log, 'ipc'] },
    );
    closeSync(log); // the child has its own copy
    const tail = () => {
      try {
        return readFileSync(logFile, 'utf8').slice(-4000).trim();
      } catch {
        return '';
      }
    };
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`));
      child.once('error', (err) => resolve(`could not start: ${err.message}`));
    });
    const handle: Child = { name, pid: child.pid ?? 0, tail, exited };
    this.children.set(child, handle);
    void exited.then((how) => {
      this.children.delete(child);
      if (!this.stopping) this.onUnexpectedExit(handle, how);
    });
    return handle;
  }

  pids(): number[] {
    return [...this.children.values()].map((c) => c.pid);
  }

  /** SIGTERM to every child's group, then SIGKILL to whatever is left after the grace period. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const running = [...this.children.keys()];
    for (const child of running) signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const child of running) signalGroup(child, 'SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(running.map((child) => this.children.get(child)?.exited));
    clearTimeout(timer);
  }

  /** Last resort from an 'exit' handler: synchronous, no waiting. */
  killAllNow(): void {
    this.stopping = true;
    for (const child of this.children.keys()) signalGroup(child, 'SIGKILL');
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
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
