// The retry state of one request (Envoy's RetryStateImpl, apart from the router): the retries
// left, the hosts already tried, the back-off and the retry breaker unit. The route's compiled
// policy stays immutable and shared; this object is made only for requests whose route retries.
//
// The one invariant: a retry breaker unit (max_retries, or the retry budget) is held from the
// decision to retry until the retried attempt ends, and `attemptEnded`/`close` give it back through
// an idempotent permit, so no path through the router can leak it or free it twice.
import type { Admission, Overflow, Permit } from '../../cluster/breaker/index.ts';
import type { RetryPolicyTable } from '../../compile/index.ts';
import type { Clock, Random, Timer } from '../../time/index.ts';
import type { Headers } from '../stream/index.ts';
import { type AttemptFailure, backoffMs, retriableFailure, retriableResponse } from './policy.ts';

/**
 * What to do with an attempt's outcome:
 * - `retry`: back off, then try again (a retry breaker unit is now held);
 * - `limit-exceeded`: retriable, but no retries are left (flag URX);
 * - `overflow`: retriable, but the retry breaker is open (counted; the result stands);
 * - `final`: not retriable, or the request cannot be retried (body not replayable, timed out).
 */
export type RetryDecision = 'retry' | 'limit-exceeded' | 'overflow' | 'final';

/** The part of a cluster's breaker gate a retry needs. */
export type RetryGate = Pick<Admission, 'acquireRetry'>;

/** Parsed once per request, only when the header is present. */
function requestRetriableCodes(headers: Headers): ReadonlySet<number> | undefined {
  const raw = headers['x-envoy-retriable-status-codes'];
  if (typeof raw !== 'string') return undefined;
  const codes = new Set<number>();
  for (const part of raw.split(',')) {
    const code = Number(part.trim());
    if (Number.isInteger(code)) codes.add(code);
  }
  return codes;
}

export class RetryState<H = unknown> {
  private retriesLeft: number;
  private retriesDone = 0;
  private permit: Permit | undefined;
  private backoffTimer: Timer | undefined;
  private backoffDone: ((completed: boolean) => void) | undefined;
  private readonly requestCodes: ReadonlySet<number> | undefined;
  /** Hosts already tried, for the previous_hosts predicate; undefined when the policy has none. */
  readonly tried: Set<H> | undefined;
  /** The last decision that refused a retry for lack of retries or breaker room. */
  lastRefusal: Overflow | 'limit-exceeded' | undefined;

  constructor(
    readonly policy: RetryPolicyTable,
    private readonly gate: RetryGate,
    private readonly clock: Clock,
    private readonly random: Random,
    requestHeaders: Headers,
  ) {
    this.retriesLeft = policy.numRetries;
    this.requestCodes = requestRetriableCodes(requestHeaders);
    if (policy.avoidPreviousHosts) this.tried = new Set();
  }

  /** How many retries have been started. */
  get retries(): number {
    return this.retriesDone;
  }

  /** Whether a retry breaker unit is held right now (for tests and gauges). */
  get holdsPermit(): boolean {
    return this.permit?.held === true;
  }

  /** Records the host an attempt goes to (previous_hosts). */
  attemptStarted(host: H): void {
    this.tried?.add(host);
  }

  /** An attempt produced a response: is it retried? `canRetry` is false when the body cannot be replayed or time is up. */
  onResponse(status: number, headers: Headers, canRetry: boolean): RetryDecision {
    if (!retriableResponse(this.policy, status, headers, this.requestCodes)) return 'final';
    return this.decide(canRetry);
  }

  /** An attempt failed before a response (connect failure, reset, per-try timeout). */
  onFailure(failure: AttemptFailure, canRetry: boolean): RetryDecision {
    if (!retriableFailure(this.policy, failure)) return 'final';
    return this.decide(canRetry);
  }

  private decide(canRetry: boolean): RetryDecision {
    if (!canRetry) return 'final';
    if (this.retriesLeft <= 0) {
      this.lastRefusal = 'limit-exceeded';
      return 'limit-exceeded';
    }
    const permit = this.gate.acquireRetry();
    if (typeof permit === 'string') {
      this.lastRefusal = permit;
      return 'overflow';
    }
    this.permit = permit;
    this.retriesLeft--;
    this.retriesDone++;
    return 'retry';
  }

  /**
   * Waits the jittered back-off before the retry just decided. Resolves true when it elapsed, false
   * when `cancel` cut it short (route timeout, downstream gone).
   */
  backoff(): Promise<boolean> {
    const ms = backoffMs(this.policy, this.retriesDone, this.random);
    return new Promise((resolve) => {
      this.backoffDone = resolve;
      this.backoffTimer = this.clock.setTimeout(() => this.endBackoff(true), ms);
    });
  }

  /** Cuts a running back-off short. */
  cancel(): void {
    this.endBackoff(false);
  }

  private endBackoff(completed: boolean): void {
    const done = this.backoffDone;
    if (!done) return;
    this.backoffDone = undefined;
    this.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    done(completed);
  }

  /** The retried attempt ended: its breaker unit goes back. */
  attemptEnded(): void {
    this.permit?.release();
    this.permit = undefined;
  }

  /** The request is over: nothing stays held, no timer stays armed. Idempotent. */
  close(): void {
    this.endBackoff(false);
    this.attemptEnded();
  }
}
