// Regressions found while fuzzing translation (translate/fuzz.test.ts), one plain case each.
import t from 'tap';
import { endpointsOf } from '../mesh-endpoints.ts';
import { loadResources, type Resource } from '../model/index.ts';
import { createSnapshot } from '../xds/index.ts';
import { translate } from './index.ts';

function resources(yaml: string): Resource[] {
  const loaded = loadResources(yaml, 'mesh.yaml');
  if (loaded.errors.length > 0) throw new Error(JSON.stringify(loaded.errors));
  return loaded.resources;
}

const proxy = { nodeId: 'sidecar~10.0.0.1~p.default', namespace: 'default', labels: {} };

t.test('a Service with the same port over TCP and UDP gets one cluster, for TCP', async (t) => {
  const rs = resources(
    'apiVersion: v1\nkind: Service\nmetadata: {name: dns}\nspec:\n  ports: [{name: dns-tcp, port: 53}, {name: dns, port: 53, protocol: UDP}]\n',
  );
  const out = translate(rs, proxy);
  t.same(
    out.clusters.map((c) => c.name),
    ['outbound|53||dns.default.svc.cluster.local'],
  );
  t.doesNotThrow(() => createSnapshot('1', out), 'the snapshot has unique names');
});

t.test('a Service port named like an Object.prototype member takes the workload port it names', async (t) => {
  const rs = resources(`apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  selector: {app: reviews}
  ports: [{name: constructor, port: 9080}]
---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: {name: r1}
spec: {address: 10.0.0.1, labels: {app: reviews}, ports: {http: 9081}}
`);
  const out = translate(rs, proxy, { endpoints: endpointsOf(rs) });
  const [assignment] = out.endpoints as Array<{ endpoints: Array<{ lb_endpoints: unknown[] }> }>;
  t.same(assignment!.endpoints[0]!.lb_endpoints, [
    { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 9080 } } } },
  ]);
});
