// The demo's small services, one process each:
//   services.ts reviews --version v1 --port P [--delay-ms N] [--error-rate R]
//   services.ts frontend --port P --reviews-port Q [--reviews-host reviews]
// reviews answers with its version (after an optional delay; a share R of answers are 500s, so a
// bad version shows in the success rate). frontend calls reviews through its sidecar — plain HTTP
// to the sidecar's listener with `Host: reviews`, as an app in a mesh does — and reports which
// version answered. Both listen on 127.0.0.1 only.
import http from 'node:http';
import { parseArgs } from 'node:util';

export interface FrontendAnswer {
  /** The reviews version that answered, or null when none did. */
  reviews: string | null;
  error?: string;
}

function fail(message: string): never {
  process.stderr.write(`demo service: ${message}\n`);
  process.exit(1);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function reviews(version: string, delayMs: number, errorRate: number): http.RequestListener {
  return (_req, res) => {
    const answer = () =>
      Math.random() < errorRate
        ? json(res, 500, { version, error: `reviews ${version} failed (simulated)` })
        : json(res, 200, { version, stars: version === 'v1' ? 4 : 5 });
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  };
}

function frontend(reviewsPort: number, reviewsHost: string): http.RequestListener {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return (_req, res) => {
    const call = http.get(
      {
        host: '127.0.0.1',
        port: reviewsPort,
        path: '/',
        headers: { host: reviewsHost },
        agent,
        timeout: 3000,
      },
      (upstream) => {
        let body = '';
        upstream.setEncoding('utf8');
        upstream.on('data', (chunk: string) => {
          body += chunk;
        });
        upstream.on('end', () => {
          let version: string | null = null;
          try {
            version = (JSON.parse(body) as { version?: string }).version ?? null;
          } catch {
            // not a reviews answer: the sidecar's own error page
          }
          const ok = upstream.statusCode === 200;
          const answer: FrontendAnswer = ok
            ? { reviews: version }
            : { reviews: version, error: `reviews answered ${upstream.statusCode}` };
          json(res, ok ? 200 : 502, answer);
        });
      },
    );
    call.on('timeout', () => call.destroy(new Error('reviews timed out')));
    call.on('error', (err) => {
      if (!res.headersSent) json(res, 502, { reviews: null, error: err.message } satisfies FrontendAnswer);
    });
  };
}

function main(): void {
  const [role, ...rest] = process.argv.slice(2);
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        version: { type: 'string' },
        'delay-ms': { type: 'string', default: '0' },
        'error-rate': { type: 'string', default: '0' },
        'reviews-port': { type: 'string' },
        'reviews-host': { type: 'string', default: 'reviews' },
      },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (err) {
    fail((err as Error).message);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0) fail('--port is required');
  let listener: http.RequestListener;
  if (role === 'reviews') {
    if (!values.version) fail('reviews needs --version');
    listener = reviews(values.version, Number(values['delay-ms']), Number(values['error-rate']));
  } else if (role === 'frontend') {
    const reviewsPort = Number(values['reviews-port']);
    if (!Number.isInteger(reviewsPort) || reviewsPort <= 0) fail('frontend needs --reviews-port');
    listener = frontend(reviewsPort, values['reviews-host'] ?? 'reviews');
  } else fail(`unknown service "${role}" (reviews or frontend)`);
  const server = http.createServer({ keepAliveTimeout: 30_000 }, listener);
  server.on('error', (err) => fail(`${role} on 127.0.0.1:${port}: ${err.message}`));
  server.listen(port, '127.0.0.1', () => process.stderr.write(`${role} listening on 127.0.0.1:${port}\n`));
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
