// Test clients over real sockets: HTTP/1.1 (undici) and HTTP/2 prior knowledge (node:http2).
import http2 from 'node:http2';
import { Agent, request } from 'undici';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  trailers?: Record<string, string | string[] | undefined>;
}

export interface Req {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** HTTP/1.1 only: the Host header (undici derives it from the URL otherwise). */
  host?: string;
}

export type Client = (r?: Req) => Promise<Reply>;

/** An HTTP/1.1 keep-alive client bound to one port; close it with `.close()`. */
export function h1Client(port: number): Client & { close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 5000 } });
  const fn = async (r: Req = {}) => {
    const headers: Record<string, string> = { ...r.headers };
    if (r.host) headers.host = r.host;
    const res = await request(`http://127.0.0.1:${port}${r.path ?? '/'}`, {
      method: (r.method ?? 'GET') as 'GET',
      headers,
      body: r.body ?? null,
      dispatcher: agent,
    });
    const body = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body, trailers: res.trailers };
  };
  return Object.assign(fn, { close: () => agent.close() });
}

/** An HTTP/2 cleartext (prior knowledge) client bound to one port. */
export function h2Client(port: number): Client & { close(): Promise<void> } {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const fn = (r: Req = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const stream = session.request({
        ':method': r.method ?? 'GET',
        ':path': r.path ?? '/',
        ':authority': r.host ?? `127.0.0.1:${port}`,
        ...r.headers,
      });
      let headers: Record<string, string | string[] | undefined> = {};
      let trailers: Record<string, string | string[] | undefined> | undefined;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        headers = h as Record<string, string | string[] | undefined>;
      });
      stream.on('trailers', (t) => {
        trailers = t as Record<string, string | string[] | undefined>;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const reply: Reply = {
          status: Number(headers[':status']),
          headers,
          body: Buffer.concat(chunks).toString(),
        };
        if (trailers) reply.trailers = trailers;
        resolve(reply);
      });
      stream.on('error', reject);
      stream.end(r.body);
    });
  return Object.assign(fn, {
    close: () => new Promise<void>((resolve) => session.close(() => resolve())),
  });
}

export const PROTOCOLS = [
  { name: 'HTTP/1.1', connect: h1Client },
  { name: 'HTTP/2', connect: h2Client },
] as const;
