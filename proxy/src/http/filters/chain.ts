// The configured http_filters → filter objects, built once per config version, in config order.
import type { HttpFilterTable } from '../../compile/index.ts';
import { BufferFilter } from './buffer.ts';
import { CorsFilter } from './cors.ts';
import { FaultFilter } from './fault.ts';
import { HeaderMutationFilter } from './header-mutation.ts';
import type { HttpFilter } from './types.ts';

export function buildFilterChain(tables: readonly HttpFilterTable[]): readonly HttpFilter[] {
  return tables.map(buildFilter);
}

function buildFilter(t: HttpFilterTable): HttpFilter {
  switch (t.kind) {
    case 'cors':
      return new CorsFilter(t.name);
    case 'fault':
      return new FaultFilter(t.name, t.fault);
    case 'buffer':
      return new BufferFilter(t.name, t.maxRequestBytes);
    case 'header_mutation':
      return new HeaderMutationFilter(t.name, t.request, t.response);
  }
}
