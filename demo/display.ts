// Output of the demo. On a terminal: permanent lines (events, step results) scroll above a live
// region that is redrawn in place. Plain (--plain, or not a terminal): every line is printed once,
// and the live view becomes one line per second, so logs and tests can read it.
export class Display {
  private liveLines = 0;
  private lastPlainTick = 0;

  constructor(
    readonly plain: boolean,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  /** A line that stays. */
  event(line: string): void {
    this.clearLive();
    this.out.write(`${line}\n`);
  }

  /** Terminal: redraw the live region. Plain: print `plainLine` at most once per second. */
  live(lines: string[], plainLine: string, nowMs: number): void {
    if (this.plain) {
      if (nowMs - this.lastPlainTick < 1000) return;
      this.lastPlainTick = nowMs;
      this.out.write(`${plainLine}\n`);
      return;
    }
    this.clearLive();
    this.out.write(`${lines.join('\n')}\n`);
    this.liveLines = lines.length;
  }

  /** Leaves the last live view on screen (at exit) instead of erasing it. */
  keepLive(): void {
    this.liveLines = 0;
  }

  private clearLive(): void {
    if (this.plain || this.liveLines === 0) return;
    // cursor up over the region, then erase to the end of the screen
    this.out.write(`\x1b[${this.liveLines}A\x1b[0J`);
    this.liveLines = 0;
  }
}
