// AdsClient's protocol over a real gRPC stream: a response is ACKed only once its apply has
// settled, responses are handled one at a time in arrival order, and a NACK carries the last
// version accepted (with error_detail), even when the rejected response was applied in part.
import t from 'tap';
import { RawAdsServer } from '../../../test/lib/raw-ads-server.ts';
import { AdsClient, CLUSTER_TYPE, type ResourcesOutcome } from './ads-client.ts';

const cluster = (name: string) => ({ name, type: 'STATIC', connect_timeout: { seconds: 1 } });

t.test('ACK after apply, one response at a time, NACK with the last accepted version', async (t) => {
  const server = new RawAdsServer();
  const port = await server.start();
  const calls: Array<{ version: string; finish: (o: ResourcesOutcome) => void }> = [];
  let active = 0;
  let overlapped = false;
  const client = new AdsClient({
    target: `127.0.0.1:${port}`,
    node: { id: 'sidecar~test' },
    onResources: (_type, _resources, version) => {
      if (++active > 1) overlapped = true;
      return new Promise<ResourcesOutcome>((resolve) => {
        calls.push({
          version,
          finish: (outcome) => {
            active--;
            resolve(outcome);
          },
        });
      });
    },
  });
  t.teardown(() => {
    client.close();
    server.stop();
  });
  client.subscribe(CLUSTER_TYPE, []);
  client.start();
  await server.request((r) => r.type_url === CLUSTER_TYPE && !r.response_nonce);

  server.send(CLUSTER_TYPE, 'v1', 'n1', [cluster('a')]);
  server.send(CLUSTER_TYPE, 'v2', 'n2', [cluster('a'), cluster('b')]);
  const deadline = Date.now() + 5000;
  while (calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // Both responses are on the wire; give the client time to (wrongly) answer or start the second.
  await new Promise((r) => setTimeout(r, 200));
  t.equal(calls.length, 1, 'the second response waits for the first');
  t.notOk(
    server.requests.some((r) => r.response_nonce === 'n1'),
    'no ACK while the apply is in progress',
  );

  calls[0]!.finish({});
  const ack = await server.request((r) => r.response_nonce === 'n1');
  t.equal(ack.version_info, 'v1');
  t.notOk(ack.error_detail, 'an ACK');

  while (calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.equal(calls[1]?.version, 'v2');
  calls[1]!.finish({ rejected: 'cluster "b": Cluster(b): wrong' });
  const nack = await server.request((r) => r.response_nonce === 'n2');
  t.equal(nack.version_info, 'v1', 'the NACK reports the last version accepted');
  t.equal(nack.error_detail?.message, 'cluster "b": Cluster(b): wrong');

  server.send(CLUSTER_TYPE, 'v3', 'n3', [cluster('a')]);
  while (calls.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  calls[2]!.finish({});
  t.equal((await server.request((r) => r.response_nonce === 'n3')).version_info, 'v3');
  t.notOk(overlapped, 'never two applies at once');
});

t.test('an apply that throws NACKs the whole response', async (t) => {
  const server = new RawAdsServer();
  const port = await server.start();
  const client = new AdsClient({
    target: `127.0.0.1:${port}`,
    node: { id: 'sidecar~test' },
    onResources: async (_type, _resources, version) => {
      if (version === 'v2') throw new Error('listen EADDRINUSE: address already in use 127.0.0.1:1');
      return {};
    },
  });
  t.teardown(() => {
    client.close();
    server.stop();
  });
  client.subscribe(CLUSTER_TYPE, []);
  client.start();
  await server.request((r) => r.type_url === CLUSTER_TYPE && !r.response_nonce);
  server.send(CLUSTER_TYPE, 'v1', 'n1', [cluster('a')]);
  await server.request((r) => r.response_nonce === 'n1');
  server.send(CLUSTER_TYPE, 'v2', 'n2', [cluster('b')]);
  const nack = await server.request((r) => r.response_nonce === 'n2');
  t.equal(nack.version_info, 'v1');
  t.match(nack.error_detail?.message, /EADDRINUSE/);
});
