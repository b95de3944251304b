// Envoy resources (as translation builds them: snake_case protobuf JSON) → the short tables of
// `weftctl proxy-config`, one row per listener, route, cluster or endpoint, as istioctl
// proxy-config prints them. Fields we do not know are skipped, never guessed.
import { formatTable } from './command.ts';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A wrapped number (`{value: 3}`) or a plain one. */
const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof obj(v).value === 'number' ? (obj(v).value as number) : undefined;

export function listenersTable(listeners: readonly Json[]): string {
  const rows = [['NAME', 'ADDRESS', 'PORT', 'ROUTE CONFIG']];
  for (const l of listeners) {
    const socket = obj(obj(l.address).socket_address);
    const routeConfigs = arr(l.filter_chains)
      .flatMap((chain) => arr(chain.filters))
      .map((f) => str(obj(obj(f.typed_config).rds).route_config_name))
      .filter((n): n is string => n !== undefined);
    rows.push([
      str(l.name) ?? '-',
      str(socket.address) ?? '-',
      String(socket.port_value ?? '-'),
      routeConfigs.join(',') || '-',
    ]);
  }
  return formatTable(rows);
}

export function routesTable(routeConfigs: readonly Json[]): string {
  const rows = [['ROUTE CONFIG', 'DOMAINS', 'MATCH', 'DESTINATION']];
  for (const config of routeConfigs) {
    for (const vh of arr(config.virtual_hosts)) {
      const domains = (Array.isArray(vh.domains) ? vh.domains : []).filter(
        (d): d is string => typeof d === 'string',
      );
      for (const route of arr(vh.routes)) {
        rows.push([
          str(config.name) ?? '-',
          shortDomains(domains),
          matchOf(obj(route.match)),
          destinationOf(route),
        ]);
      }
    }
  }
  return formatTable(rows);
}

export function clustersTable(clusters: readonly Json[], endpoints: readonly Json[]): string {
  const counts = new Map(endpoints.map((cla) => [str(cla.cluster_name), endpointsOf(cla).length]));
  const rows = [['NAME', 'TYPE', 'LB', 'ENDPOINTS']];
  for (const c of clusters) {
    const name = str(c.name) ?? '-';
    const type = str(c.type) ?? 'STATIC';
    const inline = endpointsOf(obj(c.load_assignment)).length;
    const count = type === 'EDS' ? counts.get(name) : inline;
    rows.push([name, type, str(c.lb_policy) ?? 'ROUND_ROBIN', count === undefined ? '-' : String(count)]);
  }
  return formatTable(rows);
}

export function endpointsTable(endpoints: readonly Json[]): string {
  const rows = [['ENDPOINT', 'CLUSTER']];
  for (const cla of endpoints) {
    for (const e of endpointsOf(cla)) {
      const socket = obj(obj(obj(e.endpoint).address).socket_address);
      rows.push([`${str(socket.address) ?? '?'}:${socket.port_value ?? '?'}`, str(cla.cluster_name) ?? '-']);
    }
  }
  return formatTable(rows);
}

function endpointsOf(cla: Json): Json[] {
  return arr(cla.endpoints).flatMap((locality) => arr(locality.lb_endpoints));
}

/** The shortest name (usually the one users type) and how many more there are. */
function shortDomains(domains: readonly string[]): string {
  if (domains.length === 0) return '-';
  const shortest = [...domains].sort((a, b) => a.length - b.length || a.localeCompare(b))[0]!;
  return domains.length > 1 ? `${shortest} +${domains.length - 1} more` : shortest;
}

export function matchOf(match: Json): string {
  const parts: string[] = [];
  if (str(match.path) !== undefined) parts.push(String(match.path));
  else if (str(match.prefix) !== undefined) parts.push(`${match.prefix}*`);
  else if (str(match.path_separated_prefix) !== undefined) parts.push(`${match.path_separated_prefix}/*`);
  else if (str(obj(match.safe_regex).regex) !== undefined) parts.push(`~${obj(match.safe_regex).regex}`);
  else parts.push('*');
  for (const h of arr(match.headers)) parts.push(condition(str(h.name) ?? '?', h));
  for (const q of arr(match.query_parameters)) parts.push(`?${condition(str(q.name) ?? '?', q)}`);
  return parts.join(' ');
}

/** `name=value`, `name^=prefix`, `name~regex`, `name` (present); `!` in front when inverted. */
function condition(name: string, m: Json): string {
  const sm = obj(m.string_match);
  const exact = str(sm.exact) ?? str(m.exact_match);
  const prefix = str(sm.prefix) ?? str(m.prefix_match);
  const regex = str(obj(sm.safe_regex).regex) ?? str(obj(m.safe_regex_match).regex);
  const test =
    exact !== undefined
      ? `${name}=${exact}`
      : prefix !== undefined
        ? `${name}^=${prefix}`
        : regex !== undefined
          ? `${name}~${regex}`
          : name;
  return m.invert_match === true ? `!${test}` : test;
}

export function destinationOf(route: Json): string {
  const action = obj(route.route);
  if (str(action.cluster) !== undefined) return String(action.cluster);
  const weighted = arr(obj(action.weighted_clusters).clusters);
  if (weighted.length > 0) {
    const total = weighted.reduce((sum, c) => sum + (num(c.weight) ?? 0), 0);
    return weighted
      .map((c) => `${str(c.name)} ${total > 0 ? Math.round(((num(c.weight) ?? 0) * 1000) / total) / 10 : 0}%`)
      .join(', ');
  }
  if (route.redirect) {
    const r = obj(route.redirect);
    const to = [str(r.scheme_redirect), str(r.host_redirect), str(r.path_redirect)].filter(Boolean).join(' ');
    return `redirect${to ? ` ${to}` : ''}`;
  }
  if (route.direct_response) return `direct response ${num(obj(route.direct_response).status) ?? ''}`.trim();
  return '-';
}
