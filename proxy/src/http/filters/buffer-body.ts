// envoy.filters.http.buffer: read the whole request body up to max_request_bytes before routing
// on; above it the request is refused with 413 and the upstream never sees it.
import { Readable } from 'node:stream';
import type { RequestInfo } from '../stream/index.ts';

/** Reads `req` — the body as the chain sees it so far — whole, or up to the first byte past the cap. */
export function bufferBody(
  req: Readable,
  info: RequestInfo,
  maxBytes: number,
): Promise<Readable | 'too-large' | 'aborted'> {
  const declared = Number(info.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const body = Buffer.concat(chunks, size);
      // the upstream learns the length up front, as Envoy's buffer filter sets content-length
      info.headers['content-length'] = String(size);
      resolve(Readable.from([body], { objectMode: false }));
    };
    const onAbort = () => {
      cleanup();
      resolve('aborted');
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onAbort);
    req.once('aborted', onAbort);
  });
}
