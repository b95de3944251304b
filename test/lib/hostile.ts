// Hostile-client helpers: raw TCP exchanges with a bound on time and bytes, and the proxy's
// Prometheus counters read from its admin port.
import net from 'node:net';

export interface RawExchange {
  /** Everything the server sent. */
  readonly data: Buffer;
  /** The server closed (or reset) the connection before `ms` passed. */
  readonly closed: boolean;
}

/**
 * Connects, writes `chunks` (a function gets the socket to write over time itself), and collects
 * what comes back until the server closes the connection or `ms` pass.
 */
export function exchange(
  port: number,
  chunks: ReadonlyArray<string | Buffer> | ((socket: net.Socket) => void),
  ms = 3000,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(received), closed });
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.once('connect', () => {
      if (typeof chunks === 'function') return chunks(socket);
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

/** The status codes of every HTTP/1.x response head in `data`, in order. */
export function statusLines(data: Buffer): number[] {
  const codes: number[] = [];
  for (const m of data.toString('latin1').matchAll(/HTTP\/1\.[01] (\d{3}) /g)) codes.push(Number(m[1]));
  return codes;
}

/** A counter or gauge from /stats/prometheus; `labels` must all match (e.g. the HCM prefix). */
export async function metric(
  adminPort: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/stats/prometheus`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Resolves once `check` holds, polling every 25 ms; rejects after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
