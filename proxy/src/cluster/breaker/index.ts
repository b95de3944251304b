// Circuit breaking: Envoy's per-cluster, per-priority resource limits and the pending-request queue.
export {
  type BreakerThresholds,
  type CircuitBreakersConfig,
  compileCircuitBreakers,
  DEFAULT_CIRCUIT_BREAKERS,
  type RetryBudget,
  type RoutingPriority,
  THRESHOLD_DEFAULTS,
} from './config.ts';
export { type BreakerResource, ClusterBreakers, type Overflow, ResourceLimits } from './limits.ts';
export { type PendingEntry, PendingQueue } from './pending-queue.ts';
