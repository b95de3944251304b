// The benchmark's upstream: an HTTP/1.1 keep-alive server answering every request with a 1 KB body.
// Run as a child process (so it never shares an event loop with the load generator); it reports its
// port over IPC and exits when the parent goes away.
import { createServer } from 'node:http';

const BODY = Buffer.alloc(1024, 'x');
const HEADERS = { 'content-type': 'text/plain', 'content-length': String(BODY.length) };

const server = createServer((req, res) => {
  // Drain any request body so the connection can be reused.
  req.resume();
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  if (process.send) process.send({ port });
  else console.log(JSON.stringify({ port }));
});

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
