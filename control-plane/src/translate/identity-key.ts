// Which proxies get the same translation. translate() reads a proxy's namespace, generator and
// interception ports, and its labels only where a resource selects on them: a VirtualService's
// sourceLabels, a DestinationRule's or Sidecar's workloadSelector, and (for an intercepting sidecar,
// whose inbound listener serves the Services that select it) a Service's selector. Two proxies whose
// identities agree on all of that get identical resources, so the control plane translates and
// encodes once for a whole fleet of replicas, whatever other labels (pod-template-hash, version...)
// they carry. Keep this list in step with every read of `proxy.labels` in this folder.
import type { Resource } from '../model/index.ts';
import type { ProxyIdentity } from './types.ts';

type Labels = Readonly<Record<string, string>> | undefined;

function keysOf(labels: Labels, into: Set<string>): void {
  for (const key of Object.keys(labels ?? {})) into.add(key);
}

/** Returns the cache key of an identity for this set of resources. */
export function identityKeyFor(resources: readonly Resource[]): (proxy: ProxyIdentity) => string {
  const selected = new Set<string>();
  const selectedByServices = new Set<string>();
  for (const r of resources) {
    const spec = r.spec as Record<string, unknown>;
    switch (r.kind) {
      case 'VirtualService':
        for (const route of [
          ...((spec.http as Array<{ match?: Array<{ sourceLabels?: Labels }> }>) ?? []),
          ...((spec.tcp as Array<{ match?: Array<{ sourceLabels?: Labels }> }>) ?? []),
        ]) {
          for (const m of route.match ?? []) keysOf(m.sourceLabels, selected);
        }
        break;
      case 'DestinationRule':
        keysOf((spec.workloadSelector as { matchLabels?: Labels } | undefined)?.matchLabels, selected);
        break;
      case 'Sidecar':
        keysOf((spec.workloadSelector as { labels?: Labels } | undefined)?.labels, selected);
        break;
      case 'Service':
        keysOf(spec.selector as Labels, selectedByServices);
        break;
    }
  }
  const intercepting = new Set([...selected, ...selectedByServices]);
  return (proxy) => {
    const relevant = proxy.interception ? intercepting : selected;
    const labels = Object.entries(proxy.labels)
      .filter(([key]) => relevant.has(key))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify([proxy.namespace, labels, proxy.generator ?? '', proxy.interception ?? null]);
  };
}
