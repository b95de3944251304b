// Listener.listener_filters → the listener filters Weft runs before choosing a filter chain:
//   original_dst   — the connection's destination becomes its original destination (SO_ORIGINAL_DST)
//   http_inspector — sniffs the first bytes and sets the application protocol (http/1.0, http/1.1, h2c)
//   tls_inspector  — accepted and treated as "not TLS": the transport protocol stays raw_buffer. A
//                    filter chain that requires another transport protocol is refused (filter-chain.ts),
//                    so a TLS connection can never be matched to a chain written for TLS.
// filter_disabled predicates (destination port ranges with and/or/not) are compiled to data.

import type { ListenerFilter, ListenerFilterChainMatchPredicate } from '../config/index.ts';
import { ConfigError, joinPath, objList, optionalObj } from '../config/index.ts';
import type { ListenerFilterPredicate, ListenerFilterTable } from './types.ts';

const TYPE_PREFIX = 'type.googleapis.com/envoy.extensions.filters.listener.';
const KIND_OF_TYPE: Readonly<Record<string, ListenerFilterTable['kind']>> = {
  [`${TYPE_PREFIX}original_dst.v3.OriginalDst`]: 'original_dst',
  [`${TYPE_PREFIX}http_inspector.v3.HttpInspector`]: 'http_inspector',
  [`${TYPE_PREFIX}tls_inspector.v3.TlsInspector`]: 'tls_inspector',
};

export function compileListenerFilters(
  value: readonly ListenerFilter[] | undefined,
  path: string,
): ListenerFilterTable[] {
  return objList(value).map((filter, i) => {
    const fPath = joinPath(path, i);
    const type = String(optionalObj(filter.typed_config)['@type'] ?? '');
    const kind = KIND_OF_TYPE[type];
    if (!kind) {
      throw new ConfigError(
        joinPath(fPath, 'typed_config'),
        `listener filter ${type || String(filter.name)} is not supported (Weft implements original_dst, http_inspector and tls_inspector)`,
        'unsupported',
      );
    }
    if (filter.filter_disabled === undefined) return { kind };
    return {
      kind,
      disabled: compilePredicate(optionalObj(filter.filter_disabled), joinPath(fPath, 'filter_disabled')),
    };
  });
}

function compilePredicate(p: ListenerFilterChainMatchPredicate, path: string): ListenerFilterPredicate {
  if (p.any_match === true) return { kind: 'any' };
  if (p.destination_port_range !== undefined) {
    const range = optionalObj(p.destination_port_range);
    // envoy.type.v3.Int32Range: start inclusive, end exclusive
    const start = Number(range.start ?? 0);
    const end = Number(range.end ?? 0);
    if (end < start)
      throw new ConfigError(joinPath(path, 'destination_port_range'), 'end must not be below start');
    return { kind: 'port', start, end };
  }
  if (p.not_match !== undefined)
    return { kind: 'not', rule: compilePredicate(optionalObj(p.not_match), joinPath(path, 'not_match')) };
  for (const kind of ['or', 'and'] as const) {
    const field = `${kind}_match` as const;
    if (p[field] === undefined) continue;
    const rulesPath = joinPath(path, `${field}.rules`);
    const rules = objList(optionalObj(p[field]).rules).map((rule, i) =>
      compilePredicate(rule, joinPath(rulesPath, i)),
    );
    return { kind, rules };
  }
  throw new ConfigError(
    path,
    'one of any_match, destination_port_range, not_match, or_match, and_match is required',
  );
}

/** Whether filter_disabled applies to a connection to `port`. */
export function predicateMatches(p: ListenerFilterPredicate, port: number): boolean {
  switch (p.kind) {
    case 'any':
      return true;
    case 'port':
      return port >= p.start && port < p.end;
    case 'not':
      return !predicateMatches(p.rule, port);
    case 'or':
      for (const rule of p.rules) if (predicateMatches(rule, port)) return true;
      return false;
    case 'and':
      for (const rule of p.rules) if (!predicateMatches(rule, port)) return false;
      return true;
  }
}
