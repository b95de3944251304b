// The DNS resolvers of every STRICT_DNS / LOGICAL_DNS cluster, kept across config versions: a push
// that leaves a cluster's DNS settings alone keeps its resolver (and its hosts); one that changes
// them starts a new resolver seeded with the old one's addresses. When a resolver's hosts change,
// `onChange` names the cluster so that the cluster manager rebuilds just that cluster.
import type { ClusterTable } from '../compile/index.ts';
import { type DnsLookup, DnsResolver, systemLookup } from './dns-resolver.ts';

interface Running {
  readonly config: string;
  readonly resolver: DnsResolver;
}

export class DnsClusters {
  private running = new Map<string, Running>();

  constructor(
    private readonly onChange: (cluster: string) => void,
    private readonly lookup: DnsLookup = systemLookup,
  ) {}

  /** Starts resolvers for new or changed DNS clusters and stops those no longer configured. */
  sync(tables: ReadonlyMap<string, ClusterTable>): void {
    const next = new Map<string, Running>();
    for (const table of tables.values()) {
      if (!table.dns) continue;
      const config = JSON.stringify(table.dns);
      const previous = this.running.get(table.name);
      if (previous?.config === config) {
        next.set(table.name, previous);
        continue;
      }
      const name = table.name;
      const resolver = new DnsResolver(table.dns, () => this.onChange(name), this.lookup, previous?.resolver);
      next.set(name, { config, resolver });
    }
    for (const [name, run] of this.running) if (next.get(name) !== run) run.resolver.close();
    this.running = next;
  }

  /** The table with its current hosts: for a DNS cluster, the resolved ones (none before the first answer). */
  withHosts(table: ClusterTable): ClusterTable {
    const run = table.dns ? this.running.get(table.name) : undefined;
    return run ? { ...table, endpoints: run.resolver.endpoints } : table;
  }

  /**
   * Settles when every DNS cluster has had its first answer, or after `timeoutMs`: what Envoy calls
   * warming, so that a config whose routes use a new DNS cluster does not start with no hosts.
   */
  async warmed(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all([...this.running.values()].map((r) => r.resolver.ready)), timeout]);
    clearTimeout(timer);
  }

  /** The resolver of a DNS cluster, for /clusters and tests. */
  resolverOf(cluster: string): DnsResolver | undefined {
    return this.running.get(cluster)?.resolver;
  }

  close(): void {
    for (const run of this.running.values()) run.resolver.close();
    this.running.clear();
  }
}
