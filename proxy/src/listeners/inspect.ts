// Runs envoy.filters.listener.http_inspector on a connection: reads until the first bytes say
// h2c, HTTP/1.x or not HTTP, keeping every byte read for the filter chain to replay (nothing is
// consumed). The peer half-closing ends the inspection with what arrived.

import type { AcceptedConnection } from './accepted-connection.ts';
import { detectHttp, type HttpDetection, MAX_INSPECT_BYTES } from './http-inspector.ts';

export type InspectOutcome = 'done' | 'timeout' | 'closed';

const PROTOCOLS: Readonly<Record<HttpDetection, readonly string[]>> = {
  h2c: ['h2c'],
  'http/1.1': ['http/1.1'],
  'http/1.0': ['http/1.0'],
  none: [],
  more: [],
};

/** `timeoutMs` 0 waits as long as it takes; `done` is called once, with the socket paused. */
export function inspectHttp(
  conn: AcceptedConnection,
  timeoutMs: number,
  done: (outcome: InspectOutcome) => void,
): void {
  const socket = conn.socket;
  const finish = (outcome: InspectOutcome, detection: HttpDetection): void => {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onClose);
    if (timer) clearTimeout(timer);
    socket.pause();
    conn.inspected = true;
    conn.applicationProtocols = PROTOCOLS[detection];
    done(outcome);
  };
  const onData = (chunk: Buffer): void => {
    const head = conn.head ? Buffer.concat([conn.head, chunk]) : chunk;
    conn.head = head;
    const detection = detectHttp(head);
    if (detection !== 'more') finish('done', detection);
    else if (head.length >= MAX_INSPECT_BYTES) finish('done', 'none');
  };
  const onEnd = (): void => {
    conn.ended = true;
    finish('done', 'none');
  };
  const onClose = (): void => finish('closed', 'none');
  const timer = timeoutMs > 0 ? setTimeout(() => finish('timeout', 'none'), timeoutMs) : undefined;
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', onClose);
}
