// envoy.filters.http.header_mutation in the chain: request mutations now (so the filters after it
// see them), response mutations when the response is relayed.
import type { HeaderMutation } from '../../compile/index.ts';
import type { Stream } from '../stream/index.ts';
import { CONTINUE, type FilterStatus, type HttpFilter } from './types.ts';

export class HeaderMutationFilter implements HttpFilter {
  constructor(
    readonly name: string,
    private readonly request: readonly HeaderMutation[],
    private readonly response: readonly HeaderMutation[],
  ) {}

  onRequest(s: Stream): FilterStatus {
    const headers = s.info.headers;
    for (const m of this.request) s.mutate(m, headers);
    for (const m of this.response) s.addResponseMutation(m);
    return CONTINUE;
  }
}
