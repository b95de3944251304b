// Where a use_original_dst listener hands a connection: the listener whose address is exactly the
// original destination IP:port, else the one on the wildcard address with that port (0.0.0.0, and
// [::] which also takes IPv4 on a dual-stack host), else none — the connection then stays on the
// listener that accepted it. Rebuilt on each config version; lookups allocate nothing for IPv4.
import { canonicalIp } from '../compile/index.ts';

export interface AddressedListener {
  readonly address: string;
  readonly port: number;
}

const IPV4_ANY = '0.0.0.0';
const IPV6_ANY = canonicalIp('::')!;

function key(address: string, port: number): string {
  return `${address}|${port}`;
}

/** IPv4 text from a socket is canonical already; IPv6 has several spellings of one address. */
function canonical(address: string): string {
  return address.includes(':') ? (canonicalIp(address) ?? address) : address;
}

export class ListenerRegistry<L extends AddressedListener> {
  private byAddress = new Map<string, L[]>();

  replace(listeners: Iterable<L>): void {
    const next = new Map<string, L[]>();
    for (const listener of listeners) {
      const k = key(canonical(listener.address), listener.port);
      const list = next.get(k);
      if (list) list.push(listener);
      else next.set(k, [listener]);
    }
    this.byAddress = next;
  }

  /** The hand-off target for a connection to `address`:`port`, never `from` itself. */
  find(address: string, port: number, from: L): L | undefined {
    const v6 = address.includes(':');
    return (
      this.first(key(canonical(address), port), from) ??
      (v6 ? undefined : this.first(key(IPV4_ANY, port), from)) ??
      this.first(key(IPV6_ANY, port), from)
    );
  }

  private first(k: string, from: L): L | undefined {
    const list = this.byAddress.get(k);
    if (!list) return undefined;
    for (const listener of list) if (listener !== from) return listener;
    return undefined;
  }
}
