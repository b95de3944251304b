// The hosts of an ORIGINAL_DST cluster (Envoy's original destination load balancer): each pick
// names its own upstream — the downstream connection's original destination, or with
// use_http_header the `ip:port` in a request header — and the host for that address is made on
// first use and kept while it is used. Every cleanup_interval, hosts that carried nothing since the
// last sweep and have nothing in flight are closed and forgotten, so a pod that talks to many
// destinations does not accumulate pools.
import { isIP } from 'node:net';
import type { ClusterTable, EndpointTable, OriginalDstTable } from '../compile/index.ts';
import { Endpoint, poolKey } from './endpoint.ts';
import type { PickContext } from './lb/index.ts';

export class OriginalDstHosts {
  private readonly hosts = new Map<string, Endpoint>();
  private used = new Set<Endpoint>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly config: OriginalDstTable;

  constructor(private readonly table: ClusterTable) {
    this.config = table.originalDst!;
    this.sweeper = setInterval(() => this.sweep(), this.config.cleanupIntervalMs);
    this.sweeper.unref();
  }

  /** The hosts made so far, for /clusters and tests. */
  get current(): IterableIterator<Endpoint> {
    return this.hosts.values();
  }

  /** The host for this connection or request; undefined when there is no usable destination. */
  pick(ctx: PickContext<Endpoint> | undefined): Endpoint | undefined {
    let address: string | undefined;
    let port = 0;
    const header = this.config.httpHeader;
    const value = header === undefined ? undefined : ctx?.request?.header(header);
    if (value) {
      const parsed = parseHostHeader(value);
      if (parsed) [address, port] = parsed;
    }
    if (address === undefined) {
      const destination = ctx?.originalDestination;
      // A connection that was not redirected was addressed to the proxy itself: connecting there
      // would loop back into this listener, so there is no upstream for it.
      if (!destination || destination.selfAddressed) return undefined;
      address = destination.address;
      port = destination.port;
    }
    port = this.config.upstreamPortOverride ?? port;
    const id = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    let host = this.hosts.get(id);
    if (!host) {
      const endpoint: EndpointTable = { address, port, id, weight: 1, priority: 0 };
      host = new Endpoint(endpoint, poolKey(this.table, endpoint), this.table);
      this.hosts.set(id, host);
    }
    this.used.add(host);
    return host;
  }

  /** Closes hosts unused since the previous sweep with nothing in flight. */
  sweep(): void {
    for (const [id, host] of this.hosts) {
      if (this.used.has(host) || host.stats.rqActive > 0 || host.stats.cxActive > 0) continue;
      this.hosts.delete(id);
      void host.close().catch(() => {});
    }
    this.used = new Set();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.allSettled([...this.hosts.values()].map((h) => h.close())).then(() => {});
  }

  destroy(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.allSettled([...this.hosts.values()].map((h) => h.destroy())).then(() => {});
  }
}

/**
 * `10.0.0.1:8080` or `[fd00::1]:8080`; the first value when the header was repeated (Envoy uses
 * the first). Anything else is ignored and the connection's destination is used.
 */
export function parseHostHeader(value: string): [string, number] | undefined {
  const comma = value.indexOf(',');
  const text = (comma === -1 ? value : value.slice(0, comma)).trim();
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let address = text.slice(0, colon);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  else if (address.includes(':')) return undefined;
  const port = Number(text.slice(colon + 1));
  if (isIP(address) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return [address, port];
}
