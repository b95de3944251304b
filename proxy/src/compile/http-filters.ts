// An HTTP connection manager's http_filters → the ordered list of filter configs the connection
// manager runs, in config order (Envoy's filter chain). The router is the terminal filter and must
// come last; a filter Weft does not implement is refused here, naming its index.
import {
  ConfigError,
  type HeaderMutationFilter,
  type HeaderMutationRule,
  type HttpFilter,
  joinPath,
  message,
  optionalUint,
  repeated,
  unpackAny,
} from '../config/index.ts';
import { compileFault } from './fault.ts';
import { compileHeaderMutation } from './headers.ts';
import type { HeaderMutation, HttpFilterTable } from './types.ts';

const ROUTER = 'envoy.extensions.filters.http.router.v3.Router';
const FAULT = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
const BUFFER = 'envoy.extensions.filters.http.buffer.v3.Buffer';
const CORS = 'envoy.extensions.filters.http.cors.v3.Cors';
const HEADER_MUTATION = 'envoy.extensions.filters.http.header_mutation.v3.HeaderMutation';

/** Compiles every filter before the router, checking that the router is last. */
export function compileHttpFilters(
  raw: readonly HttpFilter[] | undefined,
  path: string,
): readonly HttpFilterTable[] {
  const listPath = joinPath(path, 'http_filters');
  const filters = repeated(raw, listPath);
  if (filters.length === 0) throw new ConfigError(listPath, 'envoy.filters.http.router is required');
  const out: HttpFilterTable[] = [];
  filters.forEach((f, i) => {
    const at = joinPath(listPath, i);
    const typedPath = joinPath(at, 'typed_config');
    const typed = f.typed_config;
    const type = typed?.['@type'];
    const name = f.name ?? String(type ?? '');
    const isLast = i === filters.length - 1;
    if (unpackAny(typed, ROUTER) || (typed === undefined && f.name === 'envoy.filters.http.router')) {
      if (!isLast) throw new ConfigError(at, 'the router filter must be the last http filter');
      return;
    }
    if (isLast) throw new ConfigError(at, 'the last http filter must be envoy.filters.http.router');
    const fault = unpackAny(typed, FAULT);
    const buffer = unpackAny(typed, BUFFER);
    const headerMutation = unpackAny(typed, HEADER_MUTATION);
    if (fault) out.push({ kind: 'fault', name, fault: compileFault(fault, typedPath) });
    else if (unpackAny(typed, CORS)) out.push({ kind: 'cors', name });
    else if (buffer) {
      const max = optionalUint(buffer.max_request_bytes, joinPath(typedPath, 'max_request_bytes'), 0);
      out.push({ kind: 'buffer', name, maxRequestBytes: max ?? 0 });
    } else if (headerMutation) out.push(compileHeaderMutationFilter(name, headerMutation, typedPath));
    else throw new ConfigError(at, `http filter ${String(type ?? f.name)} is not supported`, 'unsupported');
  });
  return out;
}

/**
 * envoy.filters.http.header_mutation: request and response mutations, each a remove or an append
 * (a HeaderValueOption), applied one after another in config order.
 */
function compileHeaderMutationFilter(
  name: string,
  typed: HeaderMutationFilter,
  path: string,
): HttpFilterTable {
  const mutationsPath = joinPath(path, 'mutations');
  const mutations = message(typed.mutations, mutationsPath);
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

function compileMutationList(
  raw: readonly HeaderMutationRule[] | undefined,
  path: string,
): readonly HeaderMutation[] {
  return repeated(raw, path).map((m, i) => {
    const at = joinPath(path, i);
    if (m.remove !== undefined && m.append !== undefined) {
      throw new ConfigError(at, 'only one of remove or append may be set');
    }
    if (m.remove !== undefined) {
      return compileHeaderMutation(undefined, [m.remove], joinPath(at, 'append'), joinPath(at, 'remove'));
    }
    if (m.append !== undefined) {
      return compileHeaderMutation([m.append], undefined, joinPath(at, 'append'), joinPath(at, 'remove'));
    }
    throw new ConfigError(at, 'one of remove or append is required');
  });
}
