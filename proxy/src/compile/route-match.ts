// envoy.config.route.v3.RouteMatch → RouteMatcher. The path is compared in place (indexes into
// RequestView.path, the query and fragment excluded) so a non-regex match allocates nothing.
//
// Query strings are never parsed into a map. A route with query_parameters scans the raw query for
// just the names it needs, and only after its path and headers matched; routes without them never
// look at the query, so requests pay for query parsing only when a candidate route asks for it.

import type { QueryParameterMatcher as QueryParameterMatcherConfig, RouteMatch } from '../config/index.ts';
import {
  bool,
  ConfigError,
  compileRegexMatcher,
  joinPath,
  message,
  oneOf,
  repeated,
  str,
} from '../config/index.ts';
import {
  asciiLower,
  compileHeaderMatcher,
  compileStringMatcher,
  regionMatchesIgnoreCase,
  type StringMatcherTable,
} from './string-match.ts';
import type { HeaderMatcherTable, RequestView, RouteMatcher } from './types.ts';

const PATH_KINDS = [
  'prefix',
  'path',
  'safe_regex',
  'path_separated_prefix',
  'connect_matcher',
  'path_match_policy',
] as const;
export type PathKind = 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix';

export interface CompiledRouteMatch {
  readonly matcher: RouteMatcher;
  readonly kind: PathKind;
  /** The prefix / path value as configured (for prefix_rewrite). */
  readonly value?: string;
}

/** Index where the path part of a `:path` ends: its first `?` or `#`, else its length. */
export function pathEnd(path: string): number {
  const q = path.indexOf('?');
  if (q < 0) {
    const h = path.indexOf('#');
    return h < 0 ? path.length : h;
  }
  const h = path.lastIndexOf('#', q); // a '#' before the '?' ends the path first
  return h < 0 ? q : h;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Percent-decodes `s[a, b)` as Envoy does (only valid `%XX`; `+` stays), reading bytes as UTF-8. */
export function decodeQueryComponent(s: string, a: number, b: number): string {
  const pct = s.indexOf('%', a);
  if (pct < 0 || pct >= b) return s.slice(a, b);
  const bytes = Buffer.allocUnsafe(b - a);
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    const hi = c === 37 && i + 2 < b ? hexValue(s.charCodeAt(i + 1)) : -1;
    const lo = hi >= 0 ? hexValue(s.charCodeAt(i + 2)) : -1;
    if (lo >= 0) {
      bytes[n++] = hi * 16 + lo;
      i += 2;
    } else bytes[n++] = c & 0xff;
  }
  return bytes.toString('utf8', 0, n);
}

/** envoy.config.route.v3.QueryParameterMatcher; the first occurrence of the name decides, as in Envoy. */
export class QueryParameterMatcher {
  constructor(
    readonly name: string,
    /** null = present_match (or no specifier): the parameter only has to be there. */
    private readonly value: StringMatcherTable | null,
  ) {}

  /** Does the query string `s[start, stop)` satisfy this matcher? */
  matches(s: string, start: number, stop: number): boolean {
    for (let i = start; i < stop; ) {
      let amp = s.indexOf('&', i);
      if (amp < 0 || amp > stop) amp = stop;
      let eq = s.indexOf('=', i);
      if (eq < 0 || eq > amp) eq = amp;
      if (eq > i && this.keyIs(s, i, eq)) {
        return this.value === null || this.value.match(decodeQueryComponent(s, eq < amp ? eq + 1 : amp, amp));
      }
      i = amp + 1;
    }
    return false;
  }

  private keyIs(s: string, a: number, b: number): boolean {
    const pct = s.indexOf('%', a);
    if (pct < 0 || pct >= b) return b - a === this.name.length && s.startsWith(this.name, a);
    return decodeQueryComponent(s, a, b) === this.name;
  }
}

const KIND_PREFIX = 0;
const KIND_PATH = 1;
const KIND_REGEX = 2;
const KIND_SEPARATED = 3;
/** A prefix or path containing `?` or `#`: the path part of a request never contains them. */
const KIND_NEVER = 4;
const SLASH = 47;
const QUESTION = 63;
const HASH = 35;

function isGrpc(contentType: string | undefined): boolean {
  if (contentType === undefined || !contentType.startsWith('application/grpc')) return false;
  const next = contentType.charCodeAt(16);
  return contentType.length === 16 || next === 43 /* + */ || next === 59 /* ; */;
}

class RouteMatcherImpl implements RouteMatcher {
  constructor(
    private readonly kind: number,
    /** Lower-cased when !caseSensitive. */
    private readonly value: string,
    private readonly caseSensitive: boolean,
    private readonly regex: RegExp | null,
    private readonly headers: readonly HeaderMatcherTable[],
    private readonly query: readonly QueryParameterMatcher[],
    private readonly grpc: boolean,
  ) {}

  matches(req: RequestView): boolean {
    const path = req.path;
    if (!this.pathMatches(path)) return false;
    const headers = this.headers;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      if (!h.matches(req.header(h.name))) return false;
    }
    if (this.grpc && !isGrpc(req.header('content-type'))) return false;
    const query = this.query;
    if (query.length > 0) {
      const end = pathEnd(path);
      const start = path.charCodeAt(end) === QUESTION ? end + 1 : end;
      const hash = path.indexOf('#', start);
      const stop = hash < 0 ? path.length : hash;
      for (let i = 0; i < query.length; i++) if (!query[i]!.matches(path, start, stop)) return false;
    }
    return true;
  }

  /**
   * A configured value has no `?` or `#` (see compileRouteMatch), so if the path starts with it the
   * match lies within the path part; only the character after it decides where the path part ends.
   */
  private pathMatches(path: string): boolean {
    const len = this.value.length;
    switch (this.kind) {
      case KIND_PREFIX:
        return this.startsWith(path);
      case KIND_PATH: {
        if (!this.startsWith(path)) return false;
        const next = path.charCodeAt(len);
        return len === path.length || next === QUESTION || next === HASH;
      }
      case KIND_SEPARATED: {
        if (!this.startsWith(path)) return false;
        const next = path.charCodeAt(len);
        return len === path.length || next === SLASH || next === QUESTION || next === HASH;
      }
      case KIND_NEVER:
        return false;
      default: {
        const end = pathEnd(path);
        return this.regex!.test(end === path.length ? path : path.slice(0, end));
      }
    }
  }

  private startsWith(path: string): boolean {
    return this.caseSensitive ? path.startsWith(this.value) : regionMatchesIgnoreCase(path, 0, this.value);
  }
}

function compileQueryParameter(q: QueryParameterMatcherConfig, path: string): QueryParameterMatcher {
  const name = str(q.name, joinPath(path, 'name'));
  if (name === '') throw new ConfigError(joinPath(path, 'name'), 'a query parameter name is required');
  if (oneOf(q, ['string_match', 'present_match'], path) === 'string_match') {
    const at = joinPath(path, 'string_match');
    return new QueryParameterMatcher(name, compileStringMatcher(message(q.string_match, at), at));
  }
  return new QueryParameterMatcher(name, null);
}

export function compileRouteMatch(m: RouteMatch, path: string): CompiledRouteMatch {
  const kind = oneOf(m, PATH_KINDS, path);
  if (kind === undefined)
    throw new ConfigError(path, 'one of prefix, path, safe_regex or path_separated_prefix is required');
  const at = joinPath(path, kind);
  if (kind === 'connect_matcher' || kind === 'path_match_policy')
    throw new ConfigError(at, `${kind} is not supported`, 'unsupported');
  const caseSensitive = bool(m.case_sensitive, joinPath(path, 'case_sensitive'), true);
  const headersPath = joinPath(path, 'headers');
  const headers = repeated(m.headers, headersPath).map((h, i) =>
    compileHeaderMatcher(message(h, joinPath(headersPath, i)), joinPath(headersPath, i)),
  );
  const queryPath = joinPath(path, 'query_parameters');
  const query = repeated(m.query_parameters, queryPath).map((q, i) =>
    compileQueryParameter(message(q, joinPath(queryPath, i)), joinPath(queryPath, i)),
  );
  const grpc = m.grpc != null;
  if (kind === 'safe_regex') {
    // case_sensitive does not apply to safe_regex, as Envoy documents; use (?i) in the pattern.
    const regex = compileRegexMatcher(message(m.safe_regex, at), at);
    return { kind, matcher: new RouteMatcherImpl(KIND_REGEX, '', true, regex, headers, query, grpc) };
  }
  const value = str(m[kind], at);
  if (kind === 'path_separated_prefix' && !/^[^?#]+[^?#/]$/.test(value)) {
    throw new ConfigError(at, `must not contain "?" or "#" nor end with "/", got ${JSON.stringify(value)}`);
  }
  const never = /[?#]/.test(value);
  const code = never
    ? KIND_NEVER
    : kind === 'prefix'
      ? KIND_PREFIX
      : kind === 'path'
        ? KIND_PATH
        : KIND_SEPARATED;
  const compared = caseSensitive ? value : asciiLower(value);
  const matcher = new RouteMatcherImpl(code, compared, caseSensitive, null, headers, query, grpc);
  return { kind: kind as PathKind, value, matcher };
}
