// Plays one generated sequence against the proxy: requests start one after another without waiting
// for each other (so they overlap), pauses space them, pushes change the config under them. Then
// every invariant is checked.
import http from 'node:http';
import http2 from 'node:http2';
import { type ClientContext, type Outcome, runRequest } from './client-actions.ts';
import type { Sequence } from './generators.ts';
import { checkOutcomes, checkServing, checkSettled, type Finding } from './invariants.ts';
import type { ProxyUnderTest } from './proxy-under-test.ts';
import type { RecordingUpstreams } from './recording-upstream.ts';

export interface FuzzWorld {
  readonly proxy: ProxyUnderTest;
  readonly upstreams: RecordingUpstreams;
  readonly listenPort: number;
}

let requestCounter = 0;

export async function runSequence(world: FuzzWorld, seq: Sequence, runTag: string): Promise<Finding[]> {
  const { proxy, upstreams, listenPort } = world;
  await proxy.pushAndWait(seq.initial);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let session: http2.ClientHttp2Session | undefined;
  const ctx: ClientContext = {
    port: listenPort,
    agent,
    h2Session: () => {
      if (!session || session.closed || session.destroyed) {
        session = http2.connect(`http://127.0.0.1:${listenPort}`);
        session.on('error', () => {});
      }
      return session;
    },
  };
  const running: Array<Promise<Outcome>> = [];
  for (const step of seq.steps) {
    if (step.type === 'request') {
      const n = ++requestCounter;
      running.push(runRequest(ctx, `${runTag}-${n}`, n, step));
    } else if (step.type === 'pause') await new Promise((r) => setTimeout(r, step.ms));
    else proxy.push(step.mesh);
  }
  const outcomes = await Promise.all(running);
  agent.destroy();
  session?.destroy();
  const findings = checkOutcomes(outcomes, upstreams);
  const serving = await checkServing(proxy, listenPort);
  findings.push(...serving);
  // gauges of a process that does not serve say nothing more
  if (serving.length === 0) findings.push(...(await checkSettled(proxy, upstreams)));
  return findings;
}
