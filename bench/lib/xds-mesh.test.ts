// The bench's mesh must be one the control plane accepts whole: no error, no warning, and every
// proxy gets listeners, routes and EDS clusters with endpoints.
import t from 'tap';
import { endpointsOf } from '../../control-plane/src/mesh-endpoints.ts';
import { loadResources, type Resource } from '../../control-plane/src/model/index.ts';
import { proxyIdentity } from '../../control-plane/src/proxy-identity.ts';
import { translate } from '../../control-plane/src/translate/index.ts';
import { configChange, meshFiles, proxySpecs } from './xds-mesh.ts';

const shape = { services: 10, namespaces: 3 };

function load(files: Map<string, string>): Resource[] {
  const resources: Resource[] = [];
  for (const [file, text] of files) {
    const result = loadResources(text, file);
    t.same([...result.errors, ...result.warnings], [], `${file} loads clean`);
    resources.push(...result.resources);
  }
  return resources;
}

t.test('the generated mesh validates and translates for its proxies', async (t) => {
  const resources = load(meshFiles(shape));
  t.equal(resources.filter((r) => r.kind === 'WorkloadEntry').length, 30);
  const [spec] = proxySpecs(1, shape);
  const identity = proxyIdentity(spec!.nodeId, spec!.metadata);
  t.equal(identity.namespace, 'ns-0');
  const xds = translate(resources, identity, { endpoints: endpointsOf(resources) });
  t.same(
    xds.listeners.map((l) => l.name),
    ['0.0.0.0_8080', '0.0.0.0_9090'],
  );
  t.ok(xds.clusters.length >= 30, 'a default and two subset clusters per service port');
  t.ok(
    xds.endpoints.every((e) => ((e.endpoints as unknown[] | undefined) ?? []).length > 0),
    'every cluster has endpoints',
  );
});

t.test('changes are valid, real (never the initial split) and spread over services', async (t) => {
  const files = meshFiles(shape);
  const seen = new Set<string>();
  for (let k = 1; k <= 12; k++) {
    const change = configChange(k, shape);
    t.ok(files.has(change.file), `${change.file} is a file of the mesh`);
    t.not(change.text, files.get(change.file), `change ${k} differs from the initial file`);
    t.same(loadResources(change.text, change.file).errors, []);
    seen.add(change.file);
  }
  t.equal(seen.size, 10);
});

t.test('proxy identities are unique and carry namespace and labels', async (t) => {
  const specs = proxySpecs(1000, shape);
  t.equal(new Set(specs.map((s) => s.nodeId)).size, 1000);
  t.same(JSON.parse(specs[2]!.metadata.LABELS!), { app: 'svc-02', version: 'v2' });
});
