// Property-based fuzzing of the ADS server (issue 9) on a real gRPC stream: raw clients send random
// DiscoveryRequests (any type_url, nonce, version, names, error_detail; no node, odd or huge node
// metadata), undecodable bytes, out-of-order ACKs and NACKs, and end or cancel their streams at any
// point. The server, wired to translation as main.ts wires it, must throw nothing, and afterwards
// serve a well-behaved proxy exactly its translated clusters and endpoints. Replay with
// WEFT_FUZZ_SEED=<seed>.
import { readFileSync } from 'node:fs';
import { type ClientDuplexStream, credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import fc from 'fast-check';
import t from 'tap';
import { describeFuzz, fuzzEnv, fuzzParameters } from '../../../test/lib/fuzz-env.ts';
import { endpointsOf } from '../mesh-endpoints.ts';
import { loadResources } from '../model/index.ts';
import { proxyIdentity } from '../proxy-identity.ts';
import { translate } from '../translate/index.ts';
import { AdsServer } from './ads-server.ts';
import type { DiscoveryRequest, DiscoveryResponse } from './ads-stream.ts';
import { TestAdsClient } from './ads-test-client.ts';
import { adsServiceDefinition } from './protos.ts';
import { CLUSTER_TYPE, createSnapshot, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './snapshot.ts';

const env = fuzzEnv();
t.comment(describeFuzz(env));
if (env.seconds !== undefined) t.setTimeout(0);

const mesh = ['reviews.yaml', 'canary.yaml'].flatMap(
  (f) =>
    loadResources(readFileSync(new URL(`../../../examples/local-mesh/${f}`, import.meta.url), 'utf8'), f)
      .resources,
);
const endpoints = endpointsOf(mesh);
const snapshotFor = (version: string, nodeId: string, metadata: Record<string, string>, userAgent: string) =>
  createSnapshot(version, translate(mesh, proxyIdentity(nodeId, metadata, userAgent), { endpoints }));

const method = adsServiceDefinition().StreamAggregatedResources!;
const RawClient = makeGenericClientConstructor(
  {
    StreamAggregatedResources: {
      path: method.path,
      requestStream: true,
      responseStream: true,
      requestSerialize: (bytes: Buffer) => bytes,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (bytes: Buffer) => bytes,
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  },
  'RawAds',
);

const TYPES = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE];
const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', '*', '0', '1'),
);
const structValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: text }),
    fc.record({ numberValue: fc.double() }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ structValue: fc.record({ fields: fc.dictionary(text, tie('value'), { maxKeys: 3 }) }) }),
    fc.record({ listValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
  ),
})).value;
const deepValue = fc.integer({ min: 1, max: 400 }).map((depth) => {
  let v: unknown = { stringValue: 'leaf' };
  for (let i = 0; i < depth; i++)
    v = i % 2 ? { listValue: { values: [v] } } : { structValue: { fields: { d: v } } };
  return v;
});
const metadataField = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'NAMESPACE',
        'LABELS',
        'GENERATOR',
        'INTERCEPTION_MODE',
        'OUTBOUND_PORT',
        'INSTANCE_IPS',
      ),
      fc.constantFrom(
        'default',
        'prod',
        'grpc',
        'REDIRECT',
        '{"app":"reviews"}',
        '[1,2]',
        'null',
        '{"__proto__":{"a":"b"}}',
        '{',
        '70000',
        '::1',
        '',
      ),
    )
    .map(([k, v]) => [k, { stringValue: v }] as const),
  fc.tuple(text, structValue),
  fc.tuple(fc.constant('DEEP'), deepValue),
  fc.tuple(
    fc.constant('HUGE'),
    fc.integer({ min: 1, max: 64 }).map((kb) => ({ stringValue: 'x'.repeat(kb * 1024) })),
  ),
);
const node = fc.record(
  {
    id: fc.oneof(fc.constantFrom('sidecar~10.0.0.1~a.default', 'proxyless', ''), text),
    cluster: text,
    user_agent_name: fc.constantFrom('envoy', 'gRPC Go', 'weft-proxy', ''),
    metadata: fc
      .array(metadataField, { maxLength: 4 })
      .map((fields) => ({ fields: Object.fromEntries(fields) })),
  },
  { requiredKeys: [] },
);

type Action =
  | { kind: 'request'; request: DiscoveryRequest; echoNonce: boolean }
  | { kind: 'raw'; bytes: Uint8Array }
  | { kind: 'end' | 'cancel' | 'wait' };

const request: fc.Arbitrary<DiscoveryRequest> = fc.record(
  {
    type_url: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...TYPES) },
      text,
      text.map((s) => `type.googleapis.com/${s}`),
    ),
    version_info: text,
    response_nonce: text,
    resource_names: fc.array(
      fc.oneof(fc.constantFrom('*', 'outbound|9080||reviews.default.svc.cluster.local', '9080'), text),
      { maxLength: 4 },
    ),
    error_detail: fc.record({ code: fc.integer({ min: -1, max: 20 }), message: text }),
    node,
  },
  { requiredKeys: [] },
);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('request' as const), request, echoNonce: fc.boolean() }),
  },
  fc.record({ kind: fc.constant('raw' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constantFrom('end' as const, 'cancel' as const, 'wait' as const) }),
);
const session = fc.array(fc.array(action, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 });

let encodedRequests = 0;
let connects = 0;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** One raw stream playing its actions; ACK-like requests echo the last nonce it received. */
async function play(address: string, actions: readonly Action[]): Promise<void> {
  // Its own connection, as every real proxy has: what it does to its HTTP/2 session stays there.
  const client = new RawClient(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  const call = (client.StreamAggregatedResources as () => ClientDuplexStream<Buffer, Buffer>).call(client);
  const nonces: string[] = [];
  call.on('data', (bytes: Buffer) =>
    nonces.push((method.responseDeserialize(bytes) as DiscoveryResponse).nonce),
  );
  call.on('error', () => {}); // the status says how it ended; a cancelled or refused stream is expected here
  try {
    for (const a of actions) {
      if (a.kind === 'end') call.end();
      else if (a.kind === 'cancel') call.cancel();
      else if (a.kind === 'wait') await tick();
      else if (a.kind === 'raw') call.write(Buffer.from(a.bytes));
      else if (a.kind === 'request') {
        const nonce = a.echoNonce ? nonces.at(-1 - (nonces.length % 2)) : undefined;
        const req = nonce === undefined ? a.request : { ...a.request, response_nonce: nonce };
        let bytes: Buffer;
        try {
          bytes = method.requestSerialize(req) as Buffer;
        } catch {
          continue; // not encodable on this side; nothing reaches the server
        }
        if (!call.writableEnded && !call.destroyed) call.write(bytes);
        encodedRequests++;
      }
      await tick();
    }
  } finally {
    call.cancel();
    client.close();
  }
}

t.test('the ADS server survives arbitrary streams and then serves a proxy correctly', async (t) => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  const server = new AdsServer({ shutdownGraceMs: 200 });
  let version = 0;
  server.on('connect', ({ nodeId, metadata, userAgent }) => {
    connects++;
    server.setSnapshot(nodeId, snapshotFor(String(version), nodeId, metadata, userAgent));
  });
  server.on('disconnect', ({ nodeId }) => server.clearSnapshot(nodeId));
  const port = await server.start({ host: '127.0.0.1', port: 0 });
  const address = `127.0.0.1:${port}`;
  t.teardown(async () => {
    process.off('uncaughtException', onUncaught);
    await server.stop();
  });
  const good = 'sidecar~10.0.0.9~good.default';
  const wanted = translate(mesh, proxyIdentity(good, {}, ''), { endpoints });
  const names = (list: readonly object[]) =>
    list.map((r) => (r as { name?: string }).name ?? (r as { cluster_name: string }).cluster_name).sort();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(session, async (streams) => {
      server.setSnapshot('*', snapshotFor(String(++version), '*', {}, ''));
      await Promise.all(streams.map((actions) => play(address, actions)));
      if (uncaught.length > 0) throw uncaught[0];
      const client = new TestAdsClient(address, `${good}-${version}`);
      let status = 'open';
      void client.ended.then((s) => {
        status = `ended ${s.code} ${s.details}`;
      });
      try {
        client.request(CLUSTER_TYPE);
        const clusters = await client.nextOf(CLUSTER_TYPE, 10_000);
        client.ack(clusters);
        if (JSON.stringify(names(clusters.decoded)) !== JSON.stringify(names(wanted.clusters)))
          throw new Error(`clusters ${JSON.stringify(names(clusters.decoded))}`);
        const edsNames = names(wanted.endpoints);
        client.request(ENDPOINT_TYPE, edsNames);
        const eds = await client.nextOf(ENDPOINT_TYPE, 10_000);
        if (JSON.stringify(names(eds.decoded)) !== JSON.stringify(edsNames))
          throw new Error(`endpoints ${JSON.stringify(names(eds.decoded))}`);
        if (!server.status().some((s) => s.nodeId === `${good}-${version}`))
          throw new Error('the proxy is not in status()');
      } catch (err) {
        throw new Error(
          `${(err as Error).message} (stream ${status}, server streams ${server.status().length})`,
        );
      } finally {
        client.close();
      }
      runs++;
    }),
    fuzzParameters(60, env),
  );
  t.ok(runs > 0, `sessions played (${runs})`);
  t.ok(encodedRequests > runs, `DiscoveryRequests sent (${encodedRequests})`);
  t.ok(connects > runs, `proxies announced themselves (${connects})`);
  t.same(uncaught, [], 'nothing escaped as an uncaught exception');
});
