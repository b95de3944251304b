// The weft-proxy process under fuzz, in control-plane mode against a real AdsServer in the test: pushes
// (with or without waiting for the ACK), the admin gauges that must settle, and a restart that gives
// the next run a fresh process after a run that broke this one. The machine is shared: a process that
// runs away with memory is killed (and reported), and none outlives the test.
import { readFileSync } from 'node:fs';
import type { AdsServer } from '../../../control-plane/src/xds/ads-server.ts';
import { runCli } from '../proxy.ts';
import type { MeshSpec } from './generators.ts';
import { type MeshPorts, meshSnapshot } from './mesh-config.ts';

const NODE_ID = 'sidecar~127.0.0.1~fuzz-0.default';
const START_MS = 30_000;
const ACK_MS = 10_000;
const ADMIN_MS = 5_000;
/** A proxy under this fuzz load stays far below it; a runaway loop passes it within seconds. */
const RSS_LIMIT_KB = 1024 * 1024;
const WATCH_MS = 200;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ProxyUnderTest {
  private run: ReturnType<typeof runCli> | undefined;
  private adminPort = 0;
  private version = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private killedFor: string | undefined;
  private readonly killOnExit = () => this.run?.child.kill('SIGKILL');

  constructor(
    private readonly server: AdsServer,
    private readonly xdsPort: number,
    private readonly ports: MeshPorts,
  ) {}

  get alive(): boolean {
    const child = this.run?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Whether the process has exited or exits within `ms`. */
  async exitsWithin(ms: number): Promise<boolean> {
    const run = this.run;
    if (!run) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([run.exited, timeout]);
    clearTimeout(timer);
    return !this.alive;
  }

  /** How the process ended, with the end of its log. */
  exitReport(): string {
    const child = this.run?.child;
    const tail = (this.run?.stderr() ?? '')
      .split('\n')
      .filter((l) => !l.includes('"xds '))
      .join('\n');
    const killed = this.killedFor ? ` (killed by the test: ${this.killedFor})` : '';
    return `exit code ${child?.exitCode}, signal ${child?.signalCode}${killed}; stderr tail:\n${tail.slice(-3000)}`;
  }

  async start(mesh: MeshSpec): Promise<void> {
    await this.stop();
    this.push(mesh);
    this.run = runCli([
      '--control-plane',
      `127.0.0.1:${this.xdsPort}`,
      '--node-id',
      NODE_ID,
      '--admin-port',
      '0',
      '--drain-seconds',
      '0',
    ]);
    this.killedFor = undefined;
    process.once('exit', this.killOnExit);
    this.watchdog = setInterval(() => this.watchMemory(), WATCH_MS);
    const deadline = Date.now() + START_MS;
    for (;;) {
      const m = /"admin":"127\.0\.0\.1:(\d+)"/.exec(this.run.stderr());
      if (m) {
        this.adminPort = Number(m[1]);
        break;
      }
      if (!this.alive || Date.now() > deadline)
        throw new Error(`weft-proxy did not start: ${this.exitReport()}`);
      await sleep(20);
    }
    await this.waitForAck();
  }

  private watchMemory(): void {
    const pid = this.run?.child.pid;
    if (pid === undefined || !this.alive) return;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return; // gone, or not Linux
    }
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    if (rssKb > RSS_LIMIT_KB) {
      this.killedFor = `resident memory ${Math.round(rssKb / 1024)} MiB`;
      this.run?.child.kill('SIGKILL');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.watchdog);
    process.off('exit', this.killOnExit);
    const run = this.run;
    this.run = undefined;
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
  }

  /** Hands the control plane a new config; the proxy gets it whenever it gets it. */
  push(mesh: MeshSpec): string {
    const version = String(++this.version);
    this.server.setSnapshot('*', meshSnapshot(version, mesh, this.ports));
    return version;
  }

  /** Pushes and waits until the proxy has ACKed every type of it. */
  async pushAndWait(mesh: MeshSpec): Promise<void> {
    this.push(mesh);
    await this.waitForAck();
  }

  private async waitForAck(): Promise<void> {
    const version = String(this.version);
    const deadline = Date.now() + ACK_MS;
    for (;;) {
      const streams = this.server.status().filter((s) => s.nodeId === NODE_ID);
      const latest = streams.sort((a, b) => a.connectedAt.localeCompare(b.connectedAt)).at(-1);
      const types = latest ? Object.values(latest.types) : [];
      const nack = types.find((s) => s.nacked?.version === version);
      if (nack) throw new Error(`the proxy NACKed fuzz config ${version}: ${nack.nacked?.message}`);
      if (types.length === 4 && types.every((s) => s.acked === version)) return;
      if (!this.alive)
        throw new Error(`weft-proxy died while applying config ${version}: ${this.exitReport()}`);
      if (Date.now() > deadline)
        throw new Error(`no ACK of fuzz config ${version}: ${JSON.stringify(latest)}`);
      await sleep(5);
    }
  }

  async admin(path: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}${path}`, {
      signal: AbortSignal.timeout(ADMIN_MS),
    });
    return res.text();
  }
}
