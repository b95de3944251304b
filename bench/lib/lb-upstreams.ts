// Child-process entry for the load-balancing bench: three HTTP/1.1 upstreams on 127.0.0.1, the
// first answering after SLOW_MS (a degraded host), the others at once. Reports the ports over IPC.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const SLOW_MS = Number(process.argv[2] ?? 20);
const body = Buffer.alloc(1024, 'x');

function serve(delayMs: number): Promise<number> {
  const server = http.createServer((_req, res) => {
    const send = () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const ports = await Promise.all([serve(SLOW_MS), serve(0), serve(0)]);
process.send?.({ ports });
process.on('disconnect', () => process.exit(0));
