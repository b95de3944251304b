// RouteAction.hash_policy → the request hash RING_HASH and MAGLEV pick by (and the priority layer
// chooses a priority by). Each policy hashes one request property with xxHash64; as in Envoy, the
// running 64-bit hash is rotated left by one and XORed with each new one (so two identical
// policies do not cancel out), and a `terminal` policy ends the list once any hash exists.
//
// Cookie policies with a `ttl` generate the cookie when the request has none: the value comes from
// the connection's addresses and ports (Envoy documents this, so that concurrent HTTP/2 streams of
// one connection get the same cookie), the request is hashed on it, and the Set-Cookie to add to the
// response is handed to the caller. A ttl of 0 makes it a session cookie.

import {
  bool,
  ConfigError,
  compileRegexRewrite,
  joinPath,
  list,
  type Obj,
  obj,
  oneOf,
  optionalDurationMs,
  str,
} from '../../config/index.ts';
import { NO_HASH } from './types.ts';
import { hash53, hex64, xxHash64Into } from './xxhash64.ts';

/** What the hash policies read from a request; the router's RequestView fits. */
export interface HashableRequest {
  /** Lower-case name; repeated headers joined with ",". */
  header(name: string): string | undefined;
  /** Path with the query string. */
  readonly path: string;
}

/** The downstream connection as the route sees it; a net.Socket fits. `remoteAddress` is the
 * client address after trusted X-Forwarded-For processing, which is what source_ip hashes. */
export interface ConnectionAddresses {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/** Where generated cookies go: Set-Cookie values for the response, in policy order. */
export interface CookieSink {
  setCookies?: string[] | undefined;
}

export interface HashPolicy {
  /** The request's 53-bit hash (see PickContext.hash), or NO_HASH when no policy produced one. */
  hash(req: HashableRequest, conn: ConnectionAddresses, sink?: CookieSink): number;
}

// A method writes its 64-bit hash to `out` (high, low) and says whether it produced one.
abstract class Method {
  constructor(readonly terminal: boolean) {}
  abstract evaluate(
    req: HashableRequest,
    conn: ConnectionAddresses,
    sink: CookieSink | undefined,
    out: Uint32Array,
  ): boolean;
}

class HeaderMethod extends Method {
  constructor(
    terminal: boolean,
    private readonly name: string,
    private readonly rewrite: { pattern: RegExp; substitution: string } | undefined,
  ) {
    super(terminal);
  }

  evaluate(
    req: HashableRequest,
    _conn: ConnectionAddresses,
    _sink: CookieSink | undefined,
    out: Uint32Array,
  ): boolean {
    let value = req.header(this.name);
    if (value === undefined) return false;
    if (this.rewrite) value = value.replace(this.rewrite.pattern, this.rewrite.substitution);
    xxHash64Into(value, out);
    return true;
  }
}

const EQUALS = 61;
const QUOTE = 34;

function isCookieSeparator(c: number): boolean {
  // ';' between pairs; ',' where repeated Cookie headers (HTTP/2 sends one per pair) were joined.
  return c === 59 || c === 44 || c === 32 || c === 9;
}

class CookieMethod extends Method {
  private readonly prefix: string;

  constructor(
    terminal: boolean,
    private readonly name: string,
    /** undefined: never generate. Otherwise what follows `name="value"` in the Set-Cookie. */
    private readonly setCookieSuffix: string | undefined,
  ) {
    super(terminal);
    this.prefix = `${name}=`;
  }

  evaluate(
    req: HashableRequest,
    conn: ConnectionAddresses,
    sink: CookieSink | undefined,
    out: Uint32Array,
  ): boolean {
    const header = req.header('cookie');
    if (header !== undefined && this.hashCookie(header, out)) return true;
    if (this.setCookieSuffix === undefined) return false;
    const value = generatedCookieValue(conn);
    xxHash64Into(value, out);
    const setCookie = `${this.name}="${value}"${this.setCookieSuffix}`;
    if (sink) {
      if (sink.setCookies) sink.setCookies.push(setCookie);
      else sink.setCookies = [setCookie];
    }
    return true;
  }

  /** Finds the first `name=value` pair and hashes its value in place (no substring). */
  private hashCookie(header: string, out: Uint32Array): boolean {
    const n = header.length;
    let i = 0;
    while (i < n) {
      while (i < n && isCookieSeparator(header.charCodeAt(i))) i++;
      let end = i;
      while (end < n && header.charCodeAt(end) !== 59 && header.charCodeAt(end) !== 44) end++;
      if (header.startsWith(this.prefix, i)) {
        let start = i + this.prefix.length;
        let stop = end;
        while (stop > start && header.charCodeAt(stop - 1) === 32) stop--;
        if (
          stop - start >= 2 &&
          header.charCodeAt(start) === QUOTE &&
          header.charCodeAt(stop - 1) === QUOTE
        ) {
          start++;
          stop--;
        }
        xxHash64Into(header, out, 0, start, stop);
        return true;
      }
      i = end + 1;
    }
    return false;
  }
}

const cookieScratch = new Uint32Array(2);

/** Same connection (addresses and ports both ends) → same value; different connections differ. */
function generatedCookieValue(conn: ConnectionAddresses): string {
  const key = `${conn.remoteAddress ?? ''}:${conn.remotePort ?? ''}|${conn.localAddress ?? ''}:${conn.localPort ?? ''}`;
  xxHash64Into(key, cookieScratch);
  return hex64(cookieScratch[0]!, cookieScratch[1]!);
}

class SourceIpMethod extends Method {
  evaluate(
    _req: HashableRequest,
    conn: ConnectionAddresses,
    _sink: CookieSink | undefined,
    out: Uint32Array,
  ): boolean {
    const ip = conn.remoteAddress;
    if (!ip) return false;
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; hash the IPv4 form so that the
    // same client hashes the same whichever socket family accepted it.
    const start = ip.startsWith('::ffff:') && ip.includes('.', 7) ? 7 : 0;
    xxHash64Into(ip, out, 0, start, ip.length);
    return true;
  }
}

class QueryParameterMethod extends Method {
  constructor(
    terminal: boolean,
    private readonly name: string,
  ) {
    super(terminal);
  }

  /** The first `name` parameter's raw (not percent-decoded) value; `name` alone counts as empty. */
  evaluate(
    req: HashableRequest,
    _conn: ConnectionAddresses,
    _sink: CookieSink | undefined,
    out: Uint32Array,
  ): boolean {
    const path = req.path;
    const q = path.indexOf('?');
    if (q < 0) return false;
    let n = path.indexOf('#', q);
    if (n < 0) n = path.length;
    const nameLen = this.name.length;
    let i = q + 1;
    while (i < n) {
      let end = path.indexOf('&', i);
      if (end < 0 || end > n) end = n;
      if (path.startsWith(this.name, i)) {
        const after = i + nameLen;
        if (after === end) {
          xxHash64Into('', out);
          return true;
        }
        if (path.charCodeAt(after) === EQUALS) {
          xxHash64Into(path, out, 0, after + 1, end);
          return true;
        }
      }
      i = end + 1;
    }
    return false;
  }
}

class CompiledHashPolicy implements HashPolicy {
  private readonly out = new Uint32Array(2);

  constructor(private readonly methods: readonly Method[]) {}

  hash(req: HashableRequest, conn: ConnectionAddresses, sink?: CookieSink): number {
    const out = this.out;
    const methods = this.methods;
    let have = false;
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < methods.length; i++) {
      const m = methods[i]!;
      if (m.evaluate(req, conn, sink, out)) {
        if (have) {
          // 64-bit rotate left by one, then XOR in the new hash.
          const rotHi = (hi << 1) | (lo >>> 31);
          const rotLo = (lo << 1) | (hi >>> 31);
          hi = rotHi ^ out[0]!;
          lo = rotLo ^ out[1]!;
        } else {
          hi = out[0]!;
          lo = out[1]!;
          have = true;
        }
      }
      if (have && m.terminal) break;
    }
    return have ? hash53(hi >>> 0, lo >>> 0) : NO_HASH;
  }
}

const SPECIFIERS = ['header', 'cookie', 'connection_properties', 'query_parameter', 'filter_state'];
/** True when `s` has a control character, or a space when `noSpace`, or one of `also`. These
 * strings end up in a Set-Cookie header, so nothing may end a header or inject an attribute. */
function hasUnsafe(s: string, noSpace: boolean, also: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (noSpace && c === 0x20) || also.includes(s[i]!)) return true;
  }
  return false;
}

function cookieSuffix(cookie: Obj, path: string): string | undefined {
  const ttlMs = optionalDurationMs(cookie.ttl, joinPath(path, 'ttl'));
  if (ttlMs === undefined) return undefined;
  let suffix = '';
  // Envoy sends whole seconds; a ttl under one second is a session cookie, as 0 is.
  const maxAge = Math.floor(ttlMs / 1000);
  if (maxAge > 0) suffix += `; Max-Age=${maxAge}`;
  const cookiePath = str(cookie.path, joinPath(path, 'path'));
  if (hasUnsafe(cookiePath, false, ';'))
    throw new ConfigError(joinPath(path, 'path'), 'a cookie path must not contain ";" or control characters');
  if (cookiePath) suffix += `; Path=${cookiePath}`;
  const attrsPath = joinPath(path, 'attributes');
  list(cookie.attributes, attrsPath).forEach((raw, i) => {
    const at = joinPath(attrsPath, i);
    const a = obj(raw, at);
    const name = str(a.name, joinPath(at, 'name'));
    const value = str(a.value, joinPath(at, 'value'));
    if (!name || hasUnsafe(name, true, ';='))
      throw new ConfigError(joinPath(at, 'name'), `invalid cookie attribute name ${JSON.stringify(name)}`);
    if (hasUnsafe(value, false, ';'))
      throw new ConfigError(
        joinPath(at, 'value'),
        'a cookie attribute value must not contain ";" or control characters',
      );
    suffix += value ? `; ${name}=${value}` : `; ${name}`;
  });
  return `${suffix}; HttpOnly`;
}

function compileMethod(p: Obj, path: string): Method | undefined {
  const terminal = bool(p.terminal, joinPath(path, 'terminal'), false);
  const which = oneOf(p, SPECIFIERS, path);
  const at = joinPath(path, which ?? 'header');
  switch (which) {
    case 'header': {
      const h = obj(p.header, at);
      const name = str(h.header_name, joinPath(at, 'header_name')).toLowerCase();
      if (!name || hasUnsafe(name, true, ''))
        throw new ConfigError(joinPath(at, 'header_name'), `invalid header name ${JSON.stringify(name)}`);
      const rewrite =
        h.regex_rewrite === undefined || h.regex_rewrite === null
          ? undefined
          : compileRegexRewrite(
              obj(h.regex_rewrite, joinPath(at, 'regex_rewrite')),
              joinPath(at, 'regex_rewrite'),
            );
      return new HeaderMethod(terminal, name, rewrite);
    }
    case 'cookie': {
      const c = obj(p.cookie, at);
      const name = str(c.name, joinPath(at, 'name'));
      if (!name || hasUnsafe(name, true, ';,='))
        throw new ConfigError(joinPath(at, 'name'), `invalid cookie name ${JSON.stringify(name)}`);
      return new CookieMethod(terminal, name, cookieSuffix(c, at));
    }
    case 'connection_properties':
      // Envoy adds nothing for source_ip: false, and its `terminal` goes with it.
      return bool(obj(p.connection_properties, at).source_ip, joinPath(at, 'source_ip'), false)
        ? new SourceIpMethod(terminal)
        : undefined;
    case 'query_parameter': {
      const name = str(obj(p.query_parameter, at).name, joinPath(at, 'name'));
      if (!name) throw new ConfigError(joinPath(at, 'name'), 'a query parameter name must not be empty');
      return new QueryParameterMethod(terminal, name);
    }
    case 'filter_state':
      throw new ConfigError(at, 'filter_state hash policies are not supported', 'unsupported');
    default:
      throw new ConfigError(
        path,
        'a hash policy needs one of header, cookie, connection_properties or query_parameter',
      );
  }
}

/** RouteAction.hash_policy (a list) → a HashPolicy, or undefined when it hashes nothing. */
export function compileHashPolicy(value: unknown, path: string): HashPolicy | undefined {
  const methods: Method[] = [];
  list(value, path).forEach((raw, i) => {
    const at = joinPath(path, i);
    const m = compileMethod(obj(raw, at), at);
    if (m) methods.push(m);
  });
  return methods.length ? new CompiledHashPolicy(methods) : undefined;
}
