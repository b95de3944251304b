// Hand-built HTTP/2 frames (RFC 9113 §4, §6) for hostile-client tests: what a well-behaved client
// library refuses to send (invalid header fields, more streams than the peer allows, floods).
// Header blocks use HPACK literals without indexing and without Huffman coding (RFC 7541 §6.2.2).
import net from 'node:net';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
export const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;
export const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;
export const ERROR = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  ENHANCE_YOUR_CALM: 11,
} as const;

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

function hpackInt(value: number, prefixBits: number, firstByte: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const bytes = [firstByte | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A header block of literal fields, sent byte for byte as given (no validation, no lower-casing). */
export function headerBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    parts.push(Buffer.from([0]), hpackInt(n.length, 7, 0), n, hpackInt(v.length, 7, 0), v);
  }
  return Buffer.concat(parts);
}

export function requestFields(
  port: number,
  path = '/',
  extra: ReadonlyArray<readonly [string, string]> = [],
): Array<readonly [string, string]> {
  return [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', `127.0.0.1:${port}`],
    ...extra,
  ];
}

/** HEADERS with END_HEADERS and END_STREAM: a complete bodiless request. */
export function requestFrame(streamId: number, fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, streamId, headerBlock(fields));
}

export function rstStream(streamId: number, code: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(FRAME.RST_STREAM, 0, streamId, p);
}

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** RST_STREAM or GOAWAY error code. */
export function errorCode(f: Frame): number {
  return f.type === FRAME.GOAWAY ? f.payload.readUInt32BE(4) : f.payload.readUInt32BE(0);
}

/** A raw HTTP/2 connection: writes frames, and parses what the server sends into frames. */
export class RawH2 {
  readonly frames: Frame[] = [];
  closed = false;
  private buffered = Buffer.alloc(0);
  private readonly socket: net.Socket;
  readonly ready: Promise<void>;

  /** `ackSettings` false: never acknowledge the server's SETTINGS, so they never take effect. */
  constructor(
    port: number,
    private readonly ackSettings = true,
  ) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.socket.on('data', (chunk: Buffer) => this.parse(chunk));
    this.ready = new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  /** The preface and an empty SETTINGS frame, then SETTINGS ACK once the server's arrives. */
  async start(): Promise<void> {
    await this.ready;
    this.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0)]));
  }

  write(data: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(data);
  }

  find(type: number, streamId?: number): Frame | undefined {
    return this.frames.find((f) => f.type === type && (streamId === undefined || f.streamId === streamId));
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 9) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < 9 + length) break;
      const f: Frame = {
        type: this.buffered[3]!,
        flags: this.buffered[4]!,
        streamId: this.buffered.readUInt32BE(5) & 0x7fffffff,
        payload: this.buffered.subarray(9, 9 + length),
      };
      this.buffered = this.buffered.subarray(9 + length);
      this.frames.push(f);
      if (this.ackSettings && f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK)) {
        this.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
      }
    }
  }
}
