// envoy.config.cluster.v3.OutlierDetection (proto3 JSON, already schema-validated) → OutlierConfig,
// with Envoy's defaults stated once here as data. Istio's DestinationRule `outlierDetection` arrives
// already translated by the control plane (consecutive5xxErrors → consecutive_5xx with
// enforcing_consecutive_5xx 100, or 0 when the count is 0; consecutiveGatewayErrors likewise;
// enforcing_success_rate 0), so every value Istio sends has to be expressible here.
import {
  bool,
  ConfigError,
  isObj,
  joinPath,
  type Obj,
  optionalDurationMs,
  optionalUint,
} from '../../config/index.ts';

export interface OutlierConfig {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  /** Envoy: 300 s or base_ejection_time, whichever is larger, when unset. */
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  /** 0..100 */
  readonly maxEjectionPercent: number;
  /** Lets the first ejection happen whatever max_ejection_percent says (small clusters). */
  readonly alwaysEjectOneHost: boolean;
  /** A threshold of 0 never trips (Envoy compares `++count == threshold`). */
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  /** success_rate_stdev_factor / 1000 (1900 → 1.9). */
  readonly successRateStdevFactor: number;
  /** 0..100 */
  readonly failurePercentageThreshold: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  /** Each 0..100: the chance that a detected outlier is actually ejected. */
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  /** For active health checking: a passing check returns an ejected host early. */
  readonly successfulActiveHealthCheckUnejectHost: boolean;
}

/** Envoy's documented defaults (OutlierDetection proto and DetectorConfig). */
export const OUTLIER_DEFAULTS = {
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionTimeJitterMs: 0,
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
  consecutive5xx: 5,
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  splitExternalLocalOriginErrors: false,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1.9,
  failurePercentageThreshold: 85,
  failurePercentageMinimumHosts: 5,
  failurePercentageRequestVolume: 50,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  enforcingConsecutiveLocalOriginFailure: 100,
  enforcingSuccessRate: 100,
  enforcingLocalOriginSuccessRate: 100,
  enforcingFailurePercentage: 0,
  enforcingFailurePercentageLocalOrigin: 0,
  successfulActiveHealthCheckUnejectHost: true,
} as const satisfies OutlierConfig;

function percent(o: Obj, field: string, path: string, fallback: number): number {
  const p = joinPath(path, field);
  const n = optionalUint(o[field], p, fallback);
  if (n > 100) throw new ConfigError(p, `a percentage must be between 0 and 100, got ${n}`);
  return n;
}

/** A positive Duration (Envoy validates `gt: {}`): zero would spin the sweep or never eject. */
function positiveMs(o: Obj, field: string, path: string, fallback: number): number {
  const p = joinPath(path, field);
  const ms = optionalDurationMs(o[field], p, fallback);
  if (ms <= 0) throw new ConfigError(p, 'must be greater than 0s, e.g. "10s"');
  return ms;
}

/** Compiles a cluster's `outlier_detection`; `path` names it in errors (e.g. `clusters[0].outlier_detection`). */
export function compileOutlierDetection(value: unknown, path: string): OutlierConfig {
  if (!isObj(value)) throw new ConfigError(path, 'expected an OutlierDetection object');
  const o = value;
  const d = OUTLIER_DEFAULTS;
  const u = (field: string, fallback: number) => optionalUint(o[field], joinPath(path, field), fallback);
  const baseEjectionTimeMs = positiveMs(o, 'base_ejection_time', path, d.baseEjectionTimeMs);
  const maxEjectionTimeMs = positiveMs(
    o,
    'max_ejection_time',
    path,
    Math.max(d.maxEjectionTimeMs, baseEjectionTimeMs),
  );
  if (maxEjectionTimeMs < baseEjectionTimeMs) {
    throw new ConfigError(
      joinPath(path, 'max_ejection_time'),
      `max_ejection_time (${maxEjectionTimeMs} ms) must not be smaller than base_ejection_time ` +
        `(${baseEjectionTimeMs} ms): raise max_ejection_time or lower base_ejection_time`,
    );
  }
  const monitors = o.monitors;
  if (Array.isArray(monitors) && monitors.length > 0) {
    throw new ConfigError(
      joinPath(path, 'monitors'),
      'outlier detection monitor extensions are not implemented',
      'unsupported',
    );
  }
  return {
    intervalMs: positiveMs(o, 'interval', path, d.intervalMs),
    baseEjectionTimeMs,
    maxEjectionTimeMs,
    maxEjectionTimeJitterMs: optionalDurationMs(
      o.max_ejection_time_jitter,
      joinPath(path, 'max_ejection_time_jitter'),
      d.maxEjectionTimeJitterMs,
    ),
    maxEjectionPercent: percent(o, 'max_ejection_percent', path, d.maxEjectionPercent),
    alwaysEjectOneHost: bool(
      o.always_eject_one_host,
      joinPath(path, 'always_eject_one_host'),
      d.alwaysEjectOneHost,
    ),
    consecutive5xx: u('consecutive_5xx', d.consecutive5xx),
    consecutiveGatewayFailure: u('consecutive_gateway_failure', d.consecutiveGatewayFailure),
    consecutiveLocalOriginFailure: u('consecutive_local_origin_failure', d.consecutiveLocalOriginFailure),
    splitExternalLocalOriginErrors: bool(
      o.split_external_local_origin_errors,
      joinPath(path, 'split_external_local_origin_errors'),
      d.splitExternalLocalOriginErrors,
    ),
    successRateMinimumHosts: u('success_rate_minimum_hosts', d.successRateMinimumHosts),
    successRateRequestVolume: u('success_rate_request_volume', d.successRateRequestVolume),
    successRateStdevFactor: u('success_rate_stdev_factor', d.successRateStdevFactor * 1000) / 1000,
    failurePercentageThreshold: percent(
      o,
      'failure_percentage_threshold',
      path,
      d.failurePercentageThreshold,
    ),
    failurePercentageMinimumHosts: u('failure_percentage_minimum_hosts', d.failurePercentageMinimumHosts),
    failurePercentageRequestVolume: u('failure_percentage_request_volume', d.failurePercentageRequestVolume),
    enforcingConsecutive5xx: percent(o, 'enforcing_consecutive_5xx', path, d.enforcingConsecutive5xx),
    enforcingConsecutiveGatewayFailure: percent(
      o,
      'enforcing_consecutive_gateway_failure',
      path,
      d.enforcingConsecutiveGatewayFailure,
    ),
    enforcingConsecutiveLocalOriginFailure: percent(
      o,
      'enforcing_consecutive_local_origin_failure',
      path,
      d.enforcingConsecutiveLocalOriginFailure,
    ),
    enforcingSuccessRate: percent(o, 'enforcing_success_rate', path, d.enforcingSuccessRate),
    enforcingLocalOriginSuccessRate: percent(
      o,
      'enforcing_local_origin_success_rate',
      path,
      d.enforcingLocalOriginSuccessRate,
    ),
    enforcingFailurePercentage: percent(
      o,
      'enforcing_failure_percentage',
      path,
      d.enforcingFailurePercentage,
    ),
    enforcingFailurePercentageLocalOrigin: percent(
      o,
      'enforcing_failure_percentage_local_origin',
      path,
      d.enforcingFailurePercentageLocalOrigin,
    ),
    successfulActiveHealthCheckUnejectHost: bool(
      o.successful_active_health_check_uneject_host,
      joinPath(path, 'successful_active_health_check_uneject_host'),
      d.successfulActiveHealthCheckUnejectHost,
    ),
  };
}
