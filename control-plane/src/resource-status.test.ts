import t from 'tap';
import type { Resource } from './model/index.ts';
import { generationOf, ResourceStatusTracker } from './resource-status.ts';
import type { NackRecord, ProxyStatus } from './xds/index.ts';

const resource = (name: string, weight: number): Resource => ({
  apiVersion: 'networking.weft.dev/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: 'default' },
  spec: { hosts: [name], http: [{ route: [{ destination: { host: name }, weight }] }] },
  origin: { file: 'vs.yaml', line: 1 },
});

const proxy = (nodeId: string, acked: string): ProxyStatus => ({
  nodeId,
  connectedAt: '',
  types: { a: { sent: acked, acked }, b: { sent: acked, acked } },
});

t.test('generation parsing', async (t) => {
  t.equal(generationOf('1795-7'), 7);
  t.equal(generationOf('1795-7+keep'), 7);
  t.equal(generationOf(undefined), -1);
});

t.test(
  'applied counts proxies at or past the version that carried the revision; NACKs are listed',
  async (t) => {
    const tracker = new ResourceStatusTracker();
    tracker.record('100-1', [resource('reviews', 90), resource('ratings', 100)]);
    tracker.record('200-2', [resource('reviews', 50), resource('ratings', 100)]);
    const nacks: NackRecord[] = [
      { nodeId: 'b', typeUrl: 'rds', version: '200-2', nonce: 'n', message: 'bad regex' },
    ];
    const report = tracker.report([proxy('a', '200-2'), proxy('b', '100-1')], nacks);
    const reviews = report.find((r) => r.resource === 'VirtualService default/reviews')!;
    const ratings = report.find((r) => r.resource === 'VirtualService default/ratings')!;
    t.equal(reviews.version, '200-2', 'a changed spec gets the new version');
    t.equal(reviews.applied, 1, 'only proxy a has version 2');
    t.same(reviews.nacks, [{ nodeId: 'b', message: 'bad regex' }]);
    t.equal(ratings.version, '100-1', 'an unchanged spec keeps its first version');
    t.equal(ratings.applied, 2);
    t.same(ratings.nacks, [], 'a NACK naming no service is charged to what changed in its version');
  },
);

t.test('a NACK naming a service is charged to the resources about it, changed or not', async (t) => {
  const tracker = new ResourceStatusTracker();
  tracker.record('100-1', [resource('reviews', 90), resource('ratings', 100)]);
  tracker.record('200-2', [resource('reviews', 50), resource('ratings', 100)]);
  const nack: NackRecord = {
    nodeId: 'b',
    typeUrl: 'cds',
    version: '200-2',
    nonce: 'n',
    message: 'Cluster(outbound|9080||ratings.default.svc.cluster.local).lb_policy: unsupported',
  };
  const report = tracker.report(
    [proxy('b', '100-1')],
    [nack],
    () => new Set(['ratings.default.svc.cluster.local']),
  );
  t.same(report.find((r) => r.resource === 'VirtualService default/ratings')!.nacks, [
    { nodeId: 'b', message: nack.message },
  ]);
  t.same(report.find((r) => r.resource === 'VirtualService default/reviews')!.nacks, []);
});
