// The router's upstream half: send the request to a cluster endpoint, retrying under the route's
// policy (RetryState decides), bounded by the route timeout, and relay the response. Every way this
// can fail ends in a response flag (UF, UC, UT, URX, UH, UO) so the access log explains it.
//
// Lifetimes: each attempt is an UpstreamCall that holds the cluster's breaker permit and the
// active-request gauges, and gives all of them back in one idempotent `end()`, whichever path
// (response end, reset, per-try or route timeout, downstream cancel, discard for a retry) gets
// there first. The forwarder itself ends in `finish()`, which clears its timers and the retry state.
import type { ServerResponse } from 'node:http';
import { type Http2ServerResponse, constants as http2Constants } from 'node:http2';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { type Overflow, type PendingAdmission, Permit } from '../cluster/breaker/index.ts';
import type { Cluster, Endpoint } from '../cluster/index.ts';
import { observeRqTime, originalDestinationOf } from '../cluster/index.ts';
import type { CookieSink, PickContext } from '../cluster/lb/index.ts';
import type { ForwardAction, HeaderMutation, RouteEntry } from '../compile/index.ts';
import { RF } from '../metrics/index.ts';
import type { Timer } from '../time/index.ts';
import { ReplayableBody } from './replay-body.ts';
import {
  type AttemptFailure,
  classify,
  FAILURE_BODIES,
  FAILURE_FLAGS,
  FAILURE_STATUS,
  RetryState,
} from './retry/index.ts';
import type { Headers, Stream } from './stream/index.ts';
import { peerOf, stripResponseHopByHop } from './stream/index.ts';
import { UpstreamAttempt } from './upstream-attempt.ts';

export interface ForwardTarget {
  readonly cluster: Cluster;
  readonly path: string;
  readonly headers: Headers;
  /** Response header mutations, most specific first (weighted cluster, route, virtual host, route config, filters). */
  readonly responseMutations: readonly HeaderMutation[];
}

const OVERLOADED = { 'x-envoy-overloaded': 'true' };
const OVERFLOW_REPLY = {
  status: 503,
  body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  headers: OVERLOADED,
};
const NO_HEALTHY_UPSTREAM = { status: 503, body: 'no healthy upstream' };
const TIMEOUT_REPLY = { status: 504, body: 'upstream request timeout' };
const RETRY_BUFFER_OVERFLOW = {
  status: 503,
  body: 'upstream reset before response; the request body outgrew the retry buffer',
};
const NO_PEER = {};

// Abort reasons, compared by identity to tell why an attempt ended.
const ROUTE_TIMEOUT = new Error('upstream request timeout');
const PER_TRY_TIMEOUT = new Error('upstream per-try timeout');
const DOWNSTREAM_CLOSED = new Error('downstream closed');
const ATTEMPT_OVER = new Error('upstream attempt over');

/**
 * Ends a response that broke mid-body so the client cannot take it for complete: HTTP/1.1 closes
 * the connection; HTTP/2 resets the stream with INTERNAL_ERROR (node's destroy() would send
 * RST_STREAM NO_ERROR, which a client reads as a clean end).
 */
function resetResponse(s: Stream): void {
  if (s.http2) {
    const stream = (s.res as Http2ServerResponse).stream;
    if (!stream.destroyed) stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  s.res.destroy();
}

function ignoreError(): void {}

function abortUpstream(upstream: UpstreamAttempt, reason: Error): void {
  upstream.abort(reason);
}

function appendSetCookies(headers: Headers, cookies: readonly string[]): void {
  const existing = headers['set-cookie'];
  headers['set-cookie'] =
    existing === undefined
      ? [...cookies]
      : [...(Array.isArray(existing) ? existing : [existing]), ...cookies];
}

/** One upstream attempt and everything it holds; `end()` gives it all back, once. */
class UpstreamCall {
  readonly upstream = new UpstreamAttempt();
  readonly startedAt: number;
  perTryTimer: Timer | undefined;
  perTryTimedOut = false;
  /** The body stream handed to undici, when this attempt owns it (see `abort`). */
  body: Readable | undefined;
  private ended = false;

  constructor(
    private readonly forwarder: Forwarder,
    readonly endpoint: Endpoint,
    private readonly permit: Permit,
  ) {
    this.startedAt = forwarder.s.clock.now();
    const clusterStats = forwarder.target.cluster.stats;
    clusterStats.rqTotal++;
    clusterStats.rqActive++;
    endpoint.stats.rqTotal++;
    endpoint.stats.rqActive++;
  }

  /**
   * Stops the attempt. A request body still being sent is destroyed first, with `reason`: undici's
   * HTTP/2 client pipes the body into the stream, and its own abort resets the stream with NO_ERROR,
   * which a node:http2 upstream reads as a request that ended normally — the truncated body would
   * be executed. A body that fails makes the pipeline reset the stream with INTERNAL_ERROR instead;
   * undici's abort follows (with the same reason) once that has happened.
   */
  abort(reason: Error): void {
    const body = this.body;
    if (body && !body.destroyed && !body.readableEnded) {
      body.destroy(reason);
      setImmediate(abortUpstream, this.upstream, reason);
      return;
    }
    this.upstream.abort(reason);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const body = this.body;
    if (body) {
      // an attempt that is over gets no more of the body; one still sending it is reset, so the
      // upstream never waits for the rest (or, over HTTP/2, takes what it got for the whole)
      this.forwarder.detachBody(body);
      if (!body.destroyed && !body.readableEnded) this.abort(ATTEMPT_OVER);
    }
    this.forwarder.s.clock.clearTimeout(this.perTryTimer);
    this.permit.release();
    this.forwarder.target.cluster.stats.rqActive--;
    this.endpoint.stats.rqActive--;
    this.forwarder.retry?.attemptEnded();
  }
}

export class Forwarder {
  readonly retry: RetryState<Endpoint> | undefined;
  private readonly body: ReplayableBody | undefined;
  private readonly directBody: Readable | undefined;
  private current: UpstreamCall | undefined;
  private timedOut = false;
  private timeoutTimer: Timer | undefined;
  private waiting: PendingAdmission | undefined;
  private readonly pickContext: PickContext<Endpoint>;
  /** Set-Cookie values a hash policy generated (cookie with ttl), for the response. */
  private cookies: CookieSink | undefined;
  private firstReader: Readable | undefined;
  private finished = false;
  /** The response is being relayed: the request ends with its body, not with run(). */
  private relaying = false;
  /** HTTP/1.1: the relayed response's head waits for its first body bytes. */
  private headPending = false;

  constructor(
    readonly s: Stream,
    route: RouteEntry,
    private readonly action: ForwardAction,
    readonly target: ForwardTarget,
    /** The request body as it arrives (the downstream request, or what a buffering filter kept). */
    bodySource: Readable | undefined,
  ) {
    const policy = action.retry;
    if (policy && policy.numRetries > 0) {
      this.retry = new RetryState(policy, target.cluster.admission, s.clock, s.random, target.headers);
    }
    if (bodySource) {
      if (this.retry || action.mirrors.length > 0) {
        this.body = new ReplayableBody(bodySource, route.bufferLimitBytes);
        // the first attempt reads before any mirror, so a body past the cap still reaches it whole
        this.firstReader = this.body.reader();
      } else {
        this.directBody = bodySource;
      }
      bodySource.once('end', () => this.startTimeout());
    } else this.startTimeout();
    const hashPolicy = action.hashPolicy;
    if (hashPolicy) this.cookies = {};
    this.pickContext = {
      hash: hashPolicy ? hashPolicy.hash(s.info, peerOf(s.req, s.http2) ?? NO_PEER, this.cookies) : undefined,
      avoid: this.retry?.tried,
      hostSelectionRetries: policy?.hostSelectionRetryMaxAttempts,
      // for ORIGINAL_DST clusters
      originalDestination: originalDestinationOf(peerOf(s.req, s.http2)),
      request: s.info,
    };
    s.onAbort = () => this.abort(DOWNSTREAM_CLOSED);
  }

  /** Stops feeding a replay reader whose attempt is over. */
  detachBody(body: Readable): void {
    this.body?.detach(body);
  }

  /** The request body for a mirror, or null when it cannot be replayed. */
  mirrorBody(): Readable | undefined | null {
    if (!this.body) return this.directBody ? null : undefined;
    return this.body.reader(true) ?? null;
  }

  private startTimeout(): void {
    const ms = this.action.timeoutMs;
    if (ms > 0 && !this.timeoutTimer && !this.finished) {
      this.timeoutTimer = this.s.clock.setTimeout(() => this.onRouteTimeout(), ms);
    }
  }

  private onRouteTimeout(): void {
    this.timeoutTimer = undefined;
    this.timedOut = true;
    this.abort(ROUTE_TIMEOUT);
  }

  /** Stops whatever the request waits on: the queue for a connection, the back-off, the attempt. */
  private abort(reason: Error): void {
    this.waiting?.cancel();
    this.retry?.cancel();
    this.current?.abort(reason);
  }

  /** The request is over for the router: nothing stays armed or held. Idempotent. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.s.clock.clearTimeout(this.timeoutTimer);
    this.timeoutTimer = undefined;
    this.retry?.close();
  }

  async run(): Promise<void> {
    try {
      await this.attemptLoop();
    } finally {
      // A relayed response ends with its body (relay's `done`). Any other way out of the loop —
      // a local reply, a timeout, the downstream gone, an exception — ends the request now, and
      // with it the attempt it may still hold.
      if (!this.relaying) {
        this.current?.end();
        this.finish();
      }
    }
  }

  private async attemptLoop(): Promise<void> {
    const { s, target } = this;
    const cluster = target.cluster;
    for (;;) {
      const endpoint = cluster.pick(this.pickContext);
      if (!endpoint) return s.reply(NO_HEALTHY_UPSTREAM, RF.NO_HEALTHY_UPSTREAM);
      this.retry?.attemptStarted(endpoint);
      const permit = await this.admit();
      if (permit === undefined) return this.timedOut ? this.timeoutReply() : undefined;
      if (typeof permit === 'string') return s.reply(OVERFLOW_REPLY, RF.UPSTREAM_OVERFLOW);
      if (s.downstreamClosed) return permit.release();
      const body = this.body ? (this.firstReader ?? this.body.reader()) : this.directBody;
      this.firstReader = undefined;
      if (this.body && !body) {
        // The body outgrew the retry buffer during the back-off: it can no longer be sent whole.
        permit.release();
        return s.reply(RETRY_BUFFER_OVERFLOW, RF.UPSTREAM_RETRY_LIMIT_EXCEEDED);
      }
      const call = new UpstreamCall(this, endpoint, permit);
      call.body = this.ownedBody(body, cluster);
      const failure = await this.attempt(call, body);
      if (failure !== undefined) call.end();
      if (s.downstreamClosed || failure === 'aborted') return; // run() ends the attempt it holds
      if (failure === 'timeout') return this.timeoutReply();
      const canRetry = (!this.body || this.body.replayable) && !this.timedOut;
      if (failure === undefined) {
        const { upstream } = call;
        const decision = this.retry?.onResponse(upstream.status, upstream.headers, canRetry) ?? 'final';
        if (decision === 'retry') {
          call.upstream.discard();
          call.end();
          if (!(await this.backoff())) return this.afterBackoffCut();
          continue;
        }
        this.countRetryOutcome(decision);
        return this.relay(call);
      }
      const decision = this.retry?.onFailure(failure, canRetry) ?? 'final';
      if (decision === 'retry') {
        if (!(await this.backoff())) return this.afterBackoffCut();
        continue;
      }
      this.countRetryOutcome(decision);
      return s.reply(
        { status: FAILURE_STATUS[failure], body: FAILURE_BODIES[failure] },
        FAILURE_FLAGS[failure],
      );
    }
  }

  /**
   * The body stream this attempt may destroy to stop it (see UpstreamCall.abort): a replay reader is
   * the attempt's own; the downstream request itself is wrapped for an HTTP/2 upstream only, since
   * destroying it would close the downstream connection, and undici's HTTP/1.1 client ends an
   * aborted request by closing its upstream connection anyway.
   */
  private ownedBody(body: Readable | undefined, cluster: Cluster): Readable | undefined {
    if (!body) return undefined;
    if (this.body) return body;
    if (cluster.table.protocol !== 'h2c') return undefined;
    const owned = new PassThrough();
    owned.on('error', ignoreError);
    return body.pipe(owned);
  }

  /** Counts how the retry policy ended a request that is not retried again. */
  private countRetryOutcome(decision: 'final' | 'limit-exceeded' | 'overflow'): void {
    const stats = this.target.cluster.stats;
    if (decision === 'limit-exceeded') {
      stats.rqRetryLimitExceeded++;
      this.s.flags |= RF.UPSTREAM_RETRY_LIMIT_EXCEEDED;
    } else if (decision === 'overflow') {
      this.s.flags |= RF.UPSTREAM_OVERFLOW;
    } else if ((this.retry?.retries ?? 0) > 0) stats.rqRetrySuccess++;
  }

  /** Waits for the cluster's circuit breaker: a permit, an overflow, or undefined when cancelled. */
  private async admit(): Promise<Permit | Overflow | undefined> {
    const admitted = this.target.cluster.admission.acquire();
    if (typeof admitted === 'string' || admitted instanceof Permit) return admitted;
    this.waiting = admitted;
    const permit = await admitted.permit;
    this.waiting = undefined;
    if (permit && (this.s.downstreamClosed || this.timedOut)) {
      permit.release();
      return undefined;
    }
    return permit;
  }

  private async backoff(): Promise<boolean> {
    this.target.cluster.stats.rqRetry++;
    return (await this.retry!.backoff()) && !this.timedOut && !this.s.downstreamClosed;
  }

  /** The back-off was cut short: by the route timeout (504) or by the downstream leaving. */
  private afterBackoffCut(): void {
    if (this.timedOut) this.timeoutReply();
  }

  private timeoutReply(): void {
    this.target.cluster.stats.rqTimeout++;
    this.s.reply(TIMEOUT_REPLY, RF.UPSTREAM_REQUEST_TIMEOUT);
  }

  /** Runs one attempt up to its response headers; a failure before them is classified. */
  private async attempt(
    call: UpstreamCall,
    body: Readable | undefined,
  ): Promise<AttemptFailure | 'timeout' | 'aborted' | undefined> {
    const { s, target } = this;
    const { upstream, endpoint } = call;
    this.current = call;
    s.attempts++;
    s.upstreamHost = endpoint.id;
    const perTry = this.retry?.policy.perTryTimeoutMs ?? this.action.retry?.perTryTimeoutMs ?? 0;
    if (perTry > 0) {
      call.perTryTimer = s.clock.setTimeout(() => {
        call.perTryTimedOut = true;
        call.abort(PER_TRY_TIMEOUT);
      }, perTry);
    }
    if (s.attempts > 1) target.headers['x-envoy-attempt-count'] = String(s.attempts);
    if (this.action.autoHostRewrite) target.headers.host = endpoint.table.hostname ?? endpoint.id;
    endpoint.pool.dispatch(
      {
        method: s.info.method as Dispatcher.HttpMethod,
        path: target.path,
        headers: target.headers as Record<string, string | string[]>,
        body: call.body ?? body ?? null,
      },
      upstream,
    );
    const start = await upstream.started;
    const cluster = target.cluster;
    if (start.ok) {
      cluster.report(endpoint, upstream.status);
      return undefined;
    }
    endpoint.stats.rqError++;
    if (s.downstreamClosed) return 'aborted';
    if (this.timedOut) {
      cluster.report(endpoint, 'timeout');
      return 'timeout';
    }
    if (call.perTryTimedOut) {
      cluster.report(endpoint, 'per-try-timeout');
      cluster.stats.rqPerTryTimeout++;
      endpoint.stats.rqTimeout++;
      return 'per-try-timeout';
    }
    const failure = classify(start.error);
    cluster.report(endpoint, failure);
    if (failure === 'connect-failure') {
      cluster.stats.cxConnectFail++;
      endpoint.stats.cxConnectFail++;
    }
    return failure;
  }

  private relay(call: UpstreamCall): void {
    const { s, target } = this;
    const { upstream, endpoint, startedAt } = call;
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
    const filterMutations = s.filterResponseMutations;
    if (filterMutations) for (const m of filterMutations) s.mutate(m, headers, headers, endpoint.id);
    headers['x-envoy-upstream-service-time'] = String(Math.round(s.clock.now() - startedAt));
    const cookies = this.cookies?.setCookies;
    if (cookies) appendSetCookies(headers, cookies);
    s.status = status;
    this.relaying = true;
    const done = () => {
      if (this.finished) return;
      observeRqTime(clusterStats, s.clock.now() - startedAt);
      call.end();
      this.finish();
    };
    if (s.downstreamClosed) {
      upstream.discard();
      return done();
    }
    s.onAbort = () => call.abort(DOWNSTREAM_CLOSED);
    // node:http sends the head with the first body bytes anyway: holding it until then lets a
    // response that breaks before its body still become a 502 (HTTP/2 sends it at once)
    this.headPending = true;
    if (s.http2) this.writeHead(res, status, headers);
    const onDrain = () => upstream.resume();
    upstream.relay({
      data: (chunk) => {
        if (this.headPending) this.writeHead(res, status, headers);
        s.bytesSent += chunk.length;
        s.touch();
        if (res.write(chunk)) return true;
        res.once('drain', onDrain);
        return false;
      },
      end: (trailers) => {
        done();
        if (this.headPending) this.writeHead(res, status, headers);
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
        if (this.headPending && classify(err) === 'protocol-error') {
          return s.reply({ status: 502, body: FAILURE_BODIES['protocol-error'] }, RF.UPSTREAM_PROTOCOL_ERROR);
        }
        if (this.headPending) this.writeHead(res, status, headers);
        if (err === ROUTE_TIMEOUT || err === PER_TRY_TIMEOUT) s.flags |= RF.UPSTREAM_REQUEST_TIMEOUT;
        else if (err !== DOWNSTREAM_CLOSED) s.flags |= RF.UPSTREAM_RESET;
        resetResponse(s);
      },
    });
  }

  private writeHead(res: ServerResponse, status: number, headers: Headers): void {
    this.headPending = false;
    res.writeHead(status, headers as Record<string, string | string[]>);
  }
}
