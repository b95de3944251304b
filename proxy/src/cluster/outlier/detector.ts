// Outlier detection for one cluster, with Envoy's semantics: classified attempt results go in,
// ejections and returns come out (as events, counters and isEjected()). Consecutive-failure
// ejections happen inline, as the result that reaches the threshold is recorded; success-rate and
// failure-percentage ejections, returns and the decay of the ejection multiplier happen on the
// interval sweep. This is decision logic only: the balancer enforces it by skipping ejected hosts.
import { type Clock, systemClock } from './clock.ts';
import type { OutlierConfig } from './config.ts';
import type { AttemptResult, OutlierEvent } from './events.ts';
import { type EjectionType, HostState, type OutlierHostState } from './host-state.ts';
import { DETECTED, ENFORCED, newOutlierStats, type OutlierStats } from './stats.ts';

export interface DetectorOptions<H> {
  readonly clock?: Clock;
  /** Uniform in [0, 1): rolls the enforcing_* percentages and the ejection jitter. */
  readonly random?: () => number;
  /** Ejections (enforced or not) and returns, for logging and counting; called synchronously. */
  readonly onEvent?: (event: OutlierEvent<H>) => void;
  readonly hosts?: Iterable<H>;
}

const isGatewayError = (status: number) => status >= 502 && status <= 504;

export class OutlierDetector<H> {
  readonly stats: OutlierStats = newOutlierStats();
  /** Success-rate readouts of the last sweep (-1 when success-rate detection did not run). */
  successRateAverage = -1;
  successRateEjectionThreshold = -1;
  localOriginSuccessRateAverage = -1;
  localOriginSuccessRateEjectionThreshold = -1;

  private readonly hosts = new Map<H, HostState>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly onEvent: ((event: OutlierEvent<H>) => void) | undefined;
  private timer: unknown;
  // Scratch lists for the statistical sweep, reused from one sweep to the next.
  private readonly candidates: H[] = [];
  private readonly candidateRates: number[] = [];
  private readonly candidateVolumes: number[] = [];

  constructor(
    readonly config: OutlierConfig,
    options: DetectorOptions<H> = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.onEvent = options.onEvent;
    if (options.hosts) for (const host of options.hosts) this.addHost(host);
    this.timer = this.clock.setInterval(() => this.sweep(), config.intervalMs);
  }

  /** Stops the sweep. Ejected hosts stay as they are; drop the detector with its cluster. */
  close(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  get hostCount(): number {
    return this.hosts.size;
  }

  addHost(host: H): void {
    if (!this.hosts.has(host)) this.hosts.set(host, new HostState());
  }

  removeHost(host: H): void {
    const state = this.hosts.get(host);
    if (!state) return;
    if (state.ejected) this.stats.ejections_active--;
    this.hosts.delete(host);
  }

  /** Makes the host set equal to `hosts`; hosts that stay keep their state and history. */
  setHosts(hosts: Iterable<H>): void {
    const next = new Set(hosts);
    for (const host of this.hosts.keys()) if (!next.has(host)) this.removeHost(host);
    for (const host of next) this.addHost(host);
  }

  isEjected(host: H): boolean {
    return this.hosts.get(host)?.ejected === true;
  }

  hostState(host: H): OutlierHostState | undefined {
    return this.hosts.get(host);
  }

  /**
   * Records one finished attempt. Without split_external_local_origin_errors a local-origin failure
   * counts as the 5xx Envoy maps it to (503; 504 for timeouts); with it, local-origin failures have
   * their own counter and success rate, and any HTTP response also counts as a local-origin success
   * (the connection worked). Results for unknown hosts (removed meanwhile) are ignored.
   */
  recordResult(host: H, result: AttemptResult): void {
    const state = this.hosts.get(host);
    if (state === undefined) return;
    if (typeof result === 'number') {
      if (this.config.splitExternalLocalOriginErrors) {
        state.localTotal++;
        state.localSuccess++;
        state.consecutiveLocalOriginFailure = 0;
      }
      this.recordStatus(host, state, result);
    } else if (this.config.splitExternalLocalOriginErrors) {
      state.localTotal++;
      if (++state.consecutiveLocalOriginFailure === this.config.consecutiveLocalOriginFailure) {
        this.onConsecutive(host, state, 'consecutive_local_origin_failure');
      }
    } else {
      this.recordStatus(host, state, result === 'per-try-timeout' || result === 'timeout' ? 504 : 503);
    }
  }

  /** Returns an ejected host now (a passing active health check does this when configured). */
  uneject(host: H): void {
    const state = this.hosts.get(host);
    if (state?.ejected) this.returnHost(host, state, this.clock.now());
  }

  private recordStatus(host: H, state: HostState, status: number): void {
    state.externalTotal++;
    if (status < 500 || status > 599) {
      state.externalSuccess++;
      state.consecutive5xx = 0;
      state.consecutiveGatewayFailure = 0;
      return;
    }
    // A threshold of 0 never matches: Envoy's way of switching a detector off.
    if (isGatewayError(status)) {
      if (++state.consecutiveGatewayFailure === this.config.consecutiveGatewayFailure) {
        this.onConsecutive(host, state, 'consecutive_gateway_failure');
      }
    } else {
      state.consecutiveGatewayFailure = 0;
    }
    if (++state.consecutive5xx === this.config.consecutive5xx) {
      this.onConsecutive(host, state, 'consecutive_5xx');
    }
  }

  private onConsecutive(host: H, state: HostState, type: EjectionType): void {
    // An ejected host's counters run on (requests already in flight finish) until its return
    // resets them; it cannot be ejected twice.
    if (state.ejected) return;
    this.stats[DETECTED[type]]++;
    this.eject(host, state, type, -1, -1, -1);
    // Reset so that a fresh run of errors is needed, even without a success in between.
    if (type === 'consecutive_5xx') {
      this.stats.ejections_consecutive_5xx++;
      state.consecutive5xx = 0;
    } else if (type === 'consecutive_gateway_failure') state.consecutiveGatewayFailure = 0;
    else state.consecutiveLocalOriginFailure = 0;
  }

  private enforcing(type: EjectionType): number {
    const c = this.config;
    switch (type) {
      case 'consecutive_5xx':
        return c.enforcingConsecutive5xx;
      case 'consecutive_gateway_failure':
        return c.enforcingConsecutiveGatewayFailure;
      case 'consecutive_local_origin_failure':
        return c.enforcingConsecutiveLocalOriginFailure;
      case 'success_rate':
        return c.enforcingSuccessRate;
      case 'success_rate_local_origin':
        return c.enforcingLocalOriginSuccessRate;
      case 'failure_percentage':
        return c.enforcingFailurePercentage;
      case 'failure_percentage_local_origin':
        return c.enforcingFailurePercentageLocalOrigin;
    }
  }

  private roll(percent: number): boolean {
    return percent >= 100 || (percent > 0 && this.random() * 100 < percent);
  }

  private eject(
    host: H,
    state: HostState,
    type: EjectionType,
    hostRate: number,
    average: number,
    threshold: number,
  ): void {
    const c = this.config;
    const stats = this.stats;
    // Envoy counts the host about to go: with 10 % and fewer than 10 hosts nothing is ejected
    // unless always_eject_one_host lets the first one go.
    const wouldBePercent = (100 * (stats.ejections_active + 1)) / this.hosts.size;
    const allowed =
      wouldBePercent <= c.maxEjectionPercent || (c.alwaysEjectOneHost && stats.ejections_active === 0);
    if (!allowed) {
      stats.ejections_overflow++;
      return;
    }
    if (type === 'consecutive_5xx' || type === 'success_rate') stats.ejections_total++;
    if (!this.roll(this.enforcing(type))) {
      this.onEvent?.({
        action: 'eject',
        host,
        type,
        enforced: false,
        numEjections: state.numEjections,
        durationMs: 0,
        hostSuccessRate: hostRate,
        clusterSuccessRateAverage: average,
        successRateEjectionThreshold: threshold,
      });
      return;
    }
    stats.ejections_active++;
    stats.ejections_enforced_total++;
    stats[ENFORCED[type]]++;
    state.ejected = true;
    state.numEjections++;
    state.lastEjectionAt = this.clock.now();
    // The multiplier may climb one step past max/base so the cap keeps holding while it decays.
    if (state.ejectionMultiplier * c.baseEjectionTimeMs < c.maxEjectionTimeMs + c.baseEjectionTimeMs) {
      state.ejectionMultiplier++;
    }
    const jitter =
      c.maxEjectionTimeJitterMs > 0 ? Math.floor(this.random() * (c.maxEjectionTimeJitterMs + 1)) : 0;
    state.ejectionDurationMs =
      Math.min(c.baseEjectionTimeMs * state.ejectionMultiplier, c.maxEjectionTimeMs) + jitter;
    this.onEvent?.({
      action: 'eject',
      host,
      type,
      enforced: true,
      numEjections: state.numEjections,
      durationMs: state.ejectionDurationMs,
      hostSuccessRate: hostRate,
      clusterSuccessRateAverage: average,
      successRateEjectionThreshold: threshold,
    });
  }

  private returnHost(host: H, state: HostState, now: number): void {
    this.stats.ejections_active--;
    state.ejected = false;
    state.ejectionDurationMs = 0;
    state.resetConsecutive();
    state.lastUnejectionAt = now;
    this.onEvent?.({
      action: 'uneject',
      host,
      numEjections: state.numEjections,
      ejectedForMs: now - state.lastEjectionAt,
    });
  }

  /** The interval timer: returns, statistical ejections, then the multiplier's decay. */
  private sweep(): void {
    const now = this.clock.now();
    for (const [host, state] of this.hosts) {
      if (state.ejected && now - state.lastEjectionAt >= state.ejectionDurationMs) {
        this.returnHost(host, state, now);
      }
      state.rotate();
      state.successRate = -1;
      state.localOriginSuccessRate = -1;
    }
    this.statisticalEjections(false);
    // Without the split, local-origin failures were counted as 5xx above and there is no
    // separate local-origin data.
    if (this.config.splitExternalLocalOriginErrors) this.statisticalEjections(true);
    for (const state of this.hosts.values()) {
      if (
        !state.ejected &&
        state.ejectionMultiplier > 0 &&
        now - state.lastUnejectionAt >= this.config.intervalMs
      ) {
        state.ejectionMultiplier--;
      }
    }
  }

  /** Success-rate and failure-percentage detection over the interval that just ended. */
  private statisticalEjections(localOrigin: boolean): void {
    const c = this.config;
    if (localOrigin) {
      this.localOriginSuccessRateAverage = -1;
      this.localOriginSuccessRateEjectionThreshold = -1;
    } else {
      this.successRateAverage = -1;
      this.successRateEjectionThreshold = -1;
    }
    if (this.hosts.size < c.successRateMinimumHosts && this.hosts.size < c.failurePercentageMinimumHosts) {
      return;
    }
    const hosts = this.candidates;
    const rates = this.candidateRates;
    const volumes = this.candidateVolumes;
    hosts.length = 0;
    rates.length = 0;
    volumes.length = 0;
    let srHosts = 0;
    let srSum = 0;
    let fpHosts = 0;
    const readoutVolume = Math.min(c.successRateRequestVolume, c.failurePercentageRequestVolume);
    for (const [host, state] of this.hosts) {
      if (state.ejected) continue;
      const total = localOrigin ? state.lastLocalTotal : state.lastExternalTotal;
      if (total === 0) continue;
      const rate = ((localOrigin ? state.lastLocalSuccess : state.lastExternalSuccess) * 100) / total;
      if (total >= readoutVolume) {
        if (localOrigin) state.localOriginSuccessRate = rate;
        else state.successRate = rate;
      }
      if (total >= c.successRateRequestVolume) {
        srHosts++;
        srSum += rate;
      }
      if (total >= c.failurePercentageRequestVolume) fpHosts++;
      if (total >= c.successRateRequestVolume || total >= c.failurePercentageRequestVolume) {
        hosts.push(host);
        rates.push(rate);
        volumes.push(total);
      }
    }

    if (srHosts > 0 && srHosts >= c.successRateMinimumHosts) {
      // Population mean and standard deviation of the qualifying hosts' success rates.
      const mean = srSum / srHosts;
      let variance = 0;
      for (let i = 0; i < hosts.length; i++) {
        if (volumes[i]! >= c.successRateRequestVolume) variance += (rates[i]! - mean) ** 2;
      }
      const threshold = mean - c.successRateStdevFactor * Math.sqrt(variance / srHosts);
      if (localOrigin) {
        this.localOriginSuccessRateAverage = mean;
        this.localOriginSuccessRateEjectionThreshold = threshold;
      } else {
        this.successRateAverage = mean;
        this.successRateEjectionThreshold = threshold;
      }
      const type: EjectionType = localOrigin ? 'success_rate_local_origin' : 'success_rate';
      for (let i = 0; i < hosts.length; i++) {
        if (volumes[i]! < c.successRateRequestVolume || rates[i]! >= threshold) continue;
        // An event handler may have removed the host meanwhile.
        const state = this.hosts.get(hosts[i]!);
        if (!state) continue;
        this.stats.ejections_success_rate++;
        this.stats[DETECTED[type]]++;
        this.eject(hosts[i]!, state, type, rates[i]!, mean, threshold);
      }
    }

    if (fpHosts > 0 && fpHosts >= c.failurePercentageMinimumHosts) {
      const type: EjectionType = localOrigin ? 'failure_percentage_local_origin' : 'failure_percentage';
      for (let i = 0; i < hosts.length; i++) {
        if (volumes[i]! < c.failurePercentageRequestVolume) continue;
        if (100 - rates[i]! < c.failurePercentageThreshold) continue;
        const state = this.hosts.get(hosts[i]!);
        // Already ejected for its success rate in this same sweep: one ejection per host.
        if (!state || state.ejected) continue;
        this.stats[DETECTED[type]]++;
        this.eject(hosts[i]!, state, type, rates[i]!, -1, -1);
      }
    }
    hosts.length = 0; // do not keep removed hosts reachable until the next sweep
  }
}
