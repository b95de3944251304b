// Active HTTP health checking: Envoy's `Cluster.health_checks` for one cluster's hosts.
export {
  classify,
  type HealthCheckedHost,
  HealthChecker,
  type HealthCheckerOptions,
} from './checker.ts';
export {
  compileHealthChecks,
  HEALTH_CHECK_DEFAULTS,
  type HealthCheckCodec,
  type HealthCheckConfig,
  type HttpCheckConfig,
  type StatusRange,
} from './config.ts';
export type { CheckResult, HostHealthSnapshot, Transition } from './host-health.ts';
export type { ProbeOutcome } from './probe.ts';
export { type HealthCheckStatName, type HealthCheckStats, newHealthCheckStats } from './stats.ts';
export { systemTimers, type Timers } from './timers.ts';
