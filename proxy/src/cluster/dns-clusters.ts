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

/** A version's DNS resolvers, started but not yet current (see DnsClusters.stage). */
export interface DnsStage {
  withHosts(table: ClusterTable): ClusterTable;
  warmed(timeoutMs: number): Promise<void>;
  commit(): void;
  abort(): void;
}

function withHostsOf(running: ReadonlyMap<string, Running>, table: ClusterTable): ClusterTable {
  const run = table.dns ? running.get(table.name) : undefined;
  return run ? { ...table, endpoints: run.resolver.endpoints } : table;
}

async function warmedWithin(running: ReadonlyMap<string, Running>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all([...running.values()].map((r) => r.resolver.ready)), timeout]);
  clearTimeout(timer);
}

export class DnsClusters {
  private running = new Map<string, Running>();

  constructor(
    private readonly onChange: (cluster: string) => void,
    private readonly lookup: DnsLookup = systemLookup,
  ) {}

  /** Starts resolvers for new or changed DNS clusters and stops those no longer configured. */
  sync(tables: ReadonlyMap<string, ClusterTable>): void {
    this.stage(tables).commit();
  }

  /**
   * Starts resolvers for a version's new or changed DNS clusters without touching the running ones:
   * `commit` makes them current and stops those replaced or gone, `abort` stops the new ones.
   */
  stage(tables: ReadonlyMap<string, ClusterTable>): DnsStage {
    const next = new Map<string, Running>();
    const started: Running[] = [];
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
      const run = { config, resolver };
      started.push(run);
      next.set(name, run);
    }
    return {
      withHosts: (table) => withHostsOf(next, table),
      warmed: (timeoutMs) => warmedWithin(next, timeoutMs),
      commit: () => {
        for (const [name, run] of this.running) if (next.get(name) !== run) run.resolver.close();
        this.running = next;
      },
      abort: () => {
        for (const run of started) run.resolver.close();
      },
    };
  }

  /** The table with its current hosts: for a DNS cluster, the resolved ones (none before the first answer). */
  withHosts(table: ClusterTable): ClusterTable {
    return withHostsOf(this.running, table);
  }

  /**
   * Settles when every DNS cluster has had its first answer, or after `timeoutMs`: what Envoy calls
   * warming, so that a config whose routes use a new DNS cluster does not start with no hosts.
   */
  warmed(timeoutMs: number): Promise<void> {
    return warmedWithin(this.running, timeoutMs);
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
