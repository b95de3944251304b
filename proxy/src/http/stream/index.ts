// The per-request context every HTTP filter, the router and the retry state work on: the Stream
// (lifetime, timers, what the access log records), the downstream request as both codecs deliver
// it, local replies, the HTTP/2 session peer registry and the access loggers.
export { type AccessLogEntry, AccessLogger } from './access-log.ts';
export {
  type DownstreamRequest,
  type DownstreamResponse,
  type Headers,
  hasBody,
  type RequestInfo,
  readRequest,
  stripResponseHopByHop,
} from './downstream.ts';
export { grpcStatusForHttp, isGrpcRequest, type LocalReply, sendLocalReply } from './local-reply.ts';
export { peerOf, registerSessionPeer } from './peer.ts';
export { type AbortReason, remoteAddress, Stream, type StreamEnv, type WeightedCluster } from './stream.ts';
