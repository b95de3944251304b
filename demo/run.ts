// `npm start`: a local mesh that needs no Kubernetes, to see Weft work within a minute.
//
//   load generator ─► frontend's sidecar ─► frontend ─► frontend's sidecar ─► reviews v1's sidecar ─► reviews v1
//                                                                        └─► reviews v2's sidecar ─► reviews v2
//
// weft-control-plane watches a temporary copy of examples/demo; the frontend's sidecar (weft-proxy)
// takes its config from it over xDS. The demo rewrites the reviews VirtualService's weights in that
// copy step by step (90/10 → 50/50 → 100/0) and shows traffic per version converge after each push.
// Every process is the project's own code, run from this checkout; all of them stop on exit,
// on Ctrl-C and on failure.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEMO_USAGE, type DemoArgs, DemoUsageError, parseDemoArgs } from './args.ts';
import { ControlPlaneStatus } from './control-plane-status.ts';
import { Display } from './display.ts';
import { inboundBootstrap } from './inbound-bootstrap.ts';
import { DEFAULT_BASE_PORT, type Layout, layoutOf, portsToCheck } from './layout.ts';
import { LoadGenerator } from './load.ts';
import { copyMesh, readReviewsWeights, setReviewsWeights, type Weights } from './mesh.ts';
import { Processes, REPO_ROOT } from './processes.ts';
import { renderLine, renderStepResult, renderTable, type StepView, TrafficStats } from './table.ts';

/** As in the benches: WEFT_PROXY_CLI runs another weft-proxy entry point (a build, another checkout). */
const PROXY_CLI = process.env.WEFT_PROXY_CLI ?? 'proxy/src/cli.ts';
const FRONTEND_NODE_ID = 'sidecar~127.0.0.1~frontend-v1.default~default.svc.cluster.local';
const LIVE_WINDOW_SEC = 2;
const STARTUP_TIMEOUT_MS = 90_000;
const APPLY_TIMEOUT_MS = 30_000;
/** Traffic before the first step is measured: connections open and the code paths warm up. */
const WARMUP_MS = 1_500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

/** Whether nothing listens on `port` on any local address (what the sidecar's 0.0.0.0 listeners need). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` (true, or why not yet) until it passes; the error says what never came up, and why. */
async function until(what: string, check: () => Promise<boolean | string>, deadline: number): Promise<void> {
  for (;;) {
    const last = await check();
    if (last === true) return;
    if (Date.now() > deadline) {
      const why = typeof last === 'string' ? ` (last: ${last})` : '';
      throw new Error(`${what} did not come up within ${STARTUP_TIMEOUT_MS / 1000} s${why}`);
    }
    await sleep(50);
  }
}

/**
 * One end-to-end request: load generator → frontend's sidecar → frontend → … → reviews. (node:http,
 * not fetch: fetch does not let a caller set the Host header the sidecar routes by.)
 */
function endToEnd(layout: Layout): Promise<true | string> {
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port: layout.frontendService,
        path: '/',
        headers: { host: 'frontend' },
        timeout: 2_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve(
            res.statusCode === 200 && body.includes('"reviews":"v')
              ? true
              : `${res.statusCode} ${body.slice(0, 200)}`,
          ),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (err) => resolve(err.message));
  });
}

class Demo {
  /** Removed on exit: the control plane's config folder and the sidecars' bootstraps. */
  private readonly tempDir = mkdtempSync(join(tmpdir(), 'weft-demo-'));
  /** What the control plane watches: the copy of examples/demo the demo edits. */
  private readonly configDir = join(this.tempDir, 'config');
  private readonly processes = new Processes(
    this.tempDir,
    (child, how) =>
      void this.shutdown(1, `weft demo: ${child.name} exited unexpectedly (${how})\n${child.tail()}`),
  );
  private readonly stats = new TrafficStats();
  private readonly display: Display;
  private readonly startedAt = now();
  private load: LoadGenerator | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private view: StepView | undefined;
  private stopping: Promise<never> | undefined;

  constructor(private readonly args: DemoArgs) {
    this.display = new Display(args.plain);
    process.once('exit', () => {
      this.processes.killAllNow();
      rmSync(this.tempDir, { recursive: true, force: true });
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => void this.shutdown(0, `${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping`));
    }
  }

  async run(): Promise<never> {
    const { args } = this;
    const mesh = copyMesh(
      join(REPO_ROOT, 'examples/demo'),
      this.configDir,
      args.basePort - DEFAULT_BASE_PORT,
    );
    const layout = layoutOf(args.basePort, mesh);
    for (const { port, what } of portsToCheck(layout)) {
      if (!(await portFree(port))) {
        return this.shutdown(
          1,
          `weft demo: port ${port} is already in use (the demo needs it for ${what}) — stop what uses it, or move the demo with --base-port ${args.basePort + 1000}`,
        );
      }
    }
    this.printIntro(layout);
    const status = new ControlPlaneStatus(layout.monitoring);
    let version = await this.startMesh(layout, status);
    this.load = new LoadGenerator(layout.frontendService, 'frontend', this.stats);
    this.load.start(args.rate);
    this.display.event(`load generator started; warming up for ${WARMUP_MS / 1000} s`);
    await sleep(WARMUP_MS);
    this.ticker = setInterval(() => this.render(), args.plain ? 100 : 250);
    do {
      for (const [i, weights] of args.steps.entries()) {
        version = await this.runStep(i, weights, version, status);
      }
    } while (args.loop);
    return this.shutdown(0, 'rollout finished');
  }

  private printIntro(layout: Layout): void {
    const { args } = this;
    const d = this.display;
    d.event(`Weft local mesh demo — all on this machine, ports ${args.basePort}–${args.basePort + 199}`);
    d.event(
      `  load generator (${args.rate} req/s) ─► frontend's sidecar :${layout.frontendService} ─► frontend :${layout.frontendApp} ─► frontend's sidecar :${layout.reviewsService} (Host: reviews)`,
    );
    d.event(
      `     ├─► reviews v1's sidecar :${layout.reviewsInbound.v1} ─► reviews v1 :${layout.reviewsApp.v1}`,
    );
    d.event(
      `     └─► reviews v2's sidecar :${layout.reviewsInbound.v2} ─► reviews v2 :${layout.reviewsApp.v2} (+${args.v2DelayMs} ms, ${args.v2ErrorRate * 100} % errors)`,
    );
    d.event(
      `  weft-control-plane (xDS :${layout.xds}, monitoring :${layout.monitoring}) watches ${this.configDir}, a copy of examples/demo`,
    );
  }

  /** Starts every process and waits until a request goes through the whole mesh; returns the version in force. */
  private async startMesh(layout: Layout, status: ControlPlaneStatus): Promise<string> {
    const { args, processes } = this;
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    this.display.event('starting the control plane, 3 sidecars and 3 services…');
    for (const v of ['v1', 'v2'] as const) {
      const slow =
        v === 'v2' ? ['--delay-ms', String(args.v2DelayMs), '--error-rate', String(args.v2ErrorRate)] : [];
      processes.startTs(`reviews ${v}`, 'demo/services.ts', [
        'reviews',
        '--version',
        v,
        '--port',
        String(layout.reviewsApp[v]),
        ...slow,
      ]);
      const bootstrap = join(this.tempDir, `reviews-${v}-sidecar.json`);
      writeFileSync(
        bootstrap,
        inboundBootstrap({
          version: v,
          listenPort: layout.reviewsInbound[v],
          adminPort: layout.reviewsSidecarAdmin[v],
          appPort: layout.reviewsApp[v],
        }),
      );
      processes.startTs(`reviews ${v}'s sidecar`, PROXY_CLI, [
        '--bootstrap',
        bootstrap,
        '--drain-seconds',
        '1',
      ]);
    }
    processes.startTs('frontend', 'demo/services.ts', [
      'frontend',
      '--port',
      String(layout.frontendApp),
      '--reviews-port',
      String(layout.reviewsService),
    ]);
    processes.startTs('weft-control-plane', 'control-plane/src/main.ts', [
      '--config-dir',
      this.configDir,
      '--listen-address',
      '127.0.0.1',
      '--xds-port',
      String(layout.xds),
      '--monitoring-port',
      String(layout.monitoring),
    ]);
    await until('weft-control-plane', () => status.ready(), deadline);
    processes.startTs("frontend's sidecar", PROXY_CLI, [
      '--control-plane',
      `127.0.0.1:${layout.xds}`,
      '--node-id',
      FRONTEND_NODE_ID,
      '--namespace',
      'default',
      '--labels',
      'app=frontend,version=v1',
      '--admin-port',
      String(layout.frontendSidecarAdmin),
      '--drain-seconds',
      '1',
    ]);
    for (const port of [layout.reviewsApp.v1, layout.reviewsApp.v2, layout.frontendApp])
      await until(`the service on port ${port}`, () => accepts(port), deadline);
    for (const v of ['v1', 'v2'] as const)
      await until(`reviews ${v}'s sidecar`, () => accepts(layout.reviewsInbound[v]), deadline);
    const version = await status.waitApplied(FRONTEND_NODE_ID, undefined, deadline - Date.now());
    if (version === undefined) throw new Error("the frontend's sidecar did not apply its config in time");
    await until('a request through the whole mesh', () => endToEnd(layout), deadline);
    const seconds = ((now() - this.startedAt) / 1000).toFixed(1);
    this.display.event(`mesh up in ${seconds} s; processes: ${processes.pids().join(' ')}`);
    return version;
  }

  /** Applies one step (unless already in force), measures it for --steps-seconds; returns the version. */
  private async runStep(
    i: number,
    weights: Weights,
    version: string,
    status: ControlPlaneStatus,
  ): Promise<string> {
    const total = this.args.steps.length;
    const view: StepView = { index: i + 1, total, weights, status: 'applying…' };
    this.view = view;
    const current = readReviewsWeights(this.configDir);
    let appliedAt = now();
    if (current.v1 === weights.v1 && current.v2 === weights.v2) {
      view.status = 'in force since start-up';
      this.display.event(
        `step ${i + 1}/${total}: reviews v1 ${weights.v1} / v2 ${weights.v2} (as in examples/demo)`,
      );
    } else {
      const writtenAt = now();
      const file = setReviewsWeights(this.configDir, weights);
      this.display.event(
        `step ${i + 1}/${total}: writing v1 ${weights.v1} / v2 ${weights.v2} to ${relative(this.configDir, file)}`,
      );
      const next = await status.waitApplied(FRONTEND_NODE_ID, version, APPLY_TIMEOUT_MS);
      if (next === undefined)
        return this.shutdown(1, `weft demo: the change was not applied within ${APPLY_TIMEOUT_MS / 1000} s`);
      version = next;
      appliedAt = now();
      view.status = `applied by the frontend's sidecar ${(appliedAt - writtenAt).toFixed(0)} ms after the write`;
      this.display.event(`step ${i + 1}/${total}: ${view.status} (version ${version})`);
    }
    await sleep(this.args.stepSeconds * 1000);
    const end = now();
    this.display.event(renderStepResult(view, this.stats.window(appliedAt, end), (end - appliedAt) / 1000));
    this.stats.prune(end - LIVE_WINDOW_SEC * 1000);
    return version;
  }

  private render(): void {
    if (!this.view) return;
    const t = now();
    const live = this.stats.window(t - LIVE_WINDOW_SEC * 1000, t);
    const elapsed = (t - this.startedAt) / 1000;
    this.display.live(
      renderTable(this.view, live, LIVE_WINDOW_SEC, elapsed),
      renderLine(this.view, live, elapsed),
      t,
    );
  }

  /** Stops everything (once), removes the temporary folder, and exits with `code`. */
  shutdown(code: number, message: string): Promise<never> {
    this.stopping ??= (async () => {
      if (this.ticker) clearInterval(this.ticker);
      this.load?.stop();
      this.display.keepLive();
      this.display.event(message);
      const count = this.processes.pids().length;
      await this.processes.stopAll();
      rmSync(this.tempDir, { recursive: true, force: true });
      if (count > 0) this.display.event(`stopped ${count} processes and removed ${this.tempDir}`);
      process.exit(code);
    })();
    return this.stopping;
  }
}

async function main(): Promise<void> {
  let args: DemoArgs | 'help';
  try {
    args = parseDemoArgs(process.argv.slice(2), process.stdout.isTTY === true);
  } catch (err) {
    if (!(err instanceof DemoUsageError)) throw err;
    process.stderr.write(`weft demo: ${err.message} (see --help)\n`);
    process.exit(2);
  }
  if (args === 'help') {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return;
  }
  const demo = new Demo(args);
  await demo
    .run()
    .catch((err: unknown) =>
      demo.shutdown(1, `weft demo: ${err instanceof Error ? err.message : String(err)}`),
    );
}

void main();
