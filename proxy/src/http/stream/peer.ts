// The downstream peer's address. HTTP/2 sessions run over a ReplaySocket whose wrapper cannot
// report the peer, so listeners register each session's real socket here.
import type { Http2ServerRequest, ServerHttp2Session } from 'node:http2';
import type { DownstreamRequest } from './downstream.ts';

export interface Peer {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

const sessions = new WeakMap<ServerHttp2Session, Peer>();

export function registerSessionPeer(session: ServerHttp2Session, peer: Peer): void {
  sessions.set(session, peer);
}

export function peerOf(req: DownstreamRequest, http2: boolean): Peer | undefined {
  if (http2) {
    const session = (req as Http2ServerRequest).stream.session;
    return session ? sessions.get(session as ServerHttp2Session) : undefined;
  }
  return req.socket;
}
