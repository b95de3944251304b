// A downstream request body that can be read more than once (by retries and mirrors) while it is
// still arriving. Chunks are kept up to a cap; past the cap the body streams on to the readers
// already attached but no new reader can be made, so the request is no longer retried (Envoy's
// behaviour when the retry buffer overflows).
import { Readable } from 'node:stream';

export class ReplayableBody {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private failed: Error | undefined;
  private readonly readers = new Set<Readable>();
  private readonly detachedReaders = new WeakSet<Readable>();
  /** False once the body outgrew the cap: no more readers. */
  replayable = true;

  private started = false;

  constructor(
    private readonly source: Readable,
    private readonly capBytes: number,
  ) {}

  /** Reading starts with the first reader, so nothing arrives before someone can take it. */
  private start(): void {
    this.started = true;
    const source = this.source;
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.once('end', () => this.onEnd());
    source.once('error', (err: Error) => this.onError(err));
    source.once('aborted', () => this.onError(new Error('downstream aborted')));
  }

  get receivedBytes(): number {
    return this.bytes;
  }

  get complete(): boolean {
    return this.ended;
  }

  /**
   * A fresh stream replaying what has arrived, then following the rest. A `detached` reader (a
   * mirror) never slows the source down: if it cannot keep up it falls behind in memory, bounded by
   * the cap, since past the cap nothing is replayable and mirrors are not started.
   */
  reader(detached = false): Readable | undefined {
    if (!this.replayable) return undefined;
    const reader = new Readable({
      read: () => {
        if (!this.ended) this.source.resume();
      },
    });
    if (detached) this.detachedReaders.add(reader);
    if (!this.started) this.start();
    for (const chunk of this.chunks) reader.push(chunk);
    if (this.failed) reader.destroy(this.failed);
    else if (this.ended) reader.push(null);
    else {
      this.readers.add(reader);
      reader.once('close', () => this.readers.delete(reader));
    }
    return reader;
  }

  /** Stop feeding readers made earlier (an attempt that was abandoned). */
  detach(reader: Readable): void {
    this.readers.delete(reader);
  }

  /** The whole body, when it is complete and was kept. */
  buffered(): Buffer | undefined {
    if (!this.ended || !this.replayable) return undefined;
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.replayable) {
      if (this.bytes > this.capBytes) {
        this.replayable = false;
        this.chunks.length = 0;
      } else this.chunks.push(chunk);
    }
    let backpressure = this.readers.size === 0;
    for (const reader of this.readers) {
      if (!reader.push(chunk) && !this.detachedReaders.has(reader)) backpressure = true;
    }
    if (backpressure) this.source.pause();
  }

  private onEnd(): void {
    this.ended = true;
    for (const reader of this.readers) reader.push(null);
    this.readers.clear();
  }

  private onError(err: Error): void {
    if (this.ended) return;
    this.failed = err;
    for (const reader of this.readers) reader.destroy(err);
    this.readers.clear();
  }
}
