// Raw TCP servers and clients for tcp_proxy and interception tests, on 127.0.0.1:0.
import net from 'node:net';

export interface TcpServer {
  readonly name: string;
  readonly port: number;
  /** Every byte each connection sent, in connection order, complete once the client half-closed. */
  readonly received: Buffer[];
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export interface TcpServerOptions {
  name?: string;
  /**
   * `echo` (default): send back every byte as it arrives and end when the client ends.
   * `reply-on-end`: read until the client half-closes, then answer `<name>:<bytes received>` and end.
   * `banner`: speak first (`<name> ready\n`), then echo (a server-first protocol, like MySQL or SMTP).
   * `hold`: accept and keep the connection open, silent.
   */
  mode?: 'echo' | 'reply-on-end' | 'banner' | 'hold';
  host?: string;
}

export async function startTcpServer(options: TcpServerOptions = {}): Promise<TcpServer> {
  const name = options.name ?? 'tcp';
  const mode = options.mode ?? 'echo';
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const index = received.push(Buffer.alloc(0)) - 1;
    if (mode === 'banner') socket.write(`${name} ready\n`);
    socket.on('data', (chunk: Buffer) => {
      received[index] = Buffer.concat([received[index]!, chunk]);
      if (mode === 'echo' || mode === 'banner') socket.write(chunk);
    });
    socket.on('end', () => {
      if (mode === 'reply-on-end') socket.end(`${name}:${received[index]!.length}`);
      else socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as net.AddressInfo).port,
    received,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Exchange {
  /** Everything the server sent before the connection closed. */
  readonly data: Buffer;
  /** The socket error code (ECONNRESET for a reset), if the connection failed. */
  readonly error?: string;
}

export interface ExchangeOptions {
  host?: string;
  /** Half-close after sending (default true). */
  end?: boolean;
  /** Wait for this many bytes, then close (for servers that never end). */
  expectBytes?: number;
  timeoutMs?: number;
}

/** Connects, sends `data`, and collects the answer until the server closes. */
export function tcpExchange(
  port: number,
  data: string | Buffer,
  options: ExchangeOptions = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: options.host ?? '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const result = { data: Buffer.concat(chunks) };
      resolve(error ? { ...result, error } : result);
    };
    const timer = setTimeout(() => finish('TIMEOUT'), options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (options.expectBytes !== undefined && size >= options.expectBytes) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.on('close', () => finish());
    socket.once('connect', () => {
      if (data.length > 0) socket.write(data);
      if (options.end !== false) socket.end();
    });
  });
}
