// Outlier detection: Envoy's passive health checking for one cluster's hosts.
export { type Clock, systemClock } from './clock.ts';
export { compileOutlierDetection, OUTLIER_DEFAULTS, type OutlierConfig } from './config.ts';
export { type DetectorOptions, OutlierDetector } from './detector.ts';
export type {
  AttemptResult,
  EjectionEvent,
  LocalOriginFailure,
  OutlierEvent,
  ReturnEvent,
} from './events.ts';
export { FakeClock } from './fake-clock.ts';
export type { EjectionType, OutlierHostState } from './host-state.ts';
export { newOutlierStats, type OutlierStatName, type OutlierStats } from './stats.ts';
