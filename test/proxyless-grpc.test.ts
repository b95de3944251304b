// A proxyless gRPC client (@grpc/grpc-js-xds, with a standard xDS bootstrap as Istio's proxyless
// injection writes it: node metadata NAMESPACE and GENERATOR=grpc) dialing
// `xds:///reviews.default.svc.cluster.local:9080` against the real weft-control-plane process follows
// the same VirtualService as the sidecars: weights (and a live change of them), header match,
// fault abort and delay, timeouts and retries. The upstreams are real @grpc/grpc-js servers.
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { startControlPlane, until } from './lib/control-plane.ts';
import { reviewsYaml } from './lib/mesh-yaml.ts';

const SERVICE_PORT = 9080;
const identity = (b: Buffer) => b;
const callDefinition = {
  path: '/weft.test.Echo/Call',
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
} as const;
const EchoClient = grpc.makeGenericClientConstructor({ Call: callDefinition }, 'Echo');

/** A gRPC server named `name`: sleeps for x-sleep-ms, fails the first call of each x-fail-first key. */
async function startGrpcUpstream(name: string): Promise<{ port: number; close: () => Promise<void> }> {
  const failed = new Set<string>();
  const server = new grpc.Server();
  server.addService(
    { Call: callDefinition },
    {
      Call: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const failKey = call.metadata.get('x-fail-first')[0];
        if (typeof failKey === 'string' && !failed.has(failKey)) {
          failed.add(failKey);
          callback({ code: grpc.status.UNAVAILABLE, details: `${name} failing once` });
          return;
        }
        const sleep = Number(call.metadata.get('x-sleep-ms')[0] ?? 0);
        setTimeout(() => callback(null, Buffer.from(name)), sleep);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { port, close: () => new Promise((r) => server.tryShutdown(() => r())) };
}

const v1 = await startGrpcUpstream('v1');
const v2 = await startGrpcUpstream('v2');
t.teardown(() => Promise.all([v1.close(), v2.close()]));

const workloads = reviewsYaml({
  port: SERVICE_PORT,
  portName: 'grpc-reviews',
  appProtocol: 'grpc',
  workloads: [
    { version: 'v1', port: v1.port },
    { version: 'v2', port: v2.port },
  ],
});
const virtualService = (w1: number, w2: number) => `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ headers: { x-tester: { exact: "yes" } } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - match: [{ headers: { x-fault: { exact: abort } } }]
      fault: { abort: { grpcStatus: UNAVAILABLE, percentage: { value: 50 } } }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - match: [{ headers: { x-fault: { exact: delay } } }]
      fault: { delay: { fixedDelay: 400ms, percentage: { value: 100 } } }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - match: [{ headers: { x-case: { exact: timeout } } }]
      timeout: 300ms
      route: [{ destination: { host: reviews, subset: v1 } }]
    - match: [{ headers: { x-case: { exact: retry } } }]
      retries: { attempts: 3, retryOn: unavailable }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - route:
        - { destination: { host: reviews, subset: v1 }, weight: ${w1} }
        - { destination: { host: reviews, subset: v2 }, weight: ${w2} }
`;

const cp = await startControlPlane(t, {
  'workloads.yaml': workloads,
  'reviews.yaml': virtualService(75, 25),
});

// The xDS client reads its bootstrap once, when the first xds: channel is created.
process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
  xds_servers: [
    { server_uri: cp.xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
  ],
  node: {
    id: 'sidecar~127.0.0.1~ratings-client.default~default.svc.cluster.local',
    locality: {},
    metadata: { NAMESPACE: 'default', GENERATOR: 'grpc' },
  },
});
const xds = await import('@grpc/grpc-js-xds');
xds.register();
const client = new EchoClient(
  `xds:///reviews.default.svc.cluster.local:${SERVICE_PORT}`,
  grpc.credentials.createInsecure(),
);
t.teardown(() => client.close());

type UnaryCall = (
  request: Buffer,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply?: Buffer) => void,
) => void;

interface Outcome {
  server?: string;
  code: grpc.status;
  ms: number;
}

function call(headers: Record<string, string> = {}, deadlineMs = 10_000): Promise<Outcome> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  const started = performance.now();
  return new Promise((resolve) =>
    (client as unknown as { Call: UnaryCall }).Call(
      Buffer.from('hi'),
      metadata,
      { deadline: Date.now() + deadlineMs },
      (err: grpc.ServiceError | null, reply?: Buffer) =>
        resolve({
          code: err ? err.code : grpc.status.OK,
          ms: performance.now() - started,
          ...(reply ? { server: reply.toString() } : {}),
        }),
    ),
  );
}

async function shares(n: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => call(headers)));
    for (const o of batch) {
      const key = o.server ?? `error ${o.code}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

await until(
  'the xDS client to route',
  async () => (await call()).code === grpc.status.OK,
  20_000,
  () => cp.log(),
);

t.test('weights: 75/25 over 2 000 RPCs', async (t) => {
  const counts = await shares(2000);
  t.equal((counts.v1 ?? 0) + (counts.v2 ?? 0), 2000, `every RPC succeeded: ${JSON.stringify(counts)}`);
  t.ok(Math.abs((counts.v2 ?? 0) / 2000 - 0.25) < 0.04, `v2 share ${(counts.v2 ?? 0) / 20} % ≈ 25 %`);
});

t.test('header match routes the tester to v2', async (t) => {
  t.same(await shares(100, { 'x-tester': 'yes' }), { v2: 100 });
});

t.test('fault abort: UNAVAILABLE for about half of the RPCs', async (t) => {
  const counts = await shares(1000, { 'x-fault': 'abort' });
  const aborted = counts[`error ${grpc.status.UNAVAILABLE}`] ?? 0;
  t.equal(aborted + (counts.v1 ?? 0), 1000, JSON.stringify(counts));
  t.ok(Math.abs(aborted / 1000 - 0.5) < 0.06, `${aborted / 10} % aborted ≈ 50 %`);
});

t.test('fault delay holds the RPC for the fixed delay', async (t) => {
  const o = await call({ 'x-fault': 'delay' });
  t.equal(o.server, 'v1');
  t.ok(o.ms >= 380, `took ${o.ms.toFixed(0)} ms ≥ 400 ms delay`);
});

t.test('the route timeout ends a slow RPC with DEADLINE_EXCEEDED', async (t) => {
  const slow = await call({ 'x-case': 'timeout', 'x-sleep-ms': '2000' });
  t.equal(slow.code, grpc.status.DEADLINE_EXCEEDED);
  t.ok(slow.ms < 1500, `gave up after ${slow.ms.toFixed(0)} ms (timeout 300 ms)`);
  const fast = await call({ 'x-case': 'timeout', 'x-sleep-ms': '10' });
  t.equal(fast.server, 'v1', 'a fast RPC on the same route succeeds');
});

t.test('retries: an UNAVAILABLE first attempt is retried on the retry route only', async (t) => {
  const retried = await call({ 'x-case': 'retry', 'x-fail-first': 'a' });
  t.equal(retried.server, 'v1', 'retried to success');
  const notRetried = await call({ 'x-tester': 'no', 'x-fail-first': 'b' }, 10_000);
  // The weighted route has no retries: the failure (from whichever subset) reaches the caller.
  t.equal(notRetried.code, grpc.status.UNAVAILABLE, 'no retries without a retry policy');
});

t.test('a weight change reaches the gRPC client live', async (t) => {
  const since = cp.log().length;
  await cp.write('reviews.yaml', virtualService(0, 100));
  await cp.pushedSince(since);
  await until('all RPCs on v2', async () => (await shares(50)).v2 === 50, 10_000);
  t.same(await shares(200), { v2: 200 });
});
