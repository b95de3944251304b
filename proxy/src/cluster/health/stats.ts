// The checker's counters, named as Envoy emits them under `cluster.<name>.health_check.` so the
// exporter can print the keys as they are.

export interface HealthCheckStats {
  /** Checks started. */
  attempt: number;
  success: number;
  /** Every failed check: a bad status, a network failure or a timeout. */
  failure: number;
  /** Failures from passive signals fed to the active checker; Weft has none (outlier detection is
   * separate), so this stays 0. */
  passive_failure: number;
  /** Connection failures, resets and timeouts (a subset of `failure`). */
  network_failure: number;
  /** service_name_matcher verifications; not implemented, so 0. */
  verify_cluster: number;
  /** Gauge: hosts passing active health checks now. */
  healthy: number;
  /** Gauge: hosts reporting degraded (x-envoy-degraded); not implemented, so 0. */
  degraded: number;
}

export type HealthCheckStatName = keyof HealthCheckStats;

export function newHealthCheckStats(): HealthCheckStats {
  return {
    attempt: 0,
    success: 0,
    failure: 0,
    passive_failure: 0,
    network_failure: 0,
    verify_cluster: 0,
    healthy: 0,
    degraded: 0,
  };
}
