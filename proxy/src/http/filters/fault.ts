// envoy.filters.http.fault in the chain: delay, then maybe abort. The most specific fault config
// wins: the weighted cluster's, the route's (typed_per_filter_config), then the filter's own.
import type { FaultTable } from '../../compile/index.ts';
import { RF } from '../../metrics/index.ts';
import type { Stream } from '../stream/index.ts';
import { decideFault } from './fault-decision.ts';
import { CONTINUE, type FilterStatus, type HttpFilter, STOP } from './types.ts';

const ABORT_BODY = 'fault filter abort';

export class FaultFilter implements HttpFilter {
  constructor(
    readonly name: string,
    private readonly config: FaultTable,
  ) {}

  onRequest(s: Stream): FilterStatus | Promise<FilterStatus> {
    const fault = s.weighted?.faultOverride ?? s.route?.fault ?? this.config;
    const decision = decideFault(fault, s.info, s.clusterName, s.stats, s.random);
    const aborts = decision.abortStatus !== undefined || decision.grpcStatus !== undefined;
    if (decision.delayMs <= 0 && !aborts) return CONTINUE;
    s.holdFault();
    if (decision.delayMs > 0) {
      s.stats.faultDelays++;
      s.flags |= RF.DELAY_INJECTED;
      return s.wait(decision.delayMs).then((elapsed) => {
        if (!elapsed) return STOP;
        return aborts ? this.abort(s, decision.abortStatus, decision.grpcStatus) : CONTINUE;
      });
    }
    return this.abort(s, decision.abortStatus, decision.grpcStatus);
  }

  private abort(s: Stream, status: number | undefined, grpcStatus: number | undefined): FilterStatus {
    s.stats.faultAborts++;
    const reply = { status: status ?? 503, body: ABORT_BODY };
    s.reply(grpcStatus !== undefined ? { ...reply, grpcStatus } : reply, RF.FAULT_INJECTED);
    return STOP;
  }
}
