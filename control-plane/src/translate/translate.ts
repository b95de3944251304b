// The translation: a pure function of (validated resources, endpoints, proxy identity) → the four
// xDS resource lists of one proxy's snapshot. One builder per xDS type over indexes built once.
import type { Resource } from '../model/index.ts';
import { buildClusters } from './clusters.ts';
import { proxylessGrpcResources } from './grpc.ts';
import { listenerFor, routeConfigFor } from './listeners.ts';
import { buildRegistry } from './registry.ts';
import type { ProxyIdentity, TranslateOptions, XdsResources } from './types.ts';

export function translate(
  resources: readonly Resource[],
  proxy: ProxyIdentity,
  options: TranslateOptions = {},
): XdsResources {
  const registry = buildRegistry(resources, proxy, options);
  if (proxy.generator === 'grpc') return proxylessGrpcResources(registry, proxy);
  const { clusters, endpoints } = buildClusters(registry);
  const ports = [...new Set(registry.services.flatMap((s) => s.ports.map((p) => p.port)))].sort(
    (a, b) => a - b,
  );
  const routes = ports.map((port) => routeConfigFor(port, registry, proxy));
  const listeners = ports.map((port, i) => listenerFor(port, routes[i]!));
  return { listeners, routes, clusters, endpoints };
}
