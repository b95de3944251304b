// The interception bench's upstream application: the main bench's server (HTTP/1.1 keep-alive, a
// 1 KB body for every request) on a given address and port inside a pod's namespace, plus one
// header, `x-bench-peer` (the TCP peer it saw), so the harness can check which path a probe took.
//   node --import tsx bench/lib/intercept-upstream.ts HOST PORT   → prints "listening"
import { createServer } from 'node:http';

const [host = '0.0.0.0', port = '9080'] = process.argv.slice(2);
const BODY = Buffer.alloc(1024, 'x');

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, {
    'content-type': 'text/plain',
    'content-length': String(BODY.length),
    'x-bench-peer': req.socket.remoteAddress ?? '',
  });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.listen(Number(port), host, () => console.log('listening'));

process.on('SIGTERM', () => process.exit(0));
