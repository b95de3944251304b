// A validated Bootstrap → the RuntimeConfig the proxy runs. The same compilers will take xDS
// resources; only this file knows about the bootstrap's static_resources shape.
import {
  type Bootstrap,
  ConfigError,
  joinPath,
  objList,
  optionalObj,
  optionalUint,
} from '../config/index.ts';
import { compileCluster } from './cluster.ts';
import { compileListener } from './listener.ts';
import type { AdminTable, ClusterTable, ListenerTable, RuntimeConfig } from './types.ts';

export function compileBootstrap(bootstrap: Bootstrap, version = 'static'): RuntimeConfig {
  const sr = optionalObj(bootstrap.static_resources);
  const clusters = new Map<string, ClusterTable>();
  objList(sr.clusters).forEach((c, i) => {
    const path = joinPath('static_resources.clusters', i);
    if (c.type === 'EDS') {
      throw new ConfigError(
        joinPath(path, 'type'),
        'an EDS cluster gets its endpoints from a control plane: use type STATIC with load_assignment in a bootstrap, or run weft-proxy --control-plane',
        'unsupported',
      );
    }
    const table = compileCluster(c, path);
    if (clusters.has(table.name))
      throw new ConfigError(joinPath(path, 'name'), `duplicate cluster name "${table.name}"`);
    clusters.set(table.name, table);
  });
  const names = new Set(clusters.keys());
  const listeners: ListenerTable[] = [];
  const seen = new Set<string>();
  objList(sr.listeners).forEach((l, i) => {
    const path = joinPath('static_resources.listeners', i);
    const table = compileListener(l, path, names);
    if (seen.has(table.name))
      throw new ConfigError(joinPath(path, 'name'), `duplicate listener name "${table.name}"`);
    seen.add(table.name);
    listeners.push(table);
  });
  let admin: AdminTable | undefined;
  if (bootstrap.admin !== undefined) {
    const a = optionalObj(bootstrap.admin);
    const sa = optionalObj(optionalObj(a.address).socket_address);
    admin = {
      address: String(sa.address ?? '127.0.0.1'),
      port: optionalUint(sa.port_value, 'admin.address.socket_address.port_value', 0),
      ...(typeof a.access_log_path === 'string' ? { accessLogPath: a.access_log_path } : {}),
    };
  }
  return { version, listeners, clusters, admin, source: bootstrap };
}
