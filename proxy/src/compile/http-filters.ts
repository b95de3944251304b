// An HTTP connection manager's http_filters → the ordered list of filter configs the connection
// manager runs, in config order (Envoy's filter chain). The router is the terminal filter and must
// come last; a filter Weft does not implement is refused here, naming its index.
import { ConfigError, joinPath, list, type Obj, obj, optionalUint, str } from '../config/index.ts';
import { compileFault } from './fault.ts';
import { compileHeaderMutation } from './headers.ts';
import type { HeaderMutation, HttpFilterTable } from './types.ts';

const TYPE_PREFIX = 'type.googleapis.com/';
export const ROUTER_TYPE_URL = `${TYPE_PREFIX}envoy.extensions.filters.http.router.v3.Router`;
const FAULT = `${TYPE_PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`;
const BUFFER = `${TYPE_PREFIX}envoy.extensions.filters.http.buffer.v3.Buffer`;
const CORS = `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.Cors`;
const HEADER_MUTATION = `${TYPE_PREFIX}envoy.extensions.filters.http.header_mutation.v3.HeaderMutation`;

/** Compiles every filter before the router, checking that the router is last. */
export function compileHttpFilters(raw: unknown, path: string): readonly HttpFilterTable[] {
  const listPath = joinPath(path, 'http_filters');
  const filters = list(raw, listPath);
  if (filters.length === 0) throw new ConfigError(listPath, 'envoy.filters.http.router is required');
  const out: HttpFilterTable[] = [];
  filters.forEach((rawFilter, i) => {
    const at = joinPath(listPath, i);
    const f = obj(rawFilter, at);
    const typedPath = joinPath(at, 'typed_config');
    const typed = f.typed_config === undefined ? {} : obj(f.typed_config, typedPath);
    const type = typed['@type'];
    const name = typeof f.name === 'string' ? f.name : String(type ?? '');
    const isLast = i === filters.length - 1;
    if (type === ROUTER_TYPE_URL || (type === undefined && f.name === 'envoy.filters.http.router')) {
      if (!isLast) throw new ConfigError(at, 'the router filter must be the last http filter');
      return;
    }
    if (isLast) throw new ConfigError(at, 'the last http filter must be envoy.filters.http.router');
    if (type === FAULT) out.push({ kind: 'fault', name, fault: compileFault(typed, typedPath) });
    else if (type === CORS) out.push({ kind: 'cors', name });
    else if (type === BUFFER) {
      const max = optionalUint(typed.max_request_bytes, joinPath(typedPath, 'max_request_bytes'), 0);
      out.push({ kind: 'buffer', name, maxRequestBytes: max ?? 0 });
    } else if (type === HEADER_MUTATION) out.push(compileHeaderMutationFilter(name, typed, typedPath));
    else throw new ConfigError(at, `http filter ${String(type ?? f.name)} is not supported`, 'unsupported');
  });
  return out;
}

/**
 * envoy.filters.http.header_mutation: request and response mutations, each a remove or an append
 * (a HeaderValueOption), applied one after another in config order.
 */
function compileHeaderMutationFilter(name: string, typed: Obj, path: string): HttpFilterTable {
  const mutationsPath = joinPath(path, 'mutations');
  const mutations = typed.mutations === undefined ? {} : obj(typed.mutations, mutationsPath);
  return {
    kind: 'header_mutation',
    name,
    request: compileMutationList(mutations.request_mutations, joinPath(mutationsPath, 'request_mutations')),
    response: compileMutationList(
      mutations.response_mutations,
      joinPath(mutationsPath, 'response_mutations'),
    ),
  };
}

function compileMutationList(raw: unknown, path: string): readonly HeaderMutation[] {
  return list(raw, path).map((item, i) => {
    const at = joinPath(path, i);
    const m = obj(item, at);
    if (m.remove !== undefined && m.append !== undefined) {
      throw new ConfigError(at, 'only one of remove or append may be set');
    }
    if (m.remove !== undefined) {
      str(m.remove, joinPath(at, 'remove'));
      return compileHeaderMutation(undefined, [m.remove], joinPath(at, 'append'), joinPath(at, 'remove'));
    }
    if (m.append !== undefined) {
      return compileHeaderMutation([m.append], undefined, joinPath(at, 'append'), joinPath(at, 'remove'));
    }
    throw new ConfigError(at, 'one of remove or append is required');
  });
}
