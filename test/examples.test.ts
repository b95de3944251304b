// Every example bootstrap in examples/ loads through the real loader and compiles.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { compileBootstrap } from '../proxy/src/compile/runtime.ts';
import { loadBootstrapFile } from '../proxy/src/config/index.ts';
import { REPO_ROOT } from './lib/proxy.ts';

const dir = join(REPO_ROOT, 'examples/bootstrap');
for (const name of await readdir(dir)) {
  t.test(name, async (t) => {
    const loaded = await loadBootstrapFile(join(dir, name));
    const config = compileBootstrap(loaded.bootstrap);
    t.ok(config.listeners.length > 0);
    t.ok(config.clusters.size > 0);
  });
}

t.test('examples/local-mesh loads without errors and translates', async (t) => {
  const { FileSource } = await import('../control-plane/src/sources/files.ts');
  const { translate } = await import('../control-plane/src/translate/index.ts');
  const { endpointsOf } = await import('../control-plane/src/mesh-endpoints.ts');
  const state = await new FileSource(join(REPO_ROOT, 'examples/local-mesh')).load();
  t.same(
    state.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const xds = translate(
    state.resources,
    { nodeId: 'x', namespace: 'default', labels: {} },
    { endpoints: endpointsOf(state.resources) },
  );
  t.equal(xds.listeners.length, 1);
  t.ok(xds.clusters.length >= 3, 'plain cluster and two subsets');
});
