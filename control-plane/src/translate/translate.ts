// The translation: a pure function of (validated resources, endpoints, proxy identity) → the four
// xDS resource lists of one proxy's snapshot. One builder per xDS type over indexes built once.
import type { Resource } from '../model/index.ts';
import { buildClusters } from './clusters.ts';
import { proxylessGrpcResources } from './grpc.ts';
import { interceptionResources } from './interception.ts';
import { listenerFor, routeConfigFor } from './listeners.ts';
import { buildRegistry } from './registry.ts';
import { explicitTcpListener } from './tcp-routes.ts';
import type { ProxyIdentity, TranslateOptions, XdsResources } from './types.ts';

export function translate(
  resources: readonly Resource[],
  proxy: ProxyIdentity,
  options: TranslateOptions = {},
): XdsResources {
  const registry = buildRegistry(resources, proxy, options);
  if (proxy.generator === 'grpc') return proxylessGrpcResources(registry, proxy);
  const { clusters, endpoints } = buildClusters(registry);
  // HTTP listeners only: a TCP/TLS port gets its cluster but no route configuration.
  const ports = [
    ...new Set(registry.services.flatMap((s) => s.ports.filter((p) => p.http).map((p) => p.port))),
  ].sort((a, b) => a - b);
  if (proxy.interception) {
    const intercepted = interceptionResources(resources, registry, proxy, proxy.interception, (port) =>
      routeConfigFor(port, registry, proxy),
    );
    return { ...intercepted, clusters: [...clusters, ...intercepted.clusters], endpoints };
  }
  const routes = ports.map((port) => routeConfigFor(port, registry, proxy));
  const listeners = ports.map((port, i) => listenerFor(port, routes[i]!));
  const tcpPorts = new Set(
    registry.services.flatMap((s) => s.ports.filter((p) => !p.http).map((p) => p.port)),
  );
  for (const port of [...tcpPorts].sort((a, b) => a - b)) {
    const listener = ports.includes(port) ? undefined : explicitTcpListener(port, registry);
    if (listener) listeners.push(listener);
  }
  return { listeners, routes, clusters, endpoints };
}
