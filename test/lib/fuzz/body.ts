// Deterministic bodies and their fingerprints: the client announces the length and checksum of the
// whole body it means to send, so a receiver can tell a whole body from a truncated one.
import { createHash, type Hash } from 'node:crypto';

export const LEN_HEADER = 'x-fuzz-len';
export const SUM_HEADER = 'x-fuzz-sum';

/** `size` bytes of a pattern that depends on `salt`, so bodies of different requests differ. */
export function patternBytes(size: number, salt: number, offset = 0): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = ((offset + i) * 31 + salt) & 0xff;
  return out;
}

/** The chunks of one body, laid out so their concatenation is `patternBytes(total, salt)`. */
export function bodyChunks(sizes: readonly number[], salt: number): Buffer[] {
  let offset = 0;
  return sizes.map((size) => {
    const chunk = patternBytes(size, salt, offset);
    offset += size;
    return chunk;
  });
}

export function checksum(chunks: readonly Buffer[]): string {
  const hash = createHash('sha1');
  for (const c of chunks) hash.update(c);
  return hash.digest('hex');
}

/** Length and checksum of a body that arrives in pieces. */
export class BodyFingerprint {
  bytes = 0;
  private readonly hash: Hash = createHash('sha1');

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
