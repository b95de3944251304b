// %COMMAND% substitution in header values (Envoy's access-log format syntax: `%REQ(x-a?x-b):10%`).
// Parsed once at compile time into literal parts and command records; evaluated per request by a
// switch over the command, with no closures. Unknown headers format as "" (not "-" as in access logs).
import { hostname } from 'node:os';
import { ConfigError } from '../config/index.ts';
import type { HeaderFormatCommand, HeaderFormatPart } from './types.ts';

export type HeaderRecord = Record<string, string | string[] | undefined>;

/** What formatters may read; all optional (a missing value formats as ""). */
export interface HeaderFormatContext {
  readonly downstreamRemoteIp?: string;
  readonly downstreamRemotePort?: number;
  readonly downstreamLocalIp?: string;
  readonly downstreamLocalPort?: number;
  /** `ip:port` of the upstream host (response headers only). */
  readonly upstreamRemoteAddress?: string;
  /** `HTTP/1.1`, `HTTP/2` */
  readonly protocol?: string;
  /** For %REQ(...)%; include pseudo-headers (`:authority`, `:path`) if configs use them. */
  readonly requestHeaders?: HeaderRecord;
  /** For %RESP(...)%. */
  readonly responseHeaders?: HeaderRecord;
}

const Op = {
  RemoteAddress: 1,
  RemoteIp: 2,
  RemotePort: 3,
  LocalAddress: 4,
  LocalIp: 5,
  LocalPort: 6,
  Protocol: 7,
  UpstreamAddress: 8,
  Req: 9,
  Resp: 10,
} as const;

const COMMANDS: Readonly<Record<string, number>> = {
  DOWNSTREAM_REMOTE_ADDRESS: Op.RemoteAddress,
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: Op.RemoteIp,
  DOWNSTREAM_REMOTE_PORT: Op.RemotePort,
  DOWNSTREAM_LOCAL_ADDRESS: Op.LocalAddress,
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: Op.LocalIp,
  DOWNSTREAM_LOCAL_PORT: Op.LocalPort,
  PROTOCOL: Op.Protocol,
  UPSTREAM_REMOTE_ADDRESS: Op.UpstreamAddress,
  REQ: Op.Req,
  RESP: Op.Resp,
};
const COMMAND = /^([A-Z][A-Z0-9_]*)(?:\(([^)]*)\))?(?::(\d+))?$/;

/** True when the parts read request or response headers (their values depend on mutation order). */
export function readsHeaders(parts: readonly HeaderFormatPart[]): boolean {
  return parts.some((p) => typeof p !== 'string' && (p.op === Op.Req || p.op === Op.Resp));
}

/**
 * A header value → itself when it has no commands (`%%` unescaped), else its parts. Commands this
 * proxy does not implement are a ConfigError ('unsupported') rather than being sent literally.
 */
export function parseHeaderFormat(value: string, path: string): string | readonly HeaderFormatPart[] {
  if (!value.includes('%')) return value;
  const parts: HeaderFormatPart[] = [];
  let text = '';
  for (let i = 0; i < value.length; ) {
    const pct = value.indexOf('%', i);
    if (pct < 0) {
      text += value.slice(i);
      break;
    }
    text += value.slice(i, pct);
    if (value[pct + 1] === '%') {
      text += '%';
      i = pct + 2;
      continue;
    }
    const end = value.indexOf('%', pct + 1);
    if (end < 0) {
      throw new ConfigError(
        path,
        `unterminated "%" at offset ${pct} of ${JSON.stringify(value)}: write "%%" for a literal %`,
      );
    }
    const command = parseCommand(value.slice(pct + 1, end), path);
    if (typeof command === 'string') text += command;
    else {
      if (text !== '') parts.push(text);
      text = '';
      parts.push(command);
    }
    i = end + 1;
  }
  if (text !== '') parts.push(text);
  return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : parts.length === 0 ? '' : parts;
}

/** One `NAME(args):N` → a command, or a string when its value is known at compile time. */
function parseCommand(body: string, path: string): HeaderFormatCommand | string {
  const m = COMMAND.exec(body);
  if (!m)
    throw new ConfigError(
      path,
      `malformed %${body}% in header value: expected %NAME%, %NAME(arg)% or %NAME(arg):N%`,
    );
  // Groups 2 and 3 are optional: exec leaves them undefined when they did not take part.
  const name = m[1] ?? '';
  const arg: string | undefined = m[2];
  const len: string | undefined = m[3];
  const maxLen = len === undefined ? 0 : Number(len);
  if (name === 'HOSTNAME' && arg === undefined) return maxLen > 0 ? hostname().slice(0, maxLen) : hostname();
  const op = COMMANDS[name];
  if (op === undefined) {
    throw new ConfigError(
      path,
      `%${name}% is not supported in header values (supported: ${[...Object.keys(COMMANDS), 'HOSTNAME'].join(', ')})`,
      'unsupported',
    );
  }
  const takesHeader = op === Op.Req || op === Op.Resp;
  if (takesHeader !== (arg !== undefined)) {
    throw new ConfigError(
      path,
      takesHeader ? `%${name}(header)% needs a header name` : `%${name}% takes no argument`,
    );
  }
  const [header = '', alt = ''] = (arg ?? '').toLowerCase().split('?');
  if (takesHeader && header === '') throw new ConfigError(path, `%${name}(header)% needs a header name`);
  return { op, header, alt, maxLen };
}

function headerText(headers: HeaderRecord | undefined, c: HeaderFormatCommand): string {
  if (headers === undefined) return '';
  let v = headers[c.header];
  if (v === undefined && c.alt !== '') v = headers[c.alt];
  return v === undefined ? '' : typeof v === 'string' ? v : v.join(',');
}

function withPort(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined) return '';
  return ip.includes(':') ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`;
}

function evaluate(c: HeaderFormatCommand, ctx: HeaderFormatContext): string {
  switch (c.op) {
    case Op.RemoteAddress:
      return withPort(ctx.downstreamRemoteIp, ctx.downstreamRemotePort);
    case Op.RemoteIp:
      return ctx.downstreamRemoteIp ?? '';
    case Op.RemotePort:
      return ctx.downstreamRemotePort === undefined ? '' : String(ctx.downstreamRemotePort);
    case Op.LocalAddress:
      return withPort(ctx.downstreamLocalIp, ctx.downstreamLocalPort);
    case Op.LocalIp:
      return ctx.downstreamLocalIp ?? '';
    case Op.LocalPort:
      return ctx.downstreamLocalPort === undefined ? '' : String(ctx.downstreamLocalPort);
    case Op.Protocol:
      return ctx.protocol ?? '';
    case Op.UpstreamAddress:
      return ctx.upstreamRemoteAddress ?? '';
    case Op.Req:
      return headerText(ctx.requestHeaders, c);
    case Op.Resp:
      return headerText(ctx.responseHeaders, c);
    default:
      return '';
  }
}

const NO_CONTEXT: HeaderFormatContext = {};

/** Evaluates parsed parts for one request. */
export function formatHeaderValue(
  parts: readonly HeaderFormatPart[],
  ctx: HeaderFormatContext = NO_CONTEXT,
): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') out += p;
    else {
      const v = evaluate(p, ctx);
      out += p.maxLen > 0 && v.length > p.maxLen ? v.slice(0, p.maxLen) : v;
    }
  }
  return out;
}
