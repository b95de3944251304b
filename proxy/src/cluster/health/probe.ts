// One host's health check requests: a real HTTP/1.1 or cleartext HTTP/2 request per check, bounded
// by the configured timeout, over a connection kept between checks when reuse_connection is true
// (Envoy's default). Like Envoy, a timeout closes the connection, and with reuse_connection false
// every check gets a connection of its own.
import http from 'node:http';
import http2 from 'node:http2';
import type { HealthCheckConfig } from './config.ts';
import type { Timers } from './timers.ts';

/** What came back: a complete response (status only) or a network-level failure. */
export type ProbeOutcome =
  | { readonly kind: 'response'; readonly status: number }
  | { readonly kind: 'network'; readonly timeout: boolean; readonly error: string };

export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
  /** Sent as Host (HTTP/1.1) or :authority (HTTP/2). */
  readonly authority: string;
}

export interface Prober {
  /** One check; never rejects. At most one is in flight per prober. */
  probe(): Promise<ProbeOutcome>;
  /** Aborts the check in flight (it resolves as a network failure) and closes the connection. */
  close(): void;
}

/** Envoy's health checker identifies itself this way; upstreams and log filters key on it. */
const USER_AGENT = 'Envoy/HC';

export function createProber(config: HealthCheckConfig, target: ProbeTarget, timers: Timers): Prober {
  return config.http.codec === 'HTTP2'
    ? new Http2Prober(config, target, timers)
    : new Http1Prober(config, target, timers);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Header lists with repeats merged the way both Node clients accept them. */
function extraHeaders(config: HealthCheckConfig): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { 'user-agent': USER_AGENT };
  for (const [name, value] of config.http.requestHeaders) {
    const existing = headers[name];
    // Envoy's default append_action is APPEND_IF_EXISTS_OR_ADD.
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
}

const STOPPED: ProbeOutcome = { kind: 'network', timeout: false, error: 'health checking stopped' };

/** One check in flight: its result, and a way to settle it at once (close() must leave no timer). */
interface Bounded {
  readonly outcome: Promise<ProbeOutcome>;
  readonly cancel: () => void;
}

/**
 * Runs one check: `start` sends the request and reports through `settle`; the first settlement
 * wins and clears the timeout; `teardown` runs when the timer or cancel() won, to drop the request.
 */
function bounded(
  timers: Timers,
  timeoutMs: number,
  start: (settle: (outcome: ProbeOutcome) => void) => void,
  teardown: () => void,
): Bounded {
  let settle!: (outcome: ProbeOutcome) => void;
  const outcome = new Promise<ProbeOutcome>((resolve) => {
    let done = false;
    settle = (result) => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      resolve(result);
    };
    const timer = timers.setTimeout(() => {
      settle({ kind: 'network', timeout: true, error: `no complete response within ${timeoutMs} ms` });
      teardown();
    }, timeoutMs);
  });
  try {
    start(settle);
  } catch (error) {
    // e.g. a header value Node refuses to send: a failed check, not a crashed checker.
    settle({ kind: 'network', timeout: false, error: describe(error) });
    teardown();
  }
  return {
    outcome,
    cancel: () => {
      settle(STOPPED);
      teardown();
    },
  };
}

class Http1Prober implements Prober {
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string | string[]>;
  private inflight: Bounded | undefined;

  constructor(
    private readonly config: HealthCheckConfig,
    private readonly target: ProbeTarget,
    private readonly timers: Timers,
  ) {
    // One socket per host: checks are sequential, and a non-keep-alive agent sends
    // `Connection: close`, which is Envoy's reuse_connection: false.
    this.agent = new http.Agent({ keepAlive: config.reuseConnection, maxSockets: 1 });
    this.headers = { ...extraHeaders(config), host: target.authority };
  }

  probe(): Promise<ProbeOutcome> {
    let req: http.ClientRequest | undefined;
    const check = bounded(
      this.timers,
      this.config.timeoutMs,
      (settle) => {
        const network = (error: unknown) =>
          settle({ kind: 'network', timeout: false, error: describe(error) });
        req = http.request({
          host: this.target.address,
          port: this.target.port,
          method: this.config.http.method,
          path: this.config.http.path,
          headers: this.headers,
          agent: this.agent,
        });
        req.on('error', network);
        req.on('response', (res) => {
          const status = res.statusCode ?? 0;
          res.on('error', network);
          // Envoy judges a check when the response has ended, so the timeout covers the body too.
          res.on('end', () => settle({ kind: 'response', status }));
          res.on('close', () => {
            if (!res.complete) network(new Error('connection closed before the response ended'));
          });
          res.resume();
        });
        req.end();
      },
      () => req?.destroy(),
    );
    this.inflight = check;
    return check.outcome.finally(() => {
      if (this.inflight === check) this.inflight = undefined;
    });
  }

  close(): void {
    this.inflight?.cancel();
    this.agent.destroy();
  }
}

class Http2Prober implements Prober {
  private session: http2.ClientHttp2Session | undefined;
  private readonly origin: string;
  private readonly headers: http2.OutgoingHttpHeaders;
  private closed = false;
  private inflight: Bounded | undefined;

  constructor(
    private readonly config: HealthCheckConfig,
    target: ProbeTarget,
    private readonly timers: Timers,
  ) {
    const host = target.address.includes(':') ? `[${target.address}]` : target.address;
    this.origin = `http://${host}:${target.port}`;
    this.headers = {
      ...extraHeaders(config),
      ':method': config.http.method,
      ':path': config.http.path,
      ':authority': target.authority,
    };
  }

  /** The live session, or a new one; a session that failed, closed or got GOAWAY is never reused. */
  private connection(): http2.ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const session = http2.connect(this.origin);
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // Errors reach the check in flight through its own listeners; this one only keeps an
    // unhandled 'error' from being thrown.
    session.on('error', forget);
    session.on('close', forget);
    session.on('goaway', forget);
    this.session = session;
    return session;
  }

  probe(): Promise<ProbeOutcome> {
    if (this.closed) return Promise.resolve(STOPPED);
    const session = this.connection();
    let stream: http2.ClientHttp2Stream | undefined;
    const check = bounded(
      this.timers,
      this.config.timeoutMs,
      (settle) => {
        const network = (error: unknown) =>
          settle({ kind: 'network', timeout: false, error: describe(error) });
        const onSessionClose = () => network(new Error('connection closed before the response ended'));
        let status = 0;
        stream = session.request(this.headers, { endStream: true });
        // Attached only once the stream exists: a request() that throws must not leave them behind.
        session.once('error', network);
        session.once('close', onSessionClose);
        stream.on('response', (headers) => {
          status = Number(headers[':status'] ?? 0);
        });
        stream.on('error', network);
        stream.on('end', () => settle({ kind: 'response', status }));
        stream.on('close', () => {
          session.off('error', network);
          session.off('close', onSessionClose);
          network(new Error(`stream closed before the response ended (code ${stream?.rstCode ?? 0})`));
        });
        stream.resume();
      },
      // Envoy closes the whole connection on a timeout, not just the stream.
      () => session.destroy(),
    );
    this.inflight = check;
    return check.outcome.finally(() => {
      if (this.inflight === check) this.inflight = undefined;
      if (!this.config.reuseConnection) session.close();
    });
  }

  close(): void {
    this.closed = true;
    this.inflight?.cancel();
    this.session?.destroy();
    this.session = undefined;
  }
}
