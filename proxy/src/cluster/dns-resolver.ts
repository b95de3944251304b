// Resolves the names of one STRICT_DNS or LOGICAL_DNS cluster and keeps its hosts current. Each
// name has its own refresh loop, as in Envoy: resolve, publish the addresses, wait dns_refresh_rate
// (or the records' TTL with respect_dns_ttl), repeat. A failed resolution keeps the name's last good
// addresses and is retried with dns_failure_refresh_rate's back-off. STRICT_DNS makes a host of every
// address; LOGICAL_DNS uses only the first address of its one name.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { DnsClusterConfig, DnsLookupFamily, DnsTarget, EndpointTable } from '../compile/index.ts';

export interface DnsAnswer {
  /** In the order the resolver gave them, already narrowed to the lookup family. */
  readonly addresses: readonly string[];
  /** The smallest TTL of the records, when asked for and known. */
  readonly ttlSeconds?: number;
}

/** Resolves one name; rejects when it cannot. Tests pass their own to control answers and failures. */
export type DnsLookup = (hostname: string, family: DnsLookupFamily, wantTtl: boolean) => Promise<DnsAnswer>;

export interface DnsStats {
  updateAttempts: number;
  updateSuccesses: number;
  updateFailures: number;
}

/** How long a TTL query may take in all; addresses come from the system resolver, so this only
 * decides when the next refresh is scheduled. */
const TTL_QUERY = new dns.Resolver({ timeout: 1000, tries: 1 });
/** How long the addresses wait for a TTL query still running: not long, the TTL is only a schedule. */
const TTL_GRACE_MS = 100;

/** Orders and narrows getaddrinfo's answers per Envoy's DnsLookupFamily. */
function byFamily(
  found: ReadonlyArray<{ address: string; family: number }>,
  family: DnsLookupFamily,
): string[] {
  const v4 = found.filter((a) => a.family === 4).map((a) => a.address);
  const v6 = found.filter((a) => a.family === 6).map((a) => a.address);
  switch (family) {
    case 'V4_ONLY':
      return v4;
    case 'V6_ONLY':
      return v6;
    case 'V4_PREFERRED':
      return v4.length > 0 ? v4 : v6;
    case 'ALL':
      return [...v4, ...v6];
    default: // AUTO: IPv6 first, IPv4 when there is none
      return v6.length > 0 ? v6 : v4;
  }
}

async function ttlOf(hostname: string, family: DnsLookupFamily): Promise<number | undefined> {
  if (isIP(hostname) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost')) return undefined;
  const records =
    family === 'V6_ONLY'
      ? await TTL_QUERY.resolve6(hostname, { ttl: true })
      : await TTL_QUERY.resolve4(hostname, { ttl: true });
  return records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : undefined;
}

/** node:dns lookup (getaddrinfo, so /etc/hosts counts), plus a concurrent TTL query when asked. */
export const systemLookup: DnsLookup = async (hostname, family, wantTtl) => {
  const ttl = wantTtl ? ttlOf(hostname, family).catch(() => undefined) : undefined;
  const found = await dns.lookup(hostname, {
    all: true,
    family: family === 'V4_ONLY' ? 4 : family === 'V6_ONLY' ? 6 : 0,
  });
  const addresses = byFamily(found, family);
  if (addresses.length === 0) throw new Error(`${hostname} has no ${family} address`);
  let grace: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    grace = setTimeout(() => resolve(undefined), TTL_GRACE_MS);
  });
  const ttlSeconds = ttl ? await Promise.race([ttl, late]) : undefined;
  clearTimeout(grace);
  return ttlSeconds === undefined ? { addresses } : { addresses, ttlSeconds };
};

class TargetLoop {
  addresses: readonly string[] = [];
  failures = 0;
  answered = false;
  timer: NodeJS.Timeout | undefined;
  constructor(readonly target: DnsTarget) {}
}

export class DnsResolver {
  readonly stats: DnsStats = { updateAttempts: 0, updateSuccesses: 0, updateFailures: 0 };
  private readonly loops: TargetLoop[];
  private current: readonly EndpointTable[] = [];
  private closed = false;
  /** Names still waiting for their first answer (good or bad). */
  private unanswered: number;
  private answered!: () => void;
  /** Settles once every name has had a first answer, good or bad (Envoy's cluster warming). */
  readonly ready = new Promise<void>((resolve) => {
    this.answered = resolve;
  });

  /**
   * Starts resolving at once. `previous` carries the addresses of an earlier resolver for the same
   * names (a config push that changed only other settings), so hosts do not vanish meanwhile.
   */
  constructor(
    private readonly config: DnsClusterConfig,
    private readonly onChange: () => void,
    private readonly lookup: DnsLookup = systemLookup,
    previous?: DnsResolver,
  ) {
    this.loops = config.targets.map((t) => new TargetLoop(t));
    this.unanswered = this.loops.length;
    if (previous && sameTargets(previous.config, config)) {
      previous.loops.forEach((loop, i) => {
        this.loops[i]!.addresses = loop.addresses;
      });
      this.current = this.hosts();
      this.unanswered = 0; // warm already: the previous resolver's hosts serve until new answers
    }
    if (this.unanswered === 0) this.answered();
    for (const loop of this.loops) void this.resolve(loop);
  }

  /** The hosts from the last good answers; empty until the first one arrives. */
  get endpoints(): readonly EndpointTable[] {
    return this.current;
  }

  close(): void {
    this.closed = true;
    for (const loop of this.loops) clearTimeout(loop.timer);
  }

  private async resolve(loop: TargetLoop): Promise<void> {
    const { target } = loop;
    this.stats.updateAttempts++;
    let delayMs: number;
    try {
      const answer = await this.lookup(target.hostname, this.config.lookupFamily, this.config.respectTtl);
      if (this.closed) return;
      this.stats.updateSuccesses++;
      loop.failures = 0;
      if (!sameList(loop.addresses, answer.addresses)) {
        loop.addresses = answer.addresses;
        this.publish();
      }
      const ttl = answer.ttlSeconds;
      delayMs = this.config.respectTtl && ttl !== undefined && ttl > 0 ? ttl * 1000 : this.config.refreshMs;
    } catch {
      if (this.closed) return;
      // The last good addresses stay: a resolver outage must not empty a working cluster.
      this.stats.updateFailures++;
      loop.failures++;
      const ceiling = Math.min(
        this.config.failureMaxMs,
        this.config.failureBaseMs * 2 ** (loop.failures - 1),
      );
      // Jitter in [ceiling/2, ceiling) so that many proxies do not retry in step.
      delayMs = ceiling / 2 + (Math.random() * ceiling) / 2;
    }
    if (!loop.answered) {
      loop.answered = true;
      if (--this.unanswered === 0) this.answered();
    }
    loop.timer = setTimeout(() => void this.resolve(loop), delayMs);
    loop.timer.unref();
  }

  private publish(): void {
    const next = this.hosts();
    if (sameHosts(this.current, next)) return;
    this.current = next;
    this.onChange();
  }

  private hosts(): EndpointTable[] {
    const out: EndpointTable[] = [];
    for (const { target, addresses } of this.loops) {
      const used = this.config.logical ? addresses.slice(0, 1) : addresses;
      for (const address of used) {
        const id = address.includes(':') ? `[${address}]:${target.port}` : `${address}:${target.port}`;
        // The name is the host's hostname, as in Envoy: auto_host_rewrite uses it.
        out.push({
          address,
          port: target.port,
          id,
          weight: target.weight,
          priority: target.priority,
          hostname: target.hostname,
        });
      }
    }
    return out;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameHosts(a: readonly EndpointTable[], b: readonly EndpointTable[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]!.id && x.hostname === b[i]!.hostname);
}

function sameTargets(a: DnsClusterConfig, b: DnsClusterConfig): boolean {
  return (
    a.logical === b.logical &&
    a.lookupFamily === b.lookupFamily &&
    JSON.stringify(a.targets) === JSON.stringify(b.targets)
  );
}
