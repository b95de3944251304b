// Active HTTP health checking for one cluster's hosts: one session per host, each running its own
// sequence of checks (the next one is scheduled when the previous one has finished, as in Envoy),
// feeding the threshold state machine in host-health.ts. The checker only says whether a host
// passes active checks; combining that with outlier ejection is the cluster's job.
import type { HealthCheckConfig, StatusRange } from './config.ts';
import {
  type CheckResult,
  HostHealth,
  type HostHealthSnapshot,
  initialDelayMs,
  nextDelayMs,
} from './host-health.ts';
import { createProber, type ProbeOutcome, type Prober, type ProbeTarget } from './probe.ts';
import { type HealthCheckStats, newHealthCheckStats } from './stats.ts';
import { systemTimers, type Timers } from './timers.ts';

/** What the checker needs of a host. The optional fields are Envoy's
 * `Endpoint.health_check_config` overrides (hostname and port_value). */
export interface HealthCheckedHost {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly healthCheckHostname?: string | undefined;
  readonly healthCheckPort?: number | undefined;
}

export interface HealthCheckerOptions<H> {
  /** The default Host / :authority when http_health_check.host is empty (Envoy: the cluster's name). */
  readonly clusterName: string;
  /** Called when a host starts or stops passing active checks. Must not throw. */
  readonly onChange?: (host: H, healthy: boolean, reason: string) => void;
  /**
   * Whether the cluster has carried traffic yet (Envoy: upstream_cx_total was ever used). While it
   * has not, checks run at no_traffic_interval. Absent → always true, i.e. `interval` applies.
   */
  readonly hasTraffic?: () => boolean;
  readonly timers?: Timers;
  /** Uniform in [0, 1); for jitter. */
  readonly random?: () => number;
}

function inRanges(status: number, ranges: readonly StatusRange[]): boolean {
  for (const r of ranges) if (status >= r.start && status < r.end) return true;
  return false;
}

/** Classifies what came back, by Envoy's rules for HTTP health checks. */
export function classify(config: HealthCheckConfig, outcome: ProbeOutcome): CheckResult {
  if (outcome.kind === 'network') {
    return {
      kind: 'failure',
      immediate: false,
      network: true,
      reason: outcome.timeout ? `timeout: ${outcome.error}` : outcome.error,
    };
  }
  const { status } = outcome;
  if (inRanges(status, config.http.expectedStatuses)) return { kind: 'success' };
  if (inRanges(status, config.http.retriableStatuses)) {
    return { kind: 'failure', immediate: false, network: false, reason: `retriable status ${status}` };
  }
  return { kind: 'failure', immediate: true, reason: `status ${status} is not an expected status` };
}

/** Why a host flipped, for the onChange callback (and from there the admin page or an event log). */
function reasonFor(config: HealthCheckConfig, result: CheckResult, first: boolean): string {
  if (result.kind === 'success') {
    return first
      ? 'passed its first health check'
      : `passed ${config.healthyThreshold} consecutive health checks`;
  }
  if (result.immediate) return result.reason;
  return `failed ${config.unhealthyThreshold} consecutive health checks, last: ${result.reason}`;
}

function sameTarget(a: ProbeTarget, b: ProbeTarget): boolean {
  return a.address === b.address && a.port === b.port && a.authority === b.authority;
}

/** What the sessions of one checker share. */
interface SessionContext<H> {
  readonly config: HealthCheckConfig;
  readonly stats: HealthCheckStats;
  readonly timers: Timers;
  readonly random: () => number;
  readonly hasTraffic: () => boolean;
  readonly notify: (host: H, healthy: boolean, reason: string) => void;
}

/** One host's checks: a timer, a prober and the host's state; closed when the host goes. */
class Session<H extends HealthCheckedHost> {
  readonly health: HostHealth;
  private readonly prober: Prober;
  private timer: unknown;
  private closed = false;

  constructor(
    public host: H,
    readonly target: ProbeTarget,
    private readonly owner: SessionContext<H>,
  ) {
    const { config } = owner;
    this.health = new HostHealth(config.healthyThreshold, config.unhealthyThreshold);
    this.prober = createProber(config, target, owner.timers);
  }

  start(): void {
    const delay = initialDelayMs(this.owner.config, this.owner.random);
    if (delay > 0) this.schedule(delay);
    else this.run();
  }

  private schedule(ms: number): void {
    this.timer = this.owner.timers.setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, ms);
  }

  private run(): void {
    if (this.closed) return;
    this.owner.stats.attempt++;
    void this.prober.probe().then((outcome) => this.finish(outcome));
  }

  private finish(outcome: ProbeOutcome): void {
    if (this.closed) return;
    const { config, stats } = this.owner;
    const result = classify(config, outcome);
    const first = !this.health.checked;
    const transition = this.health.record(result);
    const succeeded = result.kind === 'success';
    if (result.kind === 'success') stats.success++;
    else {
      stats.failure++;
      if (!result.immediate && result.network) stats.network_failure++;
    }
    if (transition === 'changed') stats.healthy += succeeded ? 1 : -1;
    this.schedule(nextDelayMs(config, succeeded, transition, this.owner.hasTraffic(), this.owner.random));
    if (transition === 'changed') this.owner.notify(this.host, succeeded, reasonFor(config, result, first));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.owner.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.prober.close();
    if (this.health.healthy) this.owner.stats.healthy--;
  }
}

export class HealthChecker<H extends HealthCheckedHost> {
  readonly stats: HealthCheckStats = newHealthCheckStats();
  private readonly clusterName: string;
  private readonly context: SessionContext<H>;
  private readonly sessions = new Map<string, Session<H>>();
  private closed = false;

  constructor(
    readonly config: HealthCheckConfig,
    options: HealthCheckerOptions<H>,
  ) {
    this.clusterName = options.clusterName;
    const onChange = options.onChange;
    this.context = {
      config,
      stats: this.stats,
      timers: options.timers ?? systemTimers,
      random: options.random ?? Math.random,
      hasTraffic: options.hasTraffic ?? (() => true),
      notify: (host, healthy, reason) => onChange?.(host, healthy, reason),
    };
  }

  /**
   * Makes `hosts` the set being checked. A host already checked (same id and same address, port
   * and Host header) keeps its state; a new one starts failing active health checks until its first
   * check passes, as in Envoy; a host no longer listed stops being checked and is forgotten.
   */
  setHosts(hosts: Iterable<H>): void {
    if (this.closed) throw new Error('HealthChecker.setHosts after close()');
    const wanted = new Map<string, H>();
    for (const host of hosts) wanted.set(host.id, host);
    for (const [id, session] of this.sessions) {
      const host = wanted.get(id);
      if (host && sameTarget(session.target, this.targetOf(host))) {
        session.host = host;
        wanted.delete(id);
      } else {
        session.close();
        this.sessions.delete(id);
      }
    }
    for (const [id, host] of wanted) {
      const session = new Session(host, this.targetOf(host), this.context);
      this.sessions.set(id, session);
      session.start();
    }
  }

  /** True when the host passes active health checks; false for a host not (or not yet) passing or
   * not given to setHosts. */
  isHealthy(host: Pick<H, 'id'>): boolean {
    return this.sessions.get(host.id)?.health.healthy ?? false;
  }

  /** The host's counters, for the admin page and tests; undefined for a host not being checked. */
  hostState(host: Pick<H, 'id'>): HostHealthSnapshot | undefined {
    return this.sessions.get(host.id)?.health.snapshot();
  }

  /** Stops every check: timers cleared, requests in flight aborted, connections closed. */
  close(): void {
    this.closed = true;
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }

  private targetOf(host: H): ProbeTarget {
    return {
      address: host.address,
      port: host.healthCheckPort || host.port,
      // Envoy's order: the endpoint's health-check hostname, then http_health_check.host, then the
      // cluster's name.
      authority: host.healthCheckHostname || this.config.http.host || this.clusterName,
    };
  }
}
