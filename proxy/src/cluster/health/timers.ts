// One-shot timers as the health checker sees them. The outlier detector's Clock only has repeating
// intervals; a health check session re-arms its own timer after every check (the next delay depends
// on the result), so it needs setTimeout. Injected so tests can observe that close() leaves none armed.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process timers, unref'd: health checking alone must not keep the process alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
