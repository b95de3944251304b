// Circuit breaking: Envoy's per-cluster, per-priority resource limits, the pending-request queue,
// and the admission gate that decides, per attempt, whether the breaker lets it through (permits).
export { Admission, type PendingAdmission } from './admission.ts';
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
export { Permit, type PermitIssuer } from './permit.ts';
