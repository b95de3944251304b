// Process logs: JSON lines on stderr (pino), never on the request path.
import pino from 'pino';

export const log = pino(
  { name: 'weft-proxy', level: process.env.WEFT_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination({ fd: 2, sync: false }),
);
