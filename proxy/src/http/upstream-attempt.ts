// One upstream attempt as an undici dispatch handler. undici's request() API is not used: it adds a
// stream per response and loses HTTP/2 trailers (gRPC status); the raw handler gives both back and
// lets the router hold a response until it decides to relay it or retry.
import type { Dispatcher } from 'undici';
import type { Headers } from './stream/index.ts';

/** Where a relayed response goes. `data` returns false to ask for back-pressure. */
export interface ResponseSink {
  data(chunk: Buffer): boolean;
  end(trailers: Headers | undefined): void;
  error(err: Error): void;
}

export type AttemptStart = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/** Bytes of a discarded response read out so the connection stays reusable; beyond it, reset. */
const DISCARD_LIMIT = 64 * 1024;

type Mode = 'waiting' | 'relay' | 'discard';

function headerString(value: unknown): string {
  return typeof value === 'string'
    ? value
    : Buffer.isBuffer(value)
      ? value.toString('latin1')
      : String(value);
}

/** undici hands headers over as a flat [name, value, …] list (values may be lists for HTTP/2). */
export function parseRawHeaders(raw: unknown): Headers {
  const out: Headers = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = headerString(raw[i]).toLowerCase();
      const value = raw[i + 1];
      if (Array.isArray(value)) for (const v of value) add(out, name, headerString(v));
      else add(out, name, headerString(value));
    }
  } else if (raw && typeof raw === 'object') {
    // HTTP/2 trailers arrive as node's header object
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (name.charCodeAt(0) === 58 /* : */ || value === undefined) continue;
      out[name] = Array.isArray(value) ? value.map(headerString) : headerString(value);
    }
  }
  return out;
}

function add(out: Headers, name: string, value: string): void {
  const existing = out[name];
  if (existing === undefined) out[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else out[name] = [existing, value];
}

export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  status = 0;
  headers: Headers = {};
  /** Resolves when response headers arrive or the attempt fails before them. */
  readonly started: Promise<AttemptStart>;
  private settle!: (start: AttemptStart) => void;
  private mode: Mode = 'waiting';
  private sink: ResponseSink | undefined;
  private abortFn: ((err?: Error) => void) | undefined;
  private resumeFn: (() => void) | undefined;
  private pending: Buffer[] = [];
  private completed: { trailers: Headers | undefined } | undefined;
  private failure: Error | undefined;
  private discarded = 0;
  private headersSeen = false;

  constructor() {
    this.started = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  abort(err: Error): void {
    if (this.abortFn) this.abortFn(err);
    else this.onError(err);
  }

  /** Relays the response (held so far) into `sink`. */
  relay(sink: ResponseSink): void {
    this.mode = 'relay';
    this.sink = sink;
    const pending = this.pending;
    this.pending = [];
    let flowing = true;
    for (const chunk of pending) flowing = sink.data(chunk);
    if (this.failure) return sink.error(this.failure);
    if (this.completed) return sink.end(this.completed.trailers);
    if (flowing) this.resume();
  }

  /** Drops the response; reading it out keeps the connection for the next request. */
  discard(): void {
    this.mode = 'discard';
    this.discarded = this.pending.reduce((n, c) => n + c.length, 0);
    this.pending = [];
    if (this.completed || this.failure) return;
    if (this.discarded > DISCARD_LIMIT) this.abort(new Error('discarded response too large'));
    else this.resume();
  }

  resume(): void {
    this.resumeFn?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational responses (100 Continue) are the codec's business, not the caller's
    if (statusCode < 200) return true;
    this.resumeFn = resume;
    this.status = statusCode;
    this.headers = parseRawHeaders(rawHeaders);
    this.headersSeen = true;
    this.settle({ ok: true });
    return true;
  }

  onData(chunk: Buffer): boolean {
    switch (this.mode) {
      case 'relay':
        return this.sink!.data(chunk);
      case 'discard':
        this.discarded += chunk.length;
        if (this.discarded > DISCARD_LIMIT) this.abort(new Error('discarded response too large'));
        return true;
      default:
        // the router has not decided yet: hold the bytes and pause the connection
        this.pending.push(chunk);
        return false;
    }
  }

  onComplete(trailers: unknown): void {
    const parsed = trailers ? parseRawHeaders(trailers) : undefined;
    if (this.mode === 'relay') this.sink!.end(parsed);
    else this.completed = { trailers: parsed };
  }

  onError(err: Error): void {
    if (!this.headersSeen) {
      this.headersSeen = true;
      this.failure = err;
      this.settle({ ok: false, error: err });
      return;
    }
    if (this.mode === 'relay') this.sink!.error(err);
    else this.failure = err;
  }
}
