// The fuzz client: sends one scripted request over HTTP/1.1 (node:http, or a raw socket to stop inside
// the headers) or HTTP/2 (a stream on the sequence's shared session), with its body in slow chunks,
// and gives up where the script says (inside the headers, the body, while waiting, or inside the
// response). Reports what came back, never throws.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { BodyFingerprint, bodyChunks, checksum, LEN_HEADER, SUM_HEADER } from './body.ts';
import type { RequestStep } from './generators.ts';
import {
  ID_HEADER,
  RESPONSE_LEN_HEADER,
  RESPONSE_SUM_HEADER,
  SCRIPT_HEADERS,
  UPSTREAM_HEADER,
} from './recording-upstream.ts';

/** How long a request may take before it counts as hung (every scripted delay is far shorter). */
export const HANG_MS = 5_000;

export interface Outcome {
  readonly id: string;
  readonly step: RequestStep;
  /** response: complete or cut by the client; reset: the proxy reset it; aborted: the client gave up first. */
  result: 'response' | 'reset' | 'aborted' | 'hung';
  status?: number;
  /** The upstream that produced the response (its x-fuzz-upstream header), if any. */
  fromUpstream?: string;
  /** The response body's 'end' arrived. */
  complete: boolean;
  /** For a complete response from the upstream: its body is the one the upstream sent. */
  bodyProblem?: string;
  error?: string;
}

export interface ClientContext {
  readonly port: number;
  readonly agent: http.Agent;
  h2Session(): http2.ClientHttp2Session;
}

function requestHeaders(id: string, step: RequestStep, chunks: readonly Buffer[]): Record<string, string> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const u = step.upstream;
  const headers: Record<string, string> = {
    [ID_HEADER]: id,
    [LEN_HEADER]: String(total),
    [SUM_HEADER]: checksum(chunks),
    [SCRIPT_HEADERS.kind]: u.kind,
    [SCRIPT_HEADERS.failFirst]: String(u.failFirst),
    [SCRIPT_HEADERS.responseBytes]: String(u.responseBytes),
    [SCRIPT_HEADERS.responseChunked]: u.responseChunked ? '1' : '0',
    [SCRIPT_HEADERS.slowMs]: String(u.slowMs),
  };
  if (chunks.length > 0) {
    if (step.framing === 'length') headers['content-length'] = String(total);
    // node frames a GET body only when told to; HTTP/2 has no transfer-encoding
    else if (step.protocol === 'h1') headers['transfer-encoding'] = 'chunked';
  }
  return headers;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs one request to its end (response, reset, abort or hang). */
export function runRequest(
  ctx: ClientContext,
  id: string,
  salt: number,
  step: RequestStep,
): Promise<Outcome> {
  const chunks = bodyChunks(step.chunks, salt);
  const headers = requestHeaders(id, step, chunks);
  if (step.abort.at === 'headers' && step.protocol === 'h1')
    return abortInsideHeaders(ctx, id, step, headers);
  return new Promise<Outcome>((resolve) => {
    const outcome: Outcome = { id, step, result: 'response', complete: false };
    let settled = false;
    let cancel: () => void = () => {};
    const finish = (result: Outcome['result'], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(hang);
      outcome.result = result;
      if (error) outcome.error = error;
      resolve(outcome);
    };
    const hang = setTimeout(() => {
      finish('hung');
      cancel();
    }, HANG_MS);
    const giveUp = () => {
      if (settled) return;
      finish('aborted');
      cancel();
    };
    const onResponse = (
      status: number,
      from: string | undefined,
      rlen: string | undefined,
      rsum: string | undefined,
    ) => {
      outcome.status = status;
      if (from !== undefined) outcome.fromUpstream = from;
      const got = new BodyFingerprint();
      const afterBytes = step.abort.at === 'response' ? step.abort.afterBytes : -1;
      return {
        // after the client gave up, the codec may still end the stream: that is not a response
        data(chunk: Buffer) {
          if (settled) return;
          got.add(chunk);
          if (afterBytes >= 0 && got.bytes >= afterBytes) giveUp();
        },
        end() {
          if (settled) return;
          outcome.complete = true;
          if (from !== undefined) {
            const sum = got.digest();
            if (String(got.bytes) !== rlen || sum !== rsum)
              outcome.bodyProblem = `response body complete with ${got.bytes} bytes (sha1 ${sum.slice(0, 8)}), the upstream sent ${rlen} bytes (sha1 ${rsum?.slice(0, 8)})`;
          }
          finish('response');
        },
      };
    };
    const send = async (write: (c: Buffer) => void, end: () => void, alive: () => boolean) => {
      const cut = step.abort.at === 'body' ? Math.min(step.abort.afterChunks, chunks.length) : -1;
      for (let i = 0; i < chunks.length; i++) {
        if (i === cut) return giveUp();
        if (i > 0 && step.chunkGapMs > 0) await sleep(step.chunkGapMs);
        if (!alive()) return;
        write(chunks[i]!);
      }
      if (cut >= 0 && step.framing === 'chunked') return giveUp();
      end();
      if (step.abort.at === 'waiting') setTimeout(giveUp, step.abort.afterMs);
    };
    if (step.protocol === 'h1') {
      const req = http.request({
        host: '127.0.0.1',
        port: ctx.port,
        method: step.method,
        path: '/fuzz',
        headers,
        agent: ctx.agent,
      });
      cancel = () => req.destroy();
      req.on('error', (err) => finish('reset', err.message));
      req.on('response', (res) => {
        const h = res.headers;
        const sink = onResponse(
          res.statusCode ?? 0,
          h[UPSTREAM_HEADER] as string | undefined,
          h[RESPONSE_LEN_HEADER] as string | undefined,
          h[RESPONSE_SUM_HEADER] as string | undefined,
        );
        res.on('data', sink.data);
        res.on('end', sink.end);
        res.on('error', () => {});
        res.on('close', () => {
          if (!res.complete) finish('reset', 'response cut');
        });
      });
      if (chunks.length === 0) {
        req.end();
        if (step.abort.at === 'waiting') setTimeout(giveUp, step.abort.afterMs);
      } else
        void send(
          (c) => req.write(c),
          () => req.end(),
          () => !req.destroyed,
        );
      return;
    }
    const session = ctx.h2Session();
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(
        { ':method': step.method, ':path': '/fuzz', ...headers },
        { endStream: chunks.length === 0 },
      );
    } catch (err) {
      return finish('reset', (err as Error).message);
    }
    cancel = () => {
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    };
    stream.on('error', (err) => finish('reset', err.message));
    if (step.abort.at === 'headers') return giveUp();
    stream.on('response', (h) => {
      const sink = onResponse(
        Number(h[':status']),
        h[UPSTREAM_HEADER] as string | undefined,
        h[RESPONSE_LEN_HEADER] as string | undefined,
        h[RESPONSE_SUM_HEADER] as string | undefined,
      );
      stream.on('data', sink.data);
      stream.on('end', sink.end);
    });
    stream.on('close', () => finish('reset', `stream closed (code ${stream.rstCode})`));
    if (chunks.length === 0) {
      if (step.abort.at === 'waiting') setTimeout(giveUp, step.abort.afterMs);
    } else
      void send(
        (c) => stream.write(c),
        () => stream.end(),
        () => !stream.closed,
      );
  });
}

/** HTTP/1.1: part of the request head on a raw connection, then the connection goes away. */
function abortInsideHeaders(
  ctx: ClientContext,
  id: string,
  step: RequestStep,
  headers: Record<string, string>,
): Promise<Outcome> {
  const lines = [
    `${step.method} /fuzz HTTP/1.1`,
    `host: 127.0.0.1:${ctx.port}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  // never the blank line that ends the head: the proxy must not see a whole request
  const head = lines.join('\r\n');
  const eighths = step.abort.at === 'headers' ? step.abort.eighths : 4;
  const cut = head.slice(0, Math.max(1, (head.length * eighths) >> 3));
  return new Promise((resolve) => {
    const socket = net.connect(ctx.port, '127.0.0.1', () => {
      socket.write(cut, () => setImmediate(() => socket.destroy()));
    });
    const done = (): void => resolve({ id, step, result: 'aborted', complete: false });
    socket.on('error', () => {});
    socket.on('close', done);
  });
}
