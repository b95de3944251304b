// Process logs: JSON lines on stderr (pino), never on the request path.
//
// stderr can stop draining: a supervisor that no longer reads its pipe fills it, and pino's
// asynchronous writer then retries EAGAIN forever — at exit, where it flushes synchronously, that
// froze a draining proxy for good. Logs are worth less than a clean shutdown: once stopping, a full
// pipe drops what is left, and a broken one (EPIPE) stops logging instead of crashing the proxy.
import pino from 'pino';

let stopping = false;

const destination = pino.destination({
  fd: 2,
  sync: false,
  retryEAGAIN: () => !stopping,
});
destination.on('error', () => {
  stopping = true;
});

export const log = pino(
  { name: 'weft-proxy', level: process.env.WEFT_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  destination,
);

/** From now on a stalled stderr loses log lines rather than holding the process. */
export function stopWaitingForLogs(): void {
  stopping = true;
}
