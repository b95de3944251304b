// Injected time and randomness (see clock.ts).
export { type Clock, systemClock, type Timer } from './clock.ts';
export { FakeClock } from './fake-clock.ts';
export { fixedRandom, type Random, seededRandom, systemRandom } from './random.ts';
