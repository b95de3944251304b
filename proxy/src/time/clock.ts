// Time and chance as the request path and the cluster see them. Injected, so that unit tests of
// timeouts, back-off, faults and outlier detection run on a fake clock and a seeded random source
// instead of waiting for real seconds or hoping for a lucky draw.

/** An armed timer; `refresh` restarts it from now with its original delay. */
export interface Timer {
  refresh(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale (never goes back when the wall clock is adjusted). */
  now(): number;
  /** Milliseconds since the epoch, for timestamps a person reads (access logs). */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The process clock. Intervals are unref'd: a periodic sweep must not keep the process alive. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout(timer) {
    if (timer) clearTimeout(timer as NodeJS.Timeout);
  },
  setInterval(fn, ms) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return timer;
  },
  clearInterval(handle) {
    clearInterval(handle as NodeJS.Timeout);
  },
};
