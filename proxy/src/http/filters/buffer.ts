// envoy.filters.http.buffer in the chain: the whole request body, up to max_request_bytes, is read
// before the next filter runs; above it the request gets 413 and the upstream never sees it.
import type { Stream } from '../stream/index.ts';
import { bufferBody } from './buffer-body.ts';
import { CONTINUE, type FilterStatus, type HttpFilter, STOP } from './types.ts';

// HTTP/1.1 closes the connection: the rest of the body would otherwise be read as the next request.
const TOO_LARGE_H1 = { status: 413, body: 'Payload Too Large', headers: { connection: 'close' } };
const TOO_LARGE_H2 = { status: 413, body: 'Payload Too Large' };

export class BufferFilter implements HttpFilter {
  constructor(
    readonly name: string,
    private readonly maxRequestBytes: number,
  ) {}

  onRequest(s: Stream): FilterStatus | Promise<FilterStatus> {
    const body = s.body;
    if (!body) return CONTINUE;
    return bufferBody(body, s.info, this.maxRequestBytes).then((buffered) => {
      if (buffered === 'too-large') {
        s.reply(s.http2 ? TOO_LARGE_H2 : TOO_LARGE_H1);
        return STOP;
      }
      if (buffered === 'aborted') return STOP;
      s.body = buffered;
      return CONTINUE;
    });
  }
}
