// envoy.filters.http.cors in the chain: a preflight is answered here (200 and the policy's headers,
// no body); an actual CORS request continues and its response gets the policy's headers.
import { decideCors } from '../cors/index.ts';
import type { Stream } from '../stream/index.ts';
import { CONTINUE, type FilterStatus, type HttpFilter, STOP } from './types.ts';

export class CorsFilter implements HttpFilter {
  constructor(readonly name: string) {}

  onRequest(s: Stream): FilterStatus {
    const policy = s.route?.cors;
    if (!policy) return CONTINUE;
    const decision = decideCors(policy, s.info, s.stats, s.random);
    if (!decision) return CONTINUE;
    if (decision.preflight) {
      s.status = 200;
      s.res.writeHead(200, { ...decision.preflight, 'content-length': 0 });
      s.res.end();
      return STOP;
    }
    s.addResponseMutation(decision.response);
    return CONTINUE;
  }
}
