// What the detector keeps per host: consecutive-failure counters, ejection bookkeeping and the
// request counts of the current and the last completed interval (success-rate detection reads the
// last completed one, so a sweep always sees a whole interval).

/** Why a host was ejected, named as Envoy's OutlierEjectionType (lower case). */
export type EjectionType =
  | 'consecutive_5xx'
  | 'consecutive_gateway_failure'
  | 'consecutive_local_origin_failure'
  | 'success_rate'
  | 'success_rate_local_origin'
  | 'failure_percentage'
  | 'failure_percentage_local_origin';

/** A host's outlier state as /clusters shows it. */
export interface OutlierHostState {
  readonly ejected: boolean;
  /** Times ejected since the detector first saw the host. */
  readonly numEjections: number;
  /** base_ejection_time multiplier the next ejection starts from (decays while healthy). */
  readonly ejectionMultiplier: number;
  /** Clock time of the last ejection / return; NaN when there was none. */
  readonly lastEjectionAt: number;
  readonly lastUnejectionAt: number;
  /** How long the current ejection lasts (ms), 0 when not ejected. */
  readonly ejectionDurationMs: number;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  /** Success rate (%) of the last interval when its volume qualified, else -1 (Envoy's readout). */
  readonly successRate: number;
  readonly localOriginSuccessRate: number;
}

export class HostState implements OutlierHostState {
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  ejected = false;
  numEjections = 0;
  ejectionMultiplier = 0;
  lastEjectionAt = Number.NaN;
  lastUnejectionAt = Number.NaN;
  ejectionDurationMs = 0;
  successRate = -1;
  localOriginSuccessRate = -1;

  // Requests of the interval in progress. HTTP responses and, without the split, local-origin
  // failures mapped to 503/504 land in `external*`; with the split, local-origin events land in `local*`.
  externalTotal = 0;
  externalSuccess = 0;
  localTotal = 0;
  localSuccess = 0;
  // The last completed interval.
  lastExternalTotal = 0;
  lastExternalSuccess = 0;
  lastLocalTotal = 0;
  lastLocalSuccess = 0;

  /** Closes the interval in progress: it becomes the one the sweep reads. */
  rotate(): void {
    this.lastExternalTotal = this.externalTotal;
    this.lastExternalSuccess = this.externalSuccess;
    this.lastLocalTotal = this.localTotal;
    this.lastLocalSuccess = this.localSuccess;
    this.externalTotal = 0;
    this.externalSuccess = 0;
    this.localTotal = 0;
    this.localSuccess = 0;
  }

  /** After a return, a few new errors must not re-eject a host whose counter sat near its trigger. */
  resetConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}
