// The things being measured. Each target either starts (returning the port to load) or explains,
// in one line, why it was skipped and how to fix that.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { haproxyConfig, nginxConfig, weftBootstrap } from './configs.ts';
import { freePort, hasCommand, portOpen, type Spawned, start, waitReady } from './procs.ts';

export interface TargetEnv {
  repoRoot: string;
  /** Per-run temp dir (removed on exit); each target makes its own subfolder. */
  dir: string;
  upstreamPort: number;
  /** CPU list for `taskset -c`, or undefined when not pinning. */
  proxyCpu: string | undefined;
}

export interface Running {
  port: number;
  stop(): Promise<void>;
}

export type Started = { ok: true; running: Running } | { ok: false; reason: string };

export interface Target {
  name: string;
  start(env: TargetEnv): Promise<Started>;
}

export const WEFT_READY_TIMEOUT_MS = 10_000;
const PROXY_READY_TIMEOUT_MS = 5_000;

/** GET http://127.0.0.1:port/path → status and body length, or undefined on any failure. */
export function httpGet(port: number, path: string): Promise<{ status: number; bytes: number } | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 1000, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => {
        bytes += b.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function lastLines(text: string, n = 8): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 0 ? '(no output)' : lines.slice(-n).join('\n    ');
}

/** The line of a failed process's output most likely to say why (its first error line, or its last). */
function headline(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  const err = lines.find((l) => /\b(error|alert|emerg|cannot|failed)\b/i.test(l) && !l.startsWith('at '));
  return err ?? lines.filter((l) => l !== '').at(-1) ?? '(no output)';
}

/** Waits for the probe; on failure stops the process and returns why, with its last output. */
async function readyOrExplain(
  proc: Spawned,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  extraLog?: string,
): Promise<{ ok: false; reason: string } | undefined> {
  const why = await waitReady(proc, probe, timeoutMs);
  if (why === undefined) return undefined;
  await proc.stop();
  let out = proc.tail();
  if (extraLog && existsSync(extraLog)) out += `\n${readFileSync(extraLog, 'utf8')}`;
  return { ok: false, reason: `${why}: ${headline(out)}\n    last output:\n    ${lastLines(out)}` };
}

const direct: Target = {
  name: 'direct',
  start: async (env) => ({ ok: true, running: { port: env.upstreamPort, stop: async () => {} } }),
};

const weft: Target = {
  name: 'weft',
  async start(env) {
    // WEFT_PROXY_CLI points the harness at another entry point (e.g. a build, or a stub in a test).
    const cli = process.env.WEFT_PROXY_CLI ?? join(env.repoRoot, 'proxy/src/cli.ts');
    if (!existsSync(cli)) return { ok: false, reason: `${cli} does not exist (yet)` };
    const [port, adminPort] = [await freePort(), await freePort()];
    const bootstrap = join(env.dir, 'weft-bootstrap.yaml');
    writeFileSync(bootstrap, weftBootstrap(port, adminPort, env.upstreamPort));
    const args = ['--import', 'tsx', cli, '--bootstrap', bootstrap];
    const proc = start(process.execPath, args, env.proxyCpu, { cwd: env.repoRoot });
    const ready = async () => (await httpGet(adminPort, '/ready'))?.status === 200;
    const failed = await readyOrExplain(proc, ready, WEFT_READY_TIMEOUT_MS);
    if (failed) {
      return { ok: false, reason: `admin GET /ready on :${adminPort} never returned 200: ${failed.reason}` };
    }
    return { ok: true, running: { port, stop: proc.stop } };
  },
};

const haproxy: Target = {
  name: 'haproxy',
  async start(env) {
    if (!hasCommand('haproxy', ['-v'])) {
      return { ok: false, reason: 'haproxy is not installed; install it with: apt-get install -y haproxy' };
    }
    const port = await freePort();
    const cfg = join(env.dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig(port, env.upstreamPort));
    const proc = start('haproxy', ['-db', '-f', cfg], env.proxyCpu);
    const failed = await readyOrExplain(proc, portOpen(port), PROXY_READY_TIMEOUT_MS);
    return failed ?? { ok: true, running: { port, stop: proc.stop } };
  },
};

const nginx: Target = {
  name: 'nginx',
  async start(env) {
    if (!hasCommand('nginx', ['-v'])) {
      return {
        ok: false,
        reason: 'nginx is not installed (optional); install it with: apt-get install -y nginx-light',
      };
    }
    const port = await freePort();
    const cfg = join(env.dir, 'nginx.conf');
    const errorLog = join(env.dir, 'error.log');
    writeFileSync(cfg, nginxConfig(env.dir, port, env.upstreamPort));
    const proc = start('nginx', ['-p', env.dir, '-c', cfg, '-e', errorLog], env.proxyCpu);
    const failed = await readyOrExplain(proc, portOpen(port), PROXY_READY_TIMEOUT_MS, errorLog);
    return failed ?? { ok: true, running: { port, stop: proc.stop } };
  },
};

const nodeProxy: Target = {
  name: 'node-proxy',
  async start(env) {
    const port = await freePort();
    const script = join(env.repoRoot, 'bench/baselines/node-proxy.ts');
    const args = ['--import', 'tsx', script, String(port), String(env.upstreamPort)];
    const proc = start(process.execPath, args, env.proxyCpu, { cwd: env.repoRoot });
    const failed = await readyOrExplain(proc, portOpen(port), PROXY_READY_TIMEOUT_MS);
    return failed ?? { ok: true, running: { port, stop: proc.stop } };
  },
};

/** In run order: the no-proxy reference first, then the proxy under test, then the baselines. */
export const TARGETS: readonly Target[] = [direct, weft, haproxy, nginx, nodeProxy];
export const TARGET_NAMES = TARGETS.map((t) => t.name);
