// What goes into the detector (classified attempt results) and what comes out (events).
import type { EjectionType } from './host-state.ts';

/**
 * A local-origin failure: the proxy got no response. The forwarder's attempt failures
 * ('connect-failure' | 'reset' | 'refused-stream' | 'per-try-timeout' | 'protocol-error') fit as they are; 'timeout'
 * is the route's global timeout firing while the attempt still awaited headers.
 */
export type LocalOriginFailure =
  | 'connect-failure'
  | 'reset'
  | 'refused-stream'
  | 'per-try-timeout'
  | 'protocol-error'
  | 'timeout';

/** One finished attempt on a host: the upstream's HTTP status, or why there was none. */
export type AttemptResult = number | LocalOriginFailure;

export interface EjectionEvent<H> {
  readonly action: 'eject';
  readonly host: H;
  readonly type: EjectionType;
  /** false: detected, but the enforcing_* dice said no; the host stays in service. */
  readonly enforced: boolean;
  readonly numEjections: number;
  /** How long the host is out (ms, jitter included); 0 when not enforced. */
  readonly durationMs: number;
  /** Success-rate and failure-percentage ejections: the host's success rate (%), else -1. */
  readonly hostSuccessRate: number;
  /** Success-rate ejections: the cluster mean and the threshold the host fell under, else -1. */
  readonly clusterSuccessRateAverage: number;
  readonly successRateEjectionThreshold: number;
}

export interface ReturnEvent<H> {
  readonly action: 'uneject';
  readonly host: H;
  readonly numEjections: number;
  /** How long the host was out (ms). */
  readonly ejectedForMs: number;
}

export type OutlierEvent<H> = EjectionEvent<H> | ReturnEvent<H>;
