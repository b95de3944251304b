// VirtualService HTTPMatchRequest → Envoy RouteMatch. Each match of an http[] entry becomes its own
// Envoy route (Envoy has no OR inside a RouteMatch), in order, so first-match-wins carries over.
// Matches that can never apply to this proxy (another port, sourceLabels / sourceNamespace of other
// workloads, gateways without "mesh") are dropped at translation time, as Istio does.
import type { EnvoyObject, MatchRequest, ProxyIdentity, StringMatch } from './types.ts';
import { labelsMatch } from './values.ts';

export interface MatchScope {
  readonly proxy: ProxyIdentity;
  /** The listener port the route configuration is for. */
  readonly port: number;
}

/** Istio's StringMatch → Envoy's StringMatcher (exactly one of exact / prefix / regex is set). */
export function stringMatcher(m: StringMatch): EnvoyObject | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

/** A header (or pseudo-header) matcher; an empty StringMatch means "present", as in Istio. */
export function headerMatcher(name: string, m: StringMatch, invert = false): EnvoyObject {
  const sm = stringMatcher(m);
  return {
    name,
    ...(sm ? { string_match: sm } : { present_match: true }),
    ...(invert ? { invert_match: true } : {}),
  };
}

function pathOf(m: MatchRequest): EnvoyObject {
  const uri = m.uri;
  const caseInsensitive = m.ignoreUriCase ? { case_sensitive: { value: false } } : {};
  if (uri?.exact !== undefined) return { path: uri.exact, ...caseInsensitive };
  if (uri?.regex !== undefined) return { safe_regex: { regex: uri.regex } };
  return { prefix: uri?.prefix ?? '/', ...caseInsensitive };
}

function applies(m: MatchRequest, scope: MatchScope): boolean {
  if (m.port !== undefined && m.port !== scope.port) return false;
  if (m.sourceLabels && !labelsMatch(m.sourceLabels, scope.proxy.labels)) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== scope.proxy.namespace) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.includes('mesh')) return false;
  return true;
}

export interface TranslatedMatch {
  readonly match: EnvoyObject;
  /** The match's name, for the route name. */
  readonly name?: string;
  /** The method when the match pins it exactly (lets retries skip the method split). */
  readonly exactMethod?: string;
}

/** The Envoy matches of one http[] entry for this proxy and port; empty when none applies. */
export function translateMatches(
  matches: readonly MatchRequest[] | undefined,
  scope: MatchScope,
): TranslatedMatch[] {
  if (!matches || matches.length === 0) return [{ match: { prefix: '/' } }];
  return matches
    .filter((m) => applies(m, scope))
    .map((m) => {
      const headers: EnvoyObject[] = [];
      if (m.method) headers.push(headerMatcher(':method', m.method));
      if (m.authority) headers.push(headerMatcher(':authority', m.authority));
      if (m.scheme) headers.push(headerMatcher(':scheme', m.scheme));
      for (const [name, sm] of Object.entries(m.headers ?? {}))
        headers.push(headerMatcher(name.toLowerCase(), sm));
      for (const [name, sm] of Object.entries(m.withoutHeaders ?? {}))
        headers.push(headerMatcher(name.toLowerCase(), sm, true));
      const query = Object.entries(m.queryParams ?? {}).map(([name, sm]) => {
        const s = stringMatcher(sm);
        return { name, ...(s ? { string_match: s } : { present_match: true }) };
      });
      return {
        match: {
          ...pathOf(m),
          ...(headers.length > 0 ? { headers } : {}),
          ...(query.length > 0 ? { query_parameters: query } : {}),
        },
        ...(m.name ? { name: m.name } : {}),
        ...(m.method?.exact !== undefined ? { exactMethod: m.method.exact.toUpperCase() } : {}),
      };
    });
}
