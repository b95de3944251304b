// Tests of the detector drive it on the shared fake clock (proxy/src/time).
export { FakeClock } from '../../time/index.ts';
