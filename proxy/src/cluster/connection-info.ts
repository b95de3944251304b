// What the upstream side needs to know about a downstream connection that a listener filter
// restored: where it was originally going. ORIGINAL_DST clusters read it for HTTP requests (through
// the request's socket, or for HTTP/2 the session's registered socket, see http/peer.ts).
import type { OriginalDestinationView } from './lb/index.ts';

const restored = new WeakMap<object, OriginalDestinationView>();

export function recordOriginalDestination(socket: object, destination: OriginalDestinationView): void {
  restored.set(socket, destination);
}

/** The original destination of the connection `socket` (or HTTP peer) belongs to, if restored. */
export function originalDestinationOf(socket: object | undefined): OriginalDestinationView | undefined {
  return socket === undefined ? undefined : restored.get(socket);
}
