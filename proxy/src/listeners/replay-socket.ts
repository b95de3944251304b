// node:http2 reads a socket through its native handle, so bytes already read in JS (the ones the
// codec sniffer looked at) would never reach it. An HTTP/2 connection is therefore handed over as
// this JS duplex, which replays the sniffed bytes and then relays the socket. HTTP/1.1 connections,
// the common case, keep the native fast path (node:http accepts unshifted bytes).
import type net from 'node:net';
import { Duplex } from 'node:stream';

export class ReplaySocket extends Duplex {
  constructor(
    readonly socket: net.Socket,
    head: Buffer,
  ) {
    super();
    this.push(head);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => this.push(null));
    socket.once('error', (err) => this.destroy(err));
    socket.once('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    callback(err);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
}
