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
