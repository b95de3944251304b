// Per-resource rollout status, which no mesh reports today: for each resource, the config version
// that first carried its current content, how many connected proxies have ACKed that version (or a
// later one), and which proxies NACKed it with what error. Versions are `<time>-<generation>`;
// the generation orders them. A NACK is charged to the resources about the services it names
// (nack-hosts.ts); one that names none is charged to what changed in the NACKed version.
import { createHash } from 'node:crypto';
import type { Resource } from './model/index.ts';
import { resolveHost } from './translate/index.ts';
import type { NackRecord, ProxyStatus } from './xds/index.ts';

export interface ResourceStatus {
  readonly resource: string;
  /** Short content hash of the spec now in force. */
  readonly revision: string;
  /** The version that first carried this revision. */
  readonly version: string;
  readonly proxies: number;
  readonly applied: number;
  readonly nacks: ReadonlyArray<{ readonly nodeId: string; readonly message: string }>;
  readonly origin: string;
}

interface Entry {
  readonly revision: string;
  readonly generation: number;
  readonly version: string;
  readonly origin: string;
  /** The service hosts the resource is about. */
  readonly hosts: ReadonlySet<string>;
}

/** The hosts a resource concerns, as written and as translation resolves them in its namespace. */
function hostsOf(r: Resource, domain: string): Set<string> {
  const spec = r.spec as { hosts?: unknown; host?: unknown };
  const ns = r.metadata.namespace;
  const written: string[] = [];
  if (r.kind === 'Service') return new Set([`${r.metadata.name}.${ns}.svc.${domain}`]);
  if (Array.isArray(spec.hosts))
    written.push(...spec.hosts.filter((h): h is string => typeof h === 'string'));
  if (typeof spec.host === 'string') written.push(spec.host);
  return new Set(written.flatMap((h) => (r.kind === 'ServiceEntry' ? [h] : [h, resolveHost(h, ns, domain)])));
}

/** The generation of a version string (`1795…-7` or the server's `…-7+keep`); -1 when absent. */
export function generationOf(version: string | undefined): number {
  if (!version) return -1;
  const n = Number(version.slice(version.lastIndexOf('-') + 1).split('+')[0]);
  return Number.isFinite(n) ? n : -1;
}

function ackedGeneration(proxy: ProxyStatus): number {
  const types = Object.values(proxy.types);
  if (types.length === 0) return -1;
  return Math.min(...types.map((t) => generationOf(t.acked)));
}

export class ResourceStatusTracker {
  private entries = new Map<string, Entry>();

  constructor(private readonly domain = 'cluster.local') {}

  record(version: string, resources: readonly Resource[]): void {
    const generation = generationOf(version);
    const next = new Map<string, Entry>();
    for (const r of resources) {
      const key = `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
      const revision = createHash('sha256').update(JSON.stringify(r.spec)).digest('hex').slice(0, 12);
      const previous = this.entries.get(key);
      next.set(
        key,
        previous?.revision === revision
          ? previous
          : {
              revision,
              generation,
              version,
              origin: `${r.origin.file}:${r.origin.line}`,
              hosts: hostsOf(r, this.domain),
            },
      );
    }
    this.entries = next;
  }

  /**
   * `nackHosts` says which service hosts a NACK concerns (empty: cannot tell). A NACK of version N
   * concerns resources in force at N: those about its hosts, else those that changed in N, else all.
   */
  report(
    proxies: readonly ProxyStatus[],
    nacks: readonly NackRecord[],
    nackHosts: (nack: NackRecord) => ReadonlySet<string> = () => new Set(),
  ): ResourceStatus[] {
    const charged = new Map<string, NackRecord[]>();
    for (const nack of nacks) {
      const generation = generationOf(nack.version);
      const inForce = [...this.entries].filter(([, e]) => e.generation <= generation);
      const hosts = nackHosts(nack);
      const named = inForce.filter(([, e]) => [...e.hosts].some((h) => hosts.has(h)));
      const changed = inForce.filter(([, e]) => e.generation === generation);
      const targets = named.length > 0 ? named : changed.length > 0 ? changed : inForce;
      for (const [key] of targets) charged.set(key, [...(charged.get(key) ?? []), nack]);
    }
    return [...this.entries].map(([resource, e]) => ({
      resource,
      revision: e.revision,
      version: e.version,
      proxies: proxies.length,
      applied: proxies.filter((p) => ackedGeneration(p) >= e.generation).length,
      nacks: (charged.get(resource) ?? []).map((n) => ({ nodeId: n.nodeId, message: n.message })),
      origin: e.origin,
    }));
  }
}
