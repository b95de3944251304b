// Baseline: the simplest reasonable Node.js reverse proxy. node:http server in front, http.request
// with a keep-alive Agent behind. What a proxy written in Node costs before any mesh logic.
// Usage: node --import tsx bench/baselines/node-proxy.ts LISTEN_PORT UPSTREAM_PORT
import { Agent, createServer, request } from 'node:http';

const listenPort = Number(process.argv[2]);
const upstreamPort = Number(process.argv[3]);
if (!Number.isInteger(listenPort) || !Number.isInteger(upstreamPort)) {
  console.error('usage: node-proxy.ts LISTEN_PORT UPSTREAM_PORT');
  process.exit(2);
}

const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' });

const server = createServer((req, res) => {
  const up = request(
    { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.listen(listenPort, '127.0.0.1', () => console.log(`node-proxy listening on ${listenPort}`));

process.on('SIGTERM', () => process.exit(0));
