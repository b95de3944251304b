// Coalesces bursts of changes into one push, as istiod does: fire after `quietMs` without a new
// change, and in any case no later than `maxMs` after the first change of a burst. `flush` skips the
// wait (endpoint-only changes do not wait for the quiet period).
export class Debouncer {
  private quietTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly quietMs: number,
    private readonly maxMs: number,
    private readonly fire: () => void,
  ) {}

  /** A change arrived: (re)start the quiet period, and the max timer if a burst starts. */
  touch(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.flush(), this.quietMs);
    this.maxTimer ??= setTimeout(() => this.flush(), this.maxMs);
  }

  /** Fires now (if anything is pending or `force`), and ends the burst. */
  flush(force = false): void {
    const pending = this.quietTimer !== undefined || this.maxTimer !== undefined;
    this.cancel();
    if (pending || force) this.fire();
  }

  cancel(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.maxTimer) clearTimeout(this.maxTimer);
    this.quietTimer = undefined;
    this.maxTimer = undefined;
  }
}
