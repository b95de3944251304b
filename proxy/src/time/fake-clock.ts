// A Clock for tests: time moves only when the test says so, and due timers fire in time order, each
// seeing now() equal to its own due time, as they would on a real clock.
import type { Clock, Timer } from './clock.ts';

class FakeTimer implements Timer {
  active = true;
  constructor(
    private readonly clock: FakeClock,
    readonly fn: () => void,
    readonly delay: number,
    readonly every: number | undefined,
    public due: number,
  ) {}

  refresh(): void {
    this.due = this.clock.now() + this.delay;
    if (!this.active) {
      this.active = true;
      this.clock.arm(this);
    }
  }
}

export class FakeClock implements Clock {
  private current: number;
  private readonly timers: FakeTimer[] = [];

  constructor(
    start = 0,
    private readonly epochMs = 1_700_000_000_000,
  ) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.epochMs + this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer = new FakeTimer(this, fn, Math.max(0, ms), undefined, this.current + Math.max(0, ms));
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer instanceof FakeTimer) this.disarm(timer);
  }

  setInterval(fn: () => void, ms: number): unknown {
    if (!(ms > 0)) throw new RangeError(`interval must be positive, got ${ms}`);
    const timer = new FakeTimer(this, fn, ms, ms, this.current + ms);
    this.timers.push(timer);
    return timer;
  }

  clearInterval(handle: unknown): void {
    if (handle instanceof FakeTimer) this.disarm(handle);
  }

  /** @internal a refreshed timer that had fired goes back on the list. */
  arm(timer: FakeTimer): void {
    this.timers.push(timer);
  }

  private disarm(timer: FakeTimer): void {
    timer.active = false;
    const i = this.timers.indexOf(timer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Timers still armed (an owner that cleaned up leaves none). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (inclusive). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) if (t.due <= target && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.current = next.due;
      if (next.every === undefined) this.disarm(next);
      else next.due += next.every;
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
