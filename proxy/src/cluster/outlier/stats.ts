// The detector's counters, named exactly as Envoy emits them under
// `cluster.<name>.outlier_detection.` so the exporter can print the keys as they are. (Envoy's
// stats page spells the local-origin failure-percentage pair `..._failure_percentage_local_origin`;
// the binary emits `..._local_origin_failure_percentage`, which is what dashboards see.)
import type { EjectionType } from './host-state.ts';

export interface OutlierStats {
  /** Gauge: hosts ejected now. */
  ejections_active: number;
  /** Ejections refused because max_ejection_percent would be exceeded. */
  ejections_overflow: number;
  ejections_enforced_total: number;
  ejections_detected_consecutive_5xx: number;
  ejections_enforced_consecutive_5xx: number;
  ejections_detected_consecutive_gateway_failure: number;
  ejections_enforced_consecutive_gateway_failure: number;
  ejections_detected_consecutive_local_origin_failure: number;
  ejections_enforced_consecutive_local_origin_failure: number;
  ejections_detected_success_rate: number;
  ejections_enforced_success_rate: number;
  ejections_detected_local_origin_success_rate: number;
  ejections_enforced_local_origin_success_rate: number;
  ejections_detected_failure_percentage: number;
  ejections_enforced_failure_percentage: number;
  ejections_detected_local_origin_failure_percentage: number;
  ejections_enforced_local_origin_failure_percentage: number;
  /** Deprecated in Envoy, still emitted: consecutive-5xx and success-rate ejections within the
   * max_ejection_percent, enforced or not. */
  ejections_total: number;
  /** Deprecated in Envoy, still emitted: detected consecutive-5xx ejections. */
  ejections_consecutive_5xx: number;
  /** Deprecated in Envoy, still emitted: detected success-rate outliers. */
  ejections_success_rate: number;
}

export type OutlierStatName = keyof OutlierStats;

export function newOutlierStats(): OutlierStats {
  return {
    ejections_active: 0,
    ejections_overflow: 0,
    ejections_enforced_total: 0,
    ejections_detected_consecutive_5xx: 0,
    ejections_enforced_consecutive_5xx: 0,
    ejections_detected_consecutive_gateway_failure: 0,
    ejections_enforced_consecutive_gateway_failure: 0,
    ejections_detected_consecutive_local_origin_failure: 0,
    ejections_enforced_consecutive_local_origin_failure: 0,
    ejections_detected_success_rate: 0,
    ejections_enforced_success_rate: 0,
    ejections_detected_local_origin_success_rate: 0,
    ejections_enforced_local_origin_success_rate: 0,
    ejections_detected_failure_percentage: 0,
    ejections_enforced_failure_percentage: 0,
    ejections_detected_local_origin_failure_percentage: 0,
    ejections_enforced_local_origin_failure_percentage: 0,
    ejections_total: 0,
    ejections_consecutive_5xx: 0,
    ejections_success_rate: 0,
  };
}

export const DETECTED: Readonly<Record<EjectionType, OutlierStatName>> = {
  consecutive_5xx: 'ejections_detected_consecutive_5xx',
  consecutive_gateway_failure: 'ejections_detected_consecutive_gateway_failure',
  consecutive_local_origin_failure: 'ejections_detected_consecutive_local_origin_failure',
  success_rate: 'ejections_detected_success_rate',
  success_rate_local_origin: 'ejections_detected_local_origin_success_rate',
  failure_percentage: 'ejections_detected_failure_percentage',
  failure_percentage_local_origin: 'ejections_detected_local_origin_failure_percentage',
};

export const ENFORCED: Readonly<Record<EjectionType, OutlierStatName>> = {
  consecutive_5xx: 'ejections_enforced_consecutive_5xx',
  consecutive_gateway_failure: 'ejections_enforced_consecutive_gateway_failure',
  consecutive_local_origin_failure: 'ejections_enforced_consecutive_local_origin_failure',
  success_rate: 'ejections_enforced_success_rate',
  success_rate_local_origin: 'ejections_enforced_local_origin_success_rate',
  failure_percentage: 'ejections_enforced_failure_percentage',
  failure_percentage_local_origin: 'ejections_enforced_local_origin_failure_percentage',
};
