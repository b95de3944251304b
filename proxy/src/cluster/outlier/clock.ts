// Time as the outlier detector sees it: a monotonic `now()` and a repeating timer. Injected so that
// tests drive ejections and returns on a fake clock instead of waiting for real seconds.

export interface Clock {
  /** Milliseconds on a monotonic scale (never goes back when the wall clock is adjusted). */
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The process clock. Its timers are unref'd: a detector's sweep must not keep the process alive. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setInterval(fn, ms) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return timer;
  },
  clearInterval(handle) {
    clearInterval(handle as NodeJS.Timeout);
  },
};
