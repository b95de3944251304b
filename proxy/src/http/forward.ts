// The router's upstream half: send the request to a cluster endpoint, retrying under the route's
// policy, bounded by the route timeout, and relay the response. Every way this can fail ends in a
// response flag (UF, UC, UT, URX, UH, NC) so the access log explains it.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Cluster } from '../cluster/cluster.ts';
import { observeRqTime } from '../cluster/cluster.ts';
import type { Endpoint } from '../cluster/endpoint.ts';
import type { ForwardAction, HeaderMutation, RouteEntry } from '../compile/types.ts';
import type { Headers } from './downstream.ts';
import { stripResponseHopByHop } from './downstream.ts';
import { ReplayableBody } from './replay-body.ts';
import { RF } from './response-flags.ts';
import { type AttemptFailure, backoffMs, retriableFailure, retriableResponse } from './retry.ts';
import type { Stream } from './stream.ts';

export interface ForwardTarget {
  readonly cluster: Cluster;
  readonly path: string;
  readonly headers: Headers;
  /** Response header mutations, most specific first (weighted cluster, route, virtual host, route config). */
  readonly responseMutations: readonly HeaderMutation[];
  readonly applyResponseMutation: (m: HeaderMutation, headers: Headers) => void;
}

type AttemptOutcome =
  | {
      readonly ok: true;
      readonly response: Dispatcher.ResponseData;
      readonly endpoint: Endpoint;
      readonly startedAt: number;
    }
  | {
      readonly ok: false;
      readonly failure: AttemptFailure | 'timeout' | 'aborted';
      readonly endpoint: Endpoint;
    };

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EADDRNOTAVAIL',
]);

function classify(err: unknown): AttemptFailure {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code && CONNECT_ERRORS.has(code)) return 'connect-failure';
  if (e.message?.includes('REFUSED_STREAM')) return 'refused-stream';
  return 'reset';
}

const FAILURE_FLAGS: Record<AttemptFailure, number> = {
  'connect-failure': RF.UPSTREAM_CONNECT_FAILURE,
  reset: RF.UPSTREAM_CONNECTION_TERMINATION,
  'refused-stream': RF.UPSTREAM_RESET,
  'per-try-timeout': RF.UPSTREAM_REQUEST_TIMEOUT,
};

const FAILURE_BODIES: Record<AttemptFailure, string> = {
  'connect-failure':
    'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  reset: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  'refused-stream':
    'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset',
  'per-try-timeout': 'upstream request timeout',
};

const ignore = () => {};

/** Drops a response we will not relay; reading it out lets undici keep the connection. */
function discard(response: Dispatcher.ResponseData): void {
  response.body.dump({ limit: 64 * 1024 }).catch(ignore);
}

/** Parsed once per request only when the header is present. */
function requestRetriableCodes(headers: Headers): ReadonlySet<number> | undefined {
  const raw = headers['x-envoy-retriable-status-codes'];
  if (typeof raw !== 'string') return undefined;
  return new Set(raw.split(',').map((s) => Number(s.trim())));
}

export class Forwarder {
  private readonly policy;
  private readonly maxRetries: number;
  private readonly body: ReplayableBody | undefined;
  private readonly directBody: Readable | undefined;
  private tried: Set<Endpoint> | undefined;
  private current: { abort(): void } | undefined;
  private timedOut = false;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private waitCancel: (() => void) | undefined;

  constructor(
    private readonly s: Stream,
    route: RouteEntry,
    private readonly action: ForwardAction,
    private readonly target: ForwardTarget,
    /** The request body as it arrives (the downstream request, or what a buffering filter kept). */
    bodySource: Readable | undefined,
  ) {
    this.policy = action.retry;
    this.maxRetries = action.retry?.numRetries ?? 0;
    if (bodySource) {
      if (this.maxRetries > 0 || action.mirrors.length > 0) {
        this.body = new ReplayableBody(bodySource, route.bufferLimitBytes);
      } else {
        this.directBody = bodySource;
      }
      bodySource.once('end', () => this.startTimeout());
    } else this.startTimeout();
    if (this.policy?.avoidPreviousHosts) this.tried = new Set();
    s.onAbort = (reason) => this.abort(reason);
  }

  /** The request body for a mirror, or null when it cannot be replayed. */
  mirrorBody(): Readable | undefined | null {
    if (!this.body) return this.directBody ? null : undefined;
    return this.body.reader(true) ?? null;
  }

  private startTimeout(): void {
    const ms = this.action.timeoutMs;
    if (ms > 0 && !this.timeoutTimer) {
      this.timeoutTimer = setTimeout(() => {
        this.timedOut = true;
        this.cancelWait();
        this.current?.abort();
      }, ms);
    }
  }

  private abort(_reason: 'downstream' | 'idle'): void {
    this.cancelWait();
    this.current?.abort();
  }

  private cancelWait(): void {
    const cancel = this.waitCancel;
    this.waitCancel = undefined;
    cancel?.();
  }

  private clearTimers(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
  }

  async run(): Promise<void> {
    const { s, target } = this;
    const cluster = target.cluster;
    const codes = this.policy && requestRetriableCodes(target.headers);
    for (let retry = 0; ; retry++) {
      const endpoint = cluster.pick(this.tried, this.policy?.hostSelectionRetryMaxAttempts);
      if (!endpoint) {
        this.clearTimers();
        return s.reply({ status: 503, body: 'no healthy upstream' }, RF.NO_HEALTHY_UPSTREAM);
      }
      this.tried?.add(endpoint);
      const body = this.body ? this.body.reader() : this.directBody;
      const outcome = await this.attempt(endpoint, body);
      if (s.downstreamClosed) {
        if (outcome.ok) discard(outcome.response);
        return this.clearTimers();
      }
      const canRetry = retry < this.maxRetries && (!this.body || this.body.replayable) && !this.timedOut;
      if (outcome.ok) {
        const { response } = outcome;
        const retriable =
          this.policy !== undefined &&
          retriableResponse(this.policy, response.statusCode, response.headers, codes);
        if (retriable && canRetry) {
          discard(response);
          if (!(await this.backoff(retry + 1))) return this.timeoutReply();
          continue;
        }
        if (retriable && this.policy) {
          cluster.stats.rqRetryLimitExceeded++;
          s.flags |= RF.UPSTREAM_RETRY_LIMIT_EXCEEDED;
        } else if (retry > 0) cluster.stats.rqRetrySuccess++;
        return this.relay(outcome.response, outcome.endpoint, outcome.startedAt);
      }
      if (outcome.failure === 'timeout') return this.timeoutReply();
      if (outcome.failure === 'aborted') return this.clearTimers();
      const failure = outcome.failure;
      if (this.policy && retriableFailure(this.policy, failure)) {
        if (canRetry) {
          if (!(await this.backoff(retry + 1))) return this.timeoutReply();
          continue;
        }
        cluster.stats.rqRetryLimitExceeded++;
        if (this.maxRetries > 0) s.flags |= RF.UPSTREAM_RETRY_LIMIT_EXCEEDED;
      }
      this.clearTimers();
      const status = failure === 'per-try-timeout' ? 504 : 503;
      return s.reply({ status, body: FAILURE_BODIES[failure] }, FAILURE_FLAGS[failure]);
    }
  }

  private timeoutReply(): void {
    this.clearTimers();
    this.target.cluster.stats.rqTimeout++;
    this.s.reply({ status: 504, body: 'upstream request timeout' }, RF.UPSTREAM_REQUEST_TIMEOUT);
  }

  /** Waits the back-off; false when the route timeout fired meanwhile. */
  private backoff(retryNumber: number): Promise<boolean> {
    this.target.cluster.stats.rqRetry++;
    const ms = backoffMs(this.policy!, retryNumber);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waitCancel = undefined;
        resolve(!this.timedOut);
      }, ms);
      this.waitCancel = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }

  private async attempt(endpoint: Endpoint, body: Readable | undefined): Promise<AttemptOutcome> {
    const { s, target } = this;
    const controller = new AbortController();
    this.current = controller;
    s.attempts++;
    s.upstreamHost = endpoint.id;
    const clusterStats = target.cluster.stats;
    clusterStats.rqTotal++;
    clusterStats.rqActive++;
    endpoint.stats.rqTotal++;
    endpoint.stats.rqActive++;
    let perTryTimedOut = false;
    const perTry = this.policy?.perTryTimeoutMs ?? 0;
    const perTryTimer =
      perTry > 0
        ? setTimeout(() => {
            perTryTimedOut = true;
            controller.abort();
          }, perTry)
        : undefined;
    if (s.attempts > 1) target.headers['x-envoy-attempt-count'] = String(s.attempts);
    if (this.action.autoHostRewrite) target.headers.host = endpoint.table.hostname ?? endpoint.id;
    const startedAt = performance.now();
    try {
      const response = await endpoint.pool.request({
        method: s.info.method as Dispatcher.HttpMethod,
        path: target.path,
        headers: target.headers as Record<string, string | string[]>,
        body: body ?? null,
        signal: controller.signal,
      });
      if (perTryTimer) {
        // The per-try timeout covers the whole attempt; once the response is relayed it resets the stream.
        response.body.once('close', () => clearTimeout(perTryTimer));
      }
      return { ok: true, response, endpoint, startedAt };
    } catch (err) {
      if (perTryTimer) clearTimeout(perTryTimer);
      clusterStats.rqActive--;
      endpoint.stats.rqActive--;
      endpoint.stats.rqError++;
      if (s.downstreamClosed) return { ok: false, failure: 'aborted', endpoint };
      if (this.timedOut) return { ok: false, failure: 'timeout', endpoint };
      if (perTryTimedOut) {
        clusterStats.rqPerTryTimeout++;
        endpoint.stats.rqTimeout++;
        return { ok: false, failure: 'per-try-timeout', endpoint };
      }
      const failure = classify(err);
      if (failure === 'connect-failure') {
        clusterStats.cxConnectFail++;
        endpoint.stats.cxConnectFail++;
      }
      return { ok: false, failure, endpoint };
    } finally {
      if (body && this.body) this.body.detach(body);
    }
  }

  private relay(response: Dispatcher.ResponseData, endpoint: Endpoint, startedAt: number): void {
    const { s, target } = this;
    // Both codecs' responses share this surface; node's types just do not say so.
    const res = s.res as ServerResponse;
    const status = response.statusCode;
    const cls = (status / 100) | 0;
    const clusterStats = target.cluster.stats;
    if (cls >= 1 && cls <= 5) {
      clusterStats.rqByClass[cls]!++;
      endpoint.stats.rqByClass[cls]!++;
    }
    const headers = response.headers as Headers;
    stripResponseHopByHop(headers);
    for (const m of target.responseMutations) if (!m.empty) target.applyResponseMutation(m, headers);
    headers['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - startedAt));
    s.status = status;
    const upstream = response.body;
    const done = () => {
      clusterStats.rqActive--;
      endpoint.stats.rqActive--;
      observeRqTime(clusterStats, performance.now() - startedAt);
      this.clearTimers();
    };
    if (s.downstreamClosed) {
      discard(response);
      return done();
    }
    s.onAbort = () => upstream.destroy(new Error('downstream closed'));
    res.writeHead(status, headers as Record<string, string | string[]>);
    upstream.on('data', (chunk: Buffer) => {
      s.bytesSent += chunk.length;
      s.touch();
      if (!res.write(chunk)) {
        upstream.pause();
        res.once('drain', () => upstream.resume());
      }
    });
    upstream.once('end', () => {
      done();
      const trailers = response.trailers;
      if (
        trailers &&
        Object.keys(trailers).length > 0 &&
        (s.http2 || (res as ServerResponse).chunkedEncoding)
      ) {
        res.addTrailers(trailers as Record<string, string>);
      }
      res.end();
    });
    upstream.once('error', () => {
      done();
      if (this.timedOut) s.flags |= RF.UPSTREAM_REQUEST_TIMEOUT;
      else if (!s.downstreamClosed) s.flags |= RF.UPSTREAM_RESET;
      res.destroy();
    });
    // The route timeout also bounds the response body: when it fires mid-body, reset the stream.
    if (this.timeoutTimer) {
      this.current = { abort: () => upstream.destroy(new Error('upstream request timeout')) };
    }
  }
}
