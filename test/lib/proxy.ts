// Starts weft-proxy for a test: in-process (the same Proxy and AdminServer the CLI wires up, fed
// through the real loader and compiler) or as a real child process of the CLI.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminServer } from '../../proxy/src/admin/server.ts';
import { compileBootstrap } from '../../proxy/src/compile/runtime.ts';
import { loadBootstrapText } from '../../proxy/src/config/index.ts';
import { WeftProxy } from '../../proxy/src/proxy.ts';

export interface RunningProxy {
  readonly proxy: WeftProxy;
  /** Port of the first listener. */
  readonly port: number;
  readonly adminPort: number;
  close(): Promise<void>;
}

export async function startProxy(doc: Record<string, unknown>): Promise<RunningProxy> {
  const loaded = await loadBootstrapText(JSON.stringify(doc), 'test-bootstrap.json');
  const config = compileBootstrap(loaded.bootstrap);
  const proxy = new WeftProxy();
  await proxy.apply(config);
  let admin: AdminServer | undefined;
  let adminPort = 0;
  if (config.admin) {
    admin = new AdminServer(proxy, { address: config.admin.address, port: 0, onQuit: () => {} });
    adminPort = (await admin.listen()).port;
  }
  return {
    proxy,
    port: proxy.listenerAddresses()[0]!.port,
    adminPort,
    close: async () => {
      await proxy.stop(0);
      await admin?.close();
    },
  };
}

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly adminPort: number;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  cleanup(): Promise<void>;
}

/** Runs `weft-proxy --bootstrap FILE` as a child process; resolves once it logs "ready". */
export async function spawnProxy(
  doc: Record<string, unknown> | string,
  args: string[] = [],
): Promise<ProxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-test-'));
  const file = join(dir, 'bootstrap.yaml');
  await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  const { child, exited, stderr } = runCli(['--bootstrap', file, ...args]);
  const ready = await new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
    let adminPort = 0;
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        try {
          const entry = JSON.parse(line) as {
            msg?: string;
            admin?: string;
            listeners?: Array<{ port: number }>;
          };
          if (entry.msg === 'admin listening' && entry.admin)
            adminPort = Number(entry.admin.split(':').pop());
          if (entry.msg === 'ready' && entry.listeners) {
            child.stderr?.off('data', onData);
            resolve({ port: entry.listeners[0]?.port ?? 0, adminPort });
          }
        } catch {
          // not a log line
        }
      }
    };
    child.stderr?.on('data', onData);
    exited.then((code) => reject(new Error(`weft-proxy exited (${code}) before ready: ${stderr()}`)));
  });
  return {
    child,
    ...ready,
    stderr,
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
    cleanup: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the weft-proxy CLI from source with the given arguments. */
export function runCli(args: string[]): {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
  stdout: () => string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'proxy/src/cli.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err, stdout: () => out };
}
