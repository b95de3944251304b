// The router's upstream half: send the request to a cluster endpoint, retrying under the route's
// policy, bounded by the route timeout, and relay the response. Every way this can fail ends in a
// response flag (UF, UC, UT, URX, UH, NC) so the access log explains it.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Admitted } from '../cluster/admission.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { observeRqTime } from '../cluster/cluster.ts';
import type { Endpoint } from '../cluster/endpoint.ts';
import type { CookieSink, PickContext } from '../cluster/lb/index.ts';
import type { ForwardAction, HeaderMutation, RouteEntry } from '../compile/types.ts';
import { originalDestinationOf } from '../listeners/connection-info.ts';
import { classify, FAILURE_BODIES, FAILURE_FLAGS, FAILURE_STATUS } from './attempt-failure.ts';
import type { Headers } from './downstream.ts';
import { stripResponseHopByHop } from './downstream.ts';
import { peerOf } from './peer.ts';
import { ReplayableBody } from './replay-body.ts';
import { RF } from './response-flags.ts';
import { type AttemptFailure, backoffMs, retriableFailure, retriableResponse } from './retry.ts';
import type { Stream } from './stream.ts';
import { UpstreamAttempt } from './upstream-attempt.ts';

export interface ForwardTarget {
  readonly cluster: Cluster;
  readonly path: string;
  readonly headers: Headers;
  /** Response header mutations, most specific first (weighted cluster, route, virtual host, route config). */
  readonly responseMutations: readonly HeaderMutation[];
}

interface AttemptSuccess {
  readonly ok: true;
  readonly upstream: UpstreamAttempt;
  readonly endpoint: Endpoint;
  readonly startedAt: number;
  /** Still running: the per-try timeout covers the whole attempt, body included. */
  readonly perTryTimer: NodeJS.Timeout | undefined;
}

type AttemptOutcome =
  | AttemptSuccess
  | {
      readonly ok: false;
      readonly failure: AttemptFailure | 'timeout' | 'aborted';
      readonly endpoint: Endpoint;
    };

const OVERLOADED = { 'x-envoy-overloaded': 'true' };
const NO_PEER = {};

function appendSetCookies(headers: Headers, cookies: readonly string[]): void {
  const existing = headers['set-cookie'];
  headers['set-cookie'] =
    existing === undefined
      ? [...cookies]
      : [...(Array.isArray(existing) ? existing : [existing]), ...cookies];
}

// Abort reasons, compared by identity to tell why an attempt ended.
const ROUTE_TIMEOUT = new Error('upstream request timeout');
const PER_TRY_TIMEOUT = new Error('upstream per-try timeout');
const DOWNSTREAM_CLOSED = new Error('downstream closed');

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
  private current: UpstreamAttempt | undefined;
  private timedOut = false;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private waitCancel: (() => void) | undefined;
  private readonly pickContext: PickContext<Endpoint>;
  /** Set-Cookie values a hash policy generated (cookie with ttl), for the response. */
  private cookies: CookieSink | undefined;
  /** A unit of the retries breaker, held from the decision to retry until that attempt ends. */
  private retryHeld = false;
  private firstReader: Readable | undefined;

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
        // the first attempt reads before any mirror, so a body past the cap still reaches it whole
        this.firstReader = this.body.reader();
      } else {
        this.directBody = bodySource;
      }
      bodySource.once('end', () => this.startTimeout());
    } else this.startTimeout();
    if (this.policy?.avoidPreviousHosts) this.tried = new Set();
    const hashPolicy = action.hashPolicy;
    if (hashPolicy) this.cookies = {};
    this.pickContext = {
      hash: hashPolicy ? hashPolicy.hash(s.info, peerOf(s.req, s.http2) ?? NO_PEER, this.cookies) : undefined,
      avoid: this.tried,
      hostSelectionRetries: this.policy?.hostSelectionRetryMaxAttempts,
      // for ORIGINAL_DST clusters
      originalDestination: originalDestinationOf(peerOf(s.req, s.http2)),
      request: s.info,
    };
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
        this.current?.abort(ROUTE_TIMEOUT);
      }, ms);
    }
  }

  private abort(_reason: 'downstream' | 'idle'): void {
    this.cancelWait();
    this.current?.abort(DOWNSTREAM_CLOSED);
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
      const endpoint = cluster.pick(this.pickContext);
      if (!endpoint) {
        this.endRetryHold();
        this.clearTimers();
        return s.reply({ status: 503, body: 'no healthy upstream' }, RF.NO_HEALTHY_UPSTREAM);
      }
      this.tried?.add(endpoint);
      const admitted = await this.admit();
      if (admitted !== 'admitted') {
        this.endRetryHold();
        if (admitted === 'cancelled') return this.timedOut ? this.timeoutReply() : this.clearTimers();
        this.clearTimers();
        return s.reply(
          {
            status: 503,
            body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
            headers: OVERLOADED,
          },
          RF.UPSTREAM_OVERFLOW,
        );
      }
      const body = this.body ? (this.firstReader ?? this.body.reader()) : this.directBody;
      this.firstReader = undefined;
      const outcome = await this.attempt(endpoint, body);
      this.endRetryHold();
      if (s.downstreamClosed) {
        if (outcome.ok) this.release(outcome);
        return this.clearTimers();
      }
      const canRetry = retry < this.maxRetries && (!this.body || this.body.replayable) && !this.timedOut;
      if (outcome.ok) {
        const { upstream } = outcome;
        const retriable =
          this.policy !== undefined &&
          retriableResponse(this.policy, upstream.status, upstream.headers, codes);
        if (retriable && canRetry && this.holdRetry()) {
          this.release(outcome);
          if (!(await this.backoff(retry + 1))) return this.timeoutReply();
          continue;
        }
        if (retriable && this.policy) {
          cluster.stats.rqRetryLimitExceeded++;
          s.flags |= RF.UPSTREAM_RETRY_LIMIT_EXCEEDED;
        } else if (retry > 0) cluster.stats.rqRetrySuccess++;
        return this.relay(outcome);
      }
      if (outcome.failure === 'timeout') return this.timeoutReply();
      if (outcome.failure === 'aborted') return this.clearTimers();
      const failure = outcome.failure;
      if (this.policy && retriableFailure(this.policy, failure)) {
        if (canRetry && this.holdRetry()) {
          if (!(await this.backoff(retry + 1))) return this.timeoutReply();
          continue;
        }
        cluster.stats.rqRetryLimitExceeded++;
        if (this.maxRetries > 0) s.flags |= RF.UPSTREAM_RETRY_LIMIT_EXCEEDED;
      }
      this.clearTimers();
      return s.reply(
        { status: FAILURE_STATUS[failure], body: FAILURE_BODIES[failure] },
        FAILURE_FLAGS[failure],
      );
    }
  }

  /** Waits for the cluster's circuit breakers to let one more attempt through. */
  private admit(): Promise<Admitted> | Admitted {
    return this.target.cluster.admission.acquire((cancel) => {
      this.waitCancel = cancel;
    });
  }

  /** Takes a unit of the retries breaker; false (and counted) when max_retries is reached. */
  private holdRetry(): boolean {
    if (this.target.cluster.admission.limits.tryAcquire('retries') !== undefined) return false;
    this.retryHeld = true;
    return true;
  }

  private endRetryHold(): void {
    if (!this.retryHeld) return;
    this.retryHeld = false;
    this.target.cluster.admission.limits.release('retries');
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
    const upstream = new UpstreamAttempt();
    this.current = upstream;
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
            upstream.abort(PER_TRY_TIMEOUT);
          }, perTry)
        : undefined;
    if (s.attempts > 1) target.headers['x-envoy-attempt-count'] = String(s.attempts);
    if (this.action.autoHostRewrite) target.headers.host = endpoint.table.hostname ?? endpoint.id;
    const startedAt = performance.now();
    endpoint.pool.dispatch(
      {
        method: s.info.method as Dispatcher.HttpMethod,
        path: target.path,
        headers: target.headers as Record<string, string | string[]>,
        body: body ?? null,
      },
      upstream,
    );
    const start = await upstream.started;
    if (body && this.body) this.body.detach(body);
    const cluster = target.cluster;
    if (start.ok) {
      cluster.report(endpoint, upstream.status);
      return { ok: true, upstream, endpoint, startedAt, perTryTimer };
    }
    if (perTryTimer) clearTimeout(perTryTimer);
    cluster.admission.release();
    clusterStats.rqActive--;
    endpoint.stats.rqActive--;
    endpoint.stats.rqError++;
    if (s.downstreamClosed) return { ok: false, failure: 'aborted', endpoint };
    if (this.timedOut) {
      cluster.report(endpoint, 'timeout');
      return { ok: false, failure: 'timeout', endpoint };
    }
    if (perTryTimedOut) {
      cluster.report(endpoint, 'per-try-timeout');
      clusterStats.rqPerTryTimeout++;
      endpoint.stats.rqTimeout++;
      return { ok: false, failure: 'per-try-timeout', endpoint };
    }
    const failure = classify(start.error);
    cluster.report(endpoint, failure);
    if (failure === 'connect-failure') {
      clusterStats.cxConnectFail++;
      endpoint.stats.cxConnectFail++;
    }
    return { ok: false, failure, endpoint };
  }

  /** Gives up on an attempt whose response will not be relayed. */
  private release(outcome: AttemptSuccess): void {
    if (outcome.perTryTimer) clearTimeout(outcome.perTryTimer);
    outcome.upstream.discard();
    this.target.cluster.admission.release();
    this.target.cluster.stats.rqActive--;
    outcome.endpoint.stats.rqActive--;
  }

  private relay(outcome: AttemptSuccess): void {
    const { s, target } = this;
    const { upstream, endpoint, startedAt } = outcome;
    // Both codecs' responses share this surface; node's types just do not say so.
    const res = s.res as ServerResponse;
    const status = upstream.status;
    const cls = (status / 100) | 0;
    const clusterStats = target.cluster.stats;
    if (cls >= 1 && cls <= 5) {
      clusterStats.rqByClass[cls]!++;
      endpoint.stats.rqByClass[cls]!++;
    }
    const headers = upstream.headers;
    stripResponseHopByHop(headers);
    for (const m of target.responseMutations) s.mutate(m, headers, headers, endpoint.id);
    headers['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - startedAt));
    const cookies = this.cookies?.setCookies;
    if (cookies) appendSetCookies(headers, cookies);
    s.status = status;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      if (outcome.perTryTimer) clearTimeout(outcome.perTryTimer);
      target.cluster.admission.release();
      clusterStats.rqActive--;
      endpoint.stats.rqActive--;
      observeRqTime(clusterStats, performance.now() - startedAt);
      this.clearTimers();
    };
    if (s.downstreamClosed) {
      upstream.discard();
      return done();
    }
    s.onAbort = () => upstream.abort(DOWNSTREAM_CLOSED);
    // node:http sends the head with the first body bytes anyway: holding it until then lets a
    // response that breaks before its body still become a 502 (HTTP/2 sends it at once)
    let headPending = true;
    const writeHead = () => {
      headPending = false;
      res.writeHead(status, headers as Record<string, string | string[]>);
    };
    if (s.http2) writeHead();
    const onDrain = () => upstream.resume();
    upstream.relay({
      data: (chunk) => {
        if (headPending) writeHead();
        s.bytesSent += chunk.length;
        s.touch();
        if (res.write(chunk)) return true;
        res.once('drain', onDrain);
        return false;
      },
      end: (trailers) => {
        done();
        if (headPending) writeHead();
        if (trailers && (s.http2 || res.chunkedEncoding)) {
          for (const _ in trailers) {
            res.addTrailers(trailers as Record<string, string>);
            break;
          }
        }
        res.end();
      },
      error: (err) => {
        done();
        if (headPending && classify(err) === 'protocol-error') {
          return s.reply({ status: 502, body: FAILURE_BODIES['protocol-error'] }, RF.UPSTREAM_PROTOCOL_ERROR);
        }
        if (headPending) writeHead();
        if (err === ROUTE_TIMEOUT || err === PER_TRY_TIMEOUT) s.flags |= RF.UPSTREAM_REQUEST_TIMEOUT;
        else if (err !== DOWNSTREAM_CLOSED) s.flags |= RF.UPSTREAM_RESET;
        res.destroy();
      },
    });
  }
}
