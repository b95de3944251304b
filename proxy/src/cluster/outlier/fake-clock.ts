// A Clock for tests: time moves only when the test says so, and due intervals fire in time order,
// each seeing now() equal to its own due time, as they would on a real clock.
import type { Clock } from './clock.ts';

interface FakeTimer {
  readonly fn: () => void;
  readonly every: number;
  due: number;
  active: boolean;
}

export class FakeClock implements Clock {
  private current: number;
  private readonly timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setInterval(fn: () => void, ms: number): unknown {
    if (!(ms > 0)) throw new RangeError(`interval must be positive, got ${ms}`);
    const timer: FakeTimer = { fn, every: ms, due: this.current + ms, active: true };
    this.timers.push(timer);
    return timer;
  }

  clearInterval(handle: unknown): void {
    const timer = handle as FakeTimer;
    timer.active = false;
    const i = this.timers.indexOf(timer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Timers still armed (a closed detector leaves none). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every interval that falls due on the way (inclusive). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) if (t.due <= target && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.current = next.due;
      next.due += next.every;
      next.fn();
    }
    this.current = target;
  }

  /** Moves time to the absolute instant `at`. */
  advanceTo(at: number): void {
    if (at < this.current) throw new RangeError(`cannot go back in time from ${this.current} to ${at}`);
    this.advance(at - this.current);
  }
}
