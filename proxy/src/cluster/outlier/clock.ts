// The outlier detector's time is the proxy's injected clock (proxy/src/time).
export { type Clock, systemClock } from '../../time/index.ts';
