// Child-process entry for a share of the simulated proxies, so the client side of the xDS bench
// runs outside the harness's event loop (and, when pinned, off the control plane's core). Talks to
// the harness over IPC: `start` opens the streams, `await` reports when each proxy converged on a
// version, `cpu` reports this process's CPU time, `close` ends everything.
import type { ProxySpec } from './xds-mesh.ts';
import { convergedAtOrAfter } from './xds-report.ts';
import { SimProxy, type SimProxyEvents } from './xds-sim-proxy.ts';

export type WorkerCommand =
  | { type: 'start'; address: string; proxies: ProxySpec[]; connectConcurrency: number }
  | { type: 'await'; version: string; timeoutMs: number }
  | { type: 'cpu' }
  | { type: 'close' };

export interface CpuTime {
  userUs: number;
  systemUs: number;
}

export type WorkerReport =
  | { type: 'connected'; count: number }
  | {
      type: 'acked';
      version: string;
      /** Per proxy, in the order given: when it had ACKed the version whole (wall ms), or null. */
      ackedAt: Array<number | null>;
      startedAt: number[];
      failures: string[];
      cpu: CpuTime;
    }
  | { type: 'cpu'; cpu: CpuTime }
  | { type: 'error'; message: string };

const proxies: SimProxy[] = [];
/** Waiters for `await`, re-checked whenever a proxy converges. */
let waiters: Array<() => boolean> = [];

function send(report: WorkerReport): void {
  process.send?.(report);
}

function cpuNow(): CpuTime {
  const { user, system } = process.cpuUsage();
  return { userUs: user, systemUs: system };
}

let opened: () => void = () => {};
const events: SimProxyEvents = {
  onOpened: () => opened(),
  onConverged: () => {
    if (waiters.length > 0) waiters = waiters.filter((done) => !done());
  },
};

/** Opens the streams with at most `concurrency` still waiting for their first response. */
async function connectAll(address: string, specs: ProxySpec[], concurrency: number): Promise<void> {
  let next = 0;
  let opening = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (opening < concurrency && next < specs.length) {
        const spec = specs[next++]!;
        const proxy = new SimProxy(address, { id: spec.nodeId, metadata: spec.metadata }, events);
        proxies.push(proxy);
        opening++;
        proxy.start();
      }
      if (next === specs.length && opening === 0) resolve();
    };
    opened = () => {
      opening--;
      pump();
    };
    pump();
  });
  send({ type: 'connected', count: proxies.length });
}

function awaitVersion(version: string, timeoutMs: number): void {
  const deadline = setTimeout(() => finish(), timeoutMs);
  let finished = false;
  const finish = () => {
    if (finished) return true;
    finished = true;
    clearTimeout(deadline);
    send({
      type: 'acked',
      version,
      ackedAt: proxies.map((p) => convergedAtOrAfter(p.converged, version) ?? null),
      startedAt: proxies.map((p) => p.startedAt),
      failures: proxies.flatMap((p) => (p.failure ? [`${p.failure}`] : [])),
      cpu: cpuNow(),
    });
    return true;
  };
  const check = () =>
    proxies.every((p) => p.failure !== undefined || convergedAtOrAfter(p.converged, version) !== undefined)
      ? finish()
      : false;
  if (!check()) waiters.push(check);
}

process.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'start':
      connectAll(command.address, command.proxies, command.connectConcurrency).catch((err: unknown) =>
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
      return;
    case 'await':
      return awaitVersion(command.version, command.timeoutMs);
    case 'cpu':
      return send({ type: 'cpu', cpu: cpuNow() });
    case 'close':
      for (const proxy of proxies) proxy.close();
      // Give the cancels a moment to reach the server, so it sees clean disconnects.
      setTimeout(() => process.exit(0), 200);
      return;
  }
});

// The harness went away (crash, SIGKILL): do not linger holding a thousand connections.
process.on('disconnect', () => process.exit(1));
