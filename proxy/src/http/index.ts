// The http folder's public face: the HTTP connection manager a listener hands requests to, the
// WebSocket/upgrade path, the HTTP/2 session peer registry, and the access loggers (which tcp_proxy
// shares).

export { ConnectionManager } from './connection-manager.ts';
export { type AccessLogEntry, AccessLogger, registerSessionPeer, sendLocalReply } from './stream/index.ts';
export { handleUpgrade } from './upgrade.ts';
