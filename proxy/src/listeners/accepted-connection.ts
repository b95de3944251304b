// One accepted downstream connection while the listener filters run and a filter chain is chosen:
// the facts filter chain matching reads, and the bytes the inspector read (replayed to the chain).
import type net from 'node:net';
import { recordOriginalDestination } from '../cluster/index.ts';
import type { OriginalDestinationView } from '../cluster/lb/index.ts';
import type { ConnectionFacts } from '../compile/index.ts';
import { originalDestination } from './original-dst.ts';

const NO_PROTOCOLS: readonly string[] = [];
const MAPPED_PREFIX = '::ffff:';

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; matching wants the IPv4 address. */
export function plainAddress(address: string): string {
  return address.startsWith(MAPPED_PREFIX) && address.includes('.', MAPPED_PREFIX.length)
    ? address.slice(MAPPED_PREFIX.length)
    : address;
}

export class AcceptedConnection implements ConnectionFacts, OriginalDestinationView {
  destinationAddress: string;
  destinationPort: number;
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly transportProtocol = 'raw_buffer';
  applicationProtocols: readonly string[] = NO_PROTOCOLS;
  /** original_dst ran and found the connection's original destination. */
  restored = false;
  /** http_inspector has looked (a hand-off target does not look again). */
  inspected = false;
  /** Bytes already read from the socket by the inspector, to replay to the filter chain first. */
  head: Buffer | undefined;
  /** The peer half-closed while the inspector was reading. */
  ended = false;

  constructor(readonly socket: net.Socket) {
    this.destinationAddress = plainAddress(socket.localAddress ?? '');
    this.destinationPort = socket.localPort ?? 0;
    this.sourceAddress = plainAddress(socket.remoteAddress ?? '');
    this.sourcePort = socket.remotePort ?? 0;
  }

  /** `address`/`port` for ORIGINAL_DST clusters. */
  get address(): string {
    return this.destinationAddress;
  }

  get port(): number {
    return this.destinationPort;
  }

  /**
   * The destination is this very socket (the connection was not redirected): an ORIGINAL_DST
   * cluster would connect back to the proxy itself.
   */
  get selfAddressed(): boolean {
    const socket = this.socket;
    return (
      this.destinationPort === socket.localPort &&
      this.destinationAddress === plainAddress(socket.localAddress ?? '')
    );
  }

  /** envoy.filters.listener.original_dst: the destination becomes the original destination. */
  restoreOriginalDestination(): void {
    const original = originalDestination(this.socket);
    if (!original) return;
    this.destinationAddress = plainAddress(original.address);
    this.destinationPort = original.port;
    this.restored = true;
    recordOriginalDestination(this.socket, this);
  }
}
