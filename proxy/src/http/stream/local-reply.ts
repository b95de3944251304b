// Responses the proxy makes itself (no route, faults, upstream failures). gRPC callers get a
// trailers-only gRPC response with the status mapped from HTTP as Envoy maps it, so gRPC clients see
// UNAVAILABLE rather than a protocol error.
import type { DownstreamResponse } from './downstream.ts';

const HTTP_TO_GRPC: Record<number, number> = {
  400: 13,
  401: 16,
  403: 7,
  404: 12,
  429: 14,
  502: 14,
  503: 14,
  504: 14,
};

export function grpcStatusForHttp(status: number): number {
  return HTTP_TO_GRPC[status] ?? 2;
}

export function isGrpcRequest(contentType: string | undefined): boolean {
  return contentType?.startsWith('application/grpc') === true;
}

export interface LocalReply {
  status: number;
  body: string | Buffer;
  /** Explicit gRPC status (fault filter's grpc abort); otherwise mapped from `status`. */
  grpcStatus?: number;
  headers?: Record<string, string>;
}

/** Writes a local reply; returns the number of body bytes sent. */
export function sendLocalReply(res: DownstreamResponse, reply: LocalReply, grpc: boolean): number {
  if (res.headersSent) {
    res.destroy();
    return 0;
  }
  if (grpc) {
    const status = reply.grpcStatus ?? grpcStatusForHttp(reply.status);
    res.writeHead(200, {
      ...reply.headers,
      'content-type': 'application/grpc',
      'grpc-status': String(status),
      'grpc-message': encodeURIComponent(String(reply.body)),
    });
    res.end();
    return 0;
  }
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  const headers: Record<string, string | number> = { ...reply.headers, 'content-length': body.length };
  if (body.length > 0 && !reply.headers?.['content-type']) headers['content-type'] = 'text/plain';
  res.writeHead(reply.status, headers);
  res.end(body);
  return body.length;
}
