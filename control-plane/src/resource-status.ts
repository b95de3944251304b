// Per-resource rollout status, which no mesh reports today: for each resource, the config version
// that first carried its current content, how many connected proxies have ACKed that version (or a
// later one), and which proxies NACKed it with what error. Versions are `<time>-<generation>`;
// the generation orders them.
import { createHash } from 'node:crypto';
import type { Resource } from './model/index.ts';
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
          : { revision, generation, version, origin: `${r.origin.file}:${r.origin.line}` },
      );
    }
    this.entries = next;
  }

  report(proxies: readonly ProxyStatus[], nacks: readonly NackRecord[]): ResourceStatus[] {
    return [...this.entries].map(([resource, e]) => ({
      resource,
      revision: e.revision,
      version: e.version,
      proxies: proxies.length,
      applied: proxies.filter((p) => ackedGeneration(p) >= e.generation).length,
      nacks: nacks
        .filter((n) => generationOf(n.version) >= e.generation)
        .map((n) => ({ nodeId: n.nodeId, message: n.message })),
      origin: e.origin,
    }));
  }
}
