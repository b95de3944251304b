// The Sidecar resource in force for one proxy, and what it lets that proxy see. Istio's choice of
// Sidecar: one in the proxy's namespace whose workloadSelector selects the proxy; else the one in
// its namespace without a selector; else the root namespace's one without a selector (the mesh-wide
// default). Of several candidates the oldest wins (here: the first in namespace/name order).
//
// An egress listener's hosts are `namespace/dnsName`: `*` any namespace, `.` the Sidecar's own, `~`
// none; the namespace is that of the config (the Service, ServiceEntry or VirtualService), and
// dnsName may be `*` or start with `*.`. The listener with a port decides for that port; the one
// without a port decides for every other port.
import type { Resource } from '../model/index.ts';
import type { OutboundTrafficPolicy, ProxyIdentity, SidecarSpec } from './types.ts';
import { labelsMatch } from './values.ts';

interface EgressHost {
  /** A namespace name, `*` (any) or `~` (none); `.` is already replaced by the Sidecar's namespace. */
  readonly namespace: string;
  readonly host: string;
}

interface EgressListener {
  readonly port?: number;
  readonly hosts: readonly EgressHost[];
}

export interface SidecarScope {
  /** `namespace/name` of the Sidecar, for debugging output. */
  readonly source: string;
  /** Undefined when the Sidecar does not restrict egress (it only sets other fields). */
  readonly egress?: readonly EgressListener[];
  readonly outboundTrafficPolicy?: OutboundTrafficPolicy;
}

/** Picks the Sidecar for `proxy` from resources already sorted oldest first. */
export function sidecarFor(
  sorted: readonly Resource[],
  proxy: ProxyIdentity,
  rootNamespace: string,
): SidecarScope | undefined {
  let namespaceWide: Resource | undefined;
  let rootDefault: Resource | undefined;
  for (const r of sorted) {
    if (r.kind !== 'Sidecar') continue;
    const spec = r.spec as unknown as SidecarSpec;
    const selector = spec.workloadSelector?.labels;
    const hasSelector = selector !== undefined && Object.keys(selector).length > 0;
    if (r.metadata.namespace === proxy.namespace) {
      if (hasSelector && labelsMatch(selector, proxy.labels)) return scopeOf(r);
      if (!hasSelector) namespaceWide ??= r;
    } else if (r.metadata.namespace === rootNamespace && !hasSelector) rootDefault ??= r;
  }
  const chosen = namespaceWide ?? rootDefault;
  return chosen ? scopeOf(chosen) : undefined;
}

function scopeOf(r: Resource): SidecarScope {
  const spec = r.spec as unknown as SidecarSpec;
  const own = r.metadata.namespace;
  const egress = (spec.egress ?? []).map((l) => ({
    ...(l.port?.number ? { port: l.port.number } : {}),
    hosts: l.hosts.map((entry) => {
      const slash = entry.indexOf('/');
      const ns = entry.slice(0, slash);
      return { namespace: ns === '.' ? own : ns, host: entry.slice(slash + 1) };
    }),
  }));
  // outboundTrafficPolicy's mode is an enum whose zero value is REGISTRY_ONLY.
  const policy = spec.outboundTrafficPolicy
    ? { outboundTrafficPolicy: spec.outboundTrafficPolicy.mode ?? 'REGISTRY_ONLY' }
    : {};
  return { source: `${own}/${r.metadata.name}`, ...(egress.length > 0 ? { egress } : {}), ...policy };
}

/** Istio's host overlap: equal, or one is `*` or a `*.suffix` that covers the other. */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b || a === '*' || b === '*') return true;
  if (a.startsWith('*') && b.endsWith(a.slice(1))) return true;
  return b.startsWith('*') && a.endsWith(b.slice(1));
}

function selects(listener: EgressListener, namespace: string, host: string): boolean {
  return listener.hosts.some(
    (h) =>
      h.namespace !== '~' && (h.namespace === '*' || h.namespace === namespace) && hostsOverlap(h.host, host),
  );
}

/** Whether config `host` in `namespace` is visible on `port`: its port's listener, else the catch-all. */
export function egressSelects(
  scope: SidecarScope | undefined,
  port: number,
  namespace: string,
  host: string,
) {
  if (!scope?.egress) return true;
  const listener =
    scope.egress.find((l) => l.port === port) ?? scope.egress.find((l) => l.port === undefined);
  return listener !== undefined && selects(listener, namespace, host);
}

/** Whether any egress listener selects config `host` in `namespace` (VirtualServices are not per port). */
export function egressSelectsAnyPort(scope: SidecarScope | undefined, namespace: string, host: string) {
  return !scope?.egress || scope.egress.some((l) => selects(l, namespace, host));
}
