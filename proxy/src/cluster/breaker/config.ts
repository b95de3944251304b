// envoy.config.cluster.v3.CircuitBreakers (proto3 JSON, already schema-validated) → one set of
// thresholds per routing priority, with Envoy's defaults. Istio's connectionPool arrives translated
// (tcp.maxConnections → max_connections, http.http1MaxPendingRequests → max_pending_requests,
// http.http2MaxRequests → max_requests, http.maxRetries → max_retries; istiod's own defaults are
// 2^32−1 for all four with track_remaining), so limits up to 4294967295 must hold.
import {
  bool,
  ConfigError,
  enumName,
  isObj,
  joinPath,
  list,
  type Obj,
  optionalUint,
} from '../../config/index.ts';

export type RoutingPriority = 'DEFAULT' | 'HIGH';

export interface RetryBudget {
  /** Active retries allowed, as a percentage of active plus pending requests. */
  readonly budgetPercent: number;
  /** The budget never allows fewer concurrent retries than this. */
  readonly minRetryConcurrency: number;
}

export interface BreakerThresholds {
  readonly priority: RoutingPriority;
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  /** When set, it replaces max_retries (Envoy: "the retry budget will override"). */
  readonly retryBudget: RetryBudget | undefined;
  /** Whether the exporter publishes the remaining_* gauges (Envoy publishes them only then). */
  readonly trackRemaining: boolean;
}

export interface CircuitBreakersConfig {
  readonly default: BreakerThresholds;
  readonly high: BreakerThresholds;
}

/** Envoy's defaults for a priority without thresholds (circuit_breaker.proto). */
export const THRESHOLD_DEFAULTS = {
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  budgetPercent: 20,
  minRetryConcurrency: 3,
} as const;

function defaults(priority: RoutingPriority): BreakerThresholds {
  return {
    priority,
    maxConnections: THRESHOLD_DEFAULTS.maxConnections,
    maxPendingRequests: THRESHOLD_DEFAULTS.maxPendingRequests,
    maxRequests: THRESHOLD_DEFAULTS.maxRequests,
    maxRetries: THRESHOLD_DEFAULTS.maxRetries,
    retryBudget: undefined,
    trackRemaining: false,
  };
}

export const DEFAULT_CIRCUIT_BREAKERS: CircuitBreakersConfig = {
  default: defaults('DEFAULT'),
  high: defaults('HIGH'),
};

const PRIORITIES: readonly RoutingPriority[] = ['DEFAULT', 'HIGH'];

/** envoy.type.v3.Percent (`{ "value": 25.0 }`) → 0..100. */
function percentValue(value: unknown, path: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const raw = isObj(value) ? value.value : value;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new ConfigError(path, `a percentage must be between 0 and 100, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function compileRetryBudget(value: Obj, path: string): RetryBudget {
  return {
    budgetPercent: percentValue(
      value.budget_percent,
      joinPath(path, 'budget_percent'),
      THRESHOLD_DEFAULTS.budgetPercent,
    ),
    minRetryConcurrency: optionalUint(
      value.min_retry_concurrency,
      joinPath(path, 'min_retry_concurrency'),
      THRESHOLD_DEFAULTS.minRetryConcurrency,
    ),
  };
}

function compileThresholds(t: Obj, priority: RoutingPriority, path: string): BreakerThresholds {
  const u = (field: string, fallback: number) => optionalUint(t[field], joinPath(path, field), fallback);
  if (t.max_connection_pools !== undefined && t.max_connection_pools !== null) {
    throw new ConfigError(
      joinPath(path, 'max_connection_pools'),
      'a limit on connection pools is not implemented; remove the field',
      'unsupported',
    );
  }
  const budget = t.retry_budget;
  if (budget !== undefined && budget !== null && !isObj(budget)) {
    throw new ConfigError(joinPath(path, 'retry_budget'), 'expected a RetryBudget object');
  }
  return {
    priority,
    maxConnections: u('max_connections', THRESHOLD_DEFAULTS.maxConnections),
    maxPendingRequests: u('max_pending_requests', THRESHOLD_DEFAULTS.maxPendingRequests),
    maxRequests: u('max_requests', THRESHOLD_DEFAULTS.maxRequests),
    maxRetries: u('max_retries', THRESHOLD_DEFAULTS.maxRetries),
    // A present retry_budget message switches the budget on, even empty (20 %, at least 3).
    retryBudget: isObj(budget) ? compileRetryBudget(budget, joinPath(path, 'retry_budget')) : undefined,
    trackRemaining: bool(t.track_remaining, joinPath(path, 'track_remaining'), false),
  };
}

/** Compiles a cluster's `circuit_breakers`; absent → Envoy's defaults for both priorities. */
export function compileCircuitBreakers(value: unknown, path: string): CircuitBreakersConfig {
  if (value === undefined || value === null) return DEFAULT_CIRCUIT_BREAKERS;
  if (!isObj(value)) throw new ConfigError(path, 'expected a CircuitBreakers object');
  const perHost = value.per_host_thresholds;
  if (Array.isArray(perHost) && perHost.length > 0) {
    throw new ConfigError(
      joinPath(path, 'per_host_thresholds'),
      'per-host circuit breakers are not implemented; use cluster-wide thresholds',
      'unsupported',
    );
  }
  let byDefault: BreakerThresholds | undefined;
  let high: BreakerThresholds | undefined;
  list(value.thresholds, joinPath(path, 'thresholds')).forEach((item, i) => {
    const p = joinPath(joinPath(path, 'thresholds'), i);
    if (!isObj(item)) throw new ConfigError(p, 'expected a Thresholds object');
    const priority = enumName(item.priority, PRIORITIES, joinPath(p, 'priority')) as RoutingPriority;
    const compiled = compileThresholds(item, priority, p);
    // Envoy: when several entries name one priority, the first one is used.
    if (priority === 'HIGH') high ??= compiled;
    else byDefault ??= compiled;
  });
  return { default: byDefault ?? defaults('DEFAULT'), high: high ?? defaults('HIGH') };
}
