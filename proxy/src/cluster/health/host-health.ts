// One host's active health: the threshold state machine and the choice of the next check's delay.
// Pure (no I/O, no timers), so the Envoy rules it encodes are unit-tested exactly:
//
// - A host starts failing active health checks (Envoy sets FAILED_ACTIVE_HC on every host it adds
//   to a health-checked cluster) and the very first successful check makes it healthy at once,
//   whatever healthy_threshold says ("during startup, only a single successful health check is
//   required to mark a host healthy").
// - Afterwards an unhealthy host needs healthy_threshold consecutive successes.
// - A healthy host turns unhealthy after unhealthy_threshold consecutive network failures
//   (connect error, reset, timeout) or retriable statuses, but at once on a status that is neither
//   expected nor retriable ("this threshold is ignored and the host is considered immediately
//   unhealthy").
// - Counts compare with `===`, as Envoy's do: a threshold of 0 never trips.
import type { HealthCheckConfig } from './config.ts';

/** What one check found. */
export type CheckResult =
  | { readonly kind: 'success' }
  /** A status outside expected_statuses and retriable_statuses: fails a healthy host at once. */
  | { readonly kind: 'failure'; readonly immediate: true; readonly reason: string }
  /** A network failure, a timeout or a retriable status: counts towards unhealthy_threshold. */
  | {
      readonly kind: 'failure';
      readonly immediate: false;
      readonly network: boolean;
      readonly reason: string;
    };

/** Envoy's HealthTransition: did this check flip the host, start a flip, or change nothing? */
export type Transition = 'unchanged' | 'pending' | 'changed';

export interface HostHealthSnapshot {
  readonly healthy: boolean;
  /** False until the first check has completed. */
  readonly checked: boolean;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  /** Why the last failed check failed, if any has. */
  readonly lastFailure: string | undefined;
}

export class HostHealth {
  healthy = false;
  checked = false;
  /** Successes while unhealthy, towards healthy_threshold. */
  consecutiveSuccesses = 0;
  /** Counted failures while healthy, towards unhealthy_threshold. */
  consecutiveFailures = 0;
  lastFailure: string | undefined;

  constructor(
    private readonly healthyThreshold: number,
    private readonly unhealthyThreshold: number,
  ) {}

  record(result: CheckResult): Transition {
    const first = !this.checked;
    this.checked = true;
    if (result.kind === 'success') {
      this.consecutiveFailures = 0;
      if (this.healthy) return 'unchanged';
      if (!first && ++this.consecutiveSuccesses !== this.healthyThreshold) return 'pending';
      this.healthy = true;
      this.consecutiveSuccesses = 0;
      return 'changed';
    }
    this.lastFailure = result.reason;
    this.consecutiveSuccesses = 0;
    if (!this.healthy) return 'unchanged';
    if (!result.immediate && ++this.consecutiveFailures !== this.unhealthyThreshold) return 'pending';
    this.healthy = false;
    this.consecutiveFailures = 0;
    return 'changed';
  }

  snapshot(): HostHealthSnapshot {
    return {
      healthy: this.healthy,
      checked: this.checked,
      consecutiveSuccesses: this.consecutiveSuccesses,
      consecutiveFailures: this.consecutiveFailures,
      lastFailure: this.lastFailure,
    };
  }
}

/**
 * The delay before the next check, as Envoy's HealthCheckerImplBase::interval computes it. The
 * edge intervals apply while a flip is pending (Envoy's code and its comment: "check succeeds,
 * host is still unhealthy and next check happens after healthy_edge_interval"), which is narrower
 * than the proto comment's "first check right after a host is marked unhealthy"; the code is
 * what Envoy does, so that is what this does.
 */
export function nextDelayMs(
  config: HealthCheckConfig,
  succeeded: boolean,
  transition: Transition,
  hasTraffic: boolean,
  random: () => number,
): number {
  const pending = transition === 'pending';
  let base: number;
  if (!hasTraffic) {
    base = succeeded && !pending ? config.noTrafficHealthyIntervalMs : config.noTrafficIntervalMs;
  } else if (succeeded) {
    base = pending ? config.healthyEdgeIntervalMs : config.intervalMs;
  } else {
    base = pending ? config.unhealthyEdgeIntervalMs : config.unhealthyIntervalMs;
  }
  return withJitter(base, config.intervalJitterMs, config.intervalJitterPercent, random);
}

/** The first check's delay: at once, or a random [0, initial_jitter) when that is set. */
export function initialDelayMs(config: HealthCheckConfig, random: () => number): number {
  return config.initialJitterMs > 0 ? withJitter(0, config.initialJitterMs, 0, random) : 0;
}

/** Adds [0, base·percent/100) and [0, jitter) at random; never below 1 ms, so a host cannot spin. */
export function withJitter(base: number, jitterMs: number, percent: number, random: () => number): number {
  let ms = base;
  const percentSpan = Math.floor((percent * base) / 100);
  if (percentSpan > 0) ms += Math.floor(random() * percentSpan);
  if (jitterMs > 0) ms += Math.floor(random() * jitterMs);
  return Math.max(1, ms);
}
