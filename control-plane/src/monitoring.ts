// The control plane's monitoring listener (Istio's 15014): readiness, /debug/syncz (each proxy's
// identity and last sent and acked version per type, and NACKs), /debug/config_dump?proxy=ID (the
// xDS a proxy is served: weftctl proxy-config), and the config diagnostics of the last load.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Diagnostic } from './model/index.ts';
import type { ProxyIdentity } from './translate/index.ts';
import {
  type AdsServer,
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
  resourcesOf,
  type Snapshot,
} from './xds/index.ts';

export interface MonitoringState {
  readonly ready: () => boolean;
  readonly diagnostics: () => readonly Diagnostic[];
  readonly version: () => string;
  /** Per-resource rollout status (weftctl status). */
  readonly resources?: () => unknown;
  /** Who each connected proxy is (namespace, labels), by node id, as translation sees it. */
  readonly identities?: () => ReadonlyMap<string, ProxyIdentity>;
}

const ENDPOINTS = ['/ready', '/debug/syncz', '/debug/status', '/debug/config', '/debug/config_dump?proxy=ID'];

/** The four xDS types of a snapshot, keyed as `weftctl proxy-config --type` names them. */
export function configDump(nodeId: string, snapshot: Snapshot): Record<string, unknown> {
  const list = (typeUrl: string) => [...resourcesOf(snapshot, typeUrl).values()];
  return {
    nodeId,
    version: snapshot.version,
    listeners: list(LISTENER_TYPE),
    routes: list(ROUTE_TYPE),
    clusters: list(CLUSTER_TYPE),
    endpoints: list(ENDPOINT_TYPE),
  };
}

/**
 * The connected node `id` names: its exact node id, else the one whose Istio-style id
 * (`sidecar~IP~pod.namespace~…`) has `pod.namespace` = id (or `id.default`), else the one whose
 * node id starts with id — as istioctl takes a pod name where it means a proxy.
 */
export function findProxy(id: string, connected: readonly string[]): { nodeId: string } | { error: string } {
  if (connected.includes(id)) return { nodeId: id };
  const podOf = (nodeId: string) => nodeId.split('~')[2];
  const candidates = [
    connected.filter((n) => podOf(n) === id || podOf(n) === `${id}.default`),
    connected.filter((n) => n.startsWith(id)),
  ];
  for (const matches of candidates) {
    if (matches.length === 1) return { nodeId: matches[0]! };
    if (matches.length > 1)
      return {
        error: `"${id}" matches several connected proxies (${matches.join(', ')}): give the full node id`,
      };
  }
  const known = connected.length > 0 ? `connected: ${connected.join(', ')}` : 'no proxy is connected';
  return { error: `no connected proxy "${id}" (${known})` };
}

export class MonitoringServer {
  private readonly server: http.Server;

  constructor(ads: AdsServer, state: MonitoringState) {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://monitoring');
      const json = (status: number, body: unknown) => {
        const text = `${JSON.stringify(body, null, 2)}\n`;
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      switch (url.pathname) {
        case '/ready':
          return state.ready()
            ? json(200, { ready: true, version: state.version() })
            : json(503, { ready: false });
        case '/debug/syncz': {
          const identities = state.identities?.();
          const proxies = ads.status().map((p) => {
            const identity = identities?.get(p.nodeId);
            return identity ? { ...p, namespace: identity.namespace, labels: identity.labels } : p;
          });
          return json(200, { version: state.version(), proxies, nacks: ads.nacks() });
        }
        case '/debug/config_dump': {
          const id = url.searchParams.get('proxy');
          if (!id) return json(400, { error: 'name the proxy: /debug/config_dump?proxy=NODE_ID' });
          const found = findProxy(id, [...new Set(ads.status().map((p) => p.nodeId))]);
          if ('error' in found) return json(404, { error: found.error });
          const snapshot = ads.snapshotOf(found.nodeId);
          if (!snapshot)
            return json(404, { error: `proxy "${found.nodeId}" is connected but has no configuration yet` });
          return json(200, configDump(found.nodeId, snapshot));
        }
        case '/debug/status':
          return json(200, { version: state.version(), resources: state.resources?.() ?? [] });
        case '/debug/config':
          return json(200, { version: state.version(), diagnostics: state.diagnostics() });
        default:
          return json(404, { endpoints: ENDPOINTS });
      }
    });
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(this.server.address() as AddressInfo));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
