// A validated Bootstrap → the RuntimeConfig the proxy runs. The same compilers will take xDS
// resources; only this file knows about the bootstrap's static_resources shape.
import { ConfigError, joinPath } from '../config/errors.ts';
import { compileCluster } from './cluster.ts';
import { compileListener } from './listener.ts';
import type { AdminTable, ClusterTable, ListenerTable, RuntimeConfig } from './types.ts';
import { optionalUint } from './values.ts';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return value && typeof value === 'object' ? (value as Obj) : {};
}

function arr(value: unknown): Obj[] {
  return Array.isArray(value) ? (value as Obj[]) : [];
}

export function compileBootstrap(bootstrap: Obj, version = 'static'): RuntimeConfig {
  const sr = obj(bootstrap.static_resources);
  const clusters = new Map<string, ClusterTable>();
  arr(sr.clusters).forEach((c, i) => {
    const path = joinPath('static_resources.clusters', i);
    const table = compileCluster(c, path);
    if (clusters.has(table.name))
      throw new ConfigError(joinPath(path, 'name'), `duplicate cluster name "${table.name}"`);
    clusters.set(table.name, table);
  });
  const names = new Set(clusters.keys());
  const listeners: ListenerTable[] = [];
  const seen = new Set<string>();
  arr(sr.listeners).forEach((l, i) => {
    const path = joinPath('static_resources.listeners', i);
    const table = compileListener(l, path, names);
    if (seen.has(table.name))
      throw new ConfigError(joinPath(path, 'name'), `duplicate listener name "${table.name}"`);
    seen.add(table.name);
    listeners.push(table);
  });
  let admin: AdminTable | undefined;
  if (bootstrap.admin !== undefined) {
    const a = obj(bootstrap.admin);
    const sa = obj(obj(a.address).socket_address);
    admin = {
      address: String(sa.address ?? '127.0.0.1'),
      port: optionalUint(sa.port_value, 'admin.address.socket_address.port_value', 0),
      ...(typeof a.access_log_path === 'string' ? { accessLogPath: a.access_log_path } : {}),
    };
  }
  return { version, listeners, clusters, admin, source: bootstrap };
}
