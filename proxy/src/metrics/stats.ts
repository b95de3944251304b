// Counters the hot path bumps with plain field increments; exposition happens only in the admin
// handler (metrics/prometheus.ts). One HttpStats per connection manager stat_prefix, kept across
// config versions so counters never reset on a push.
import { ALL_FLAG_CODES, forEachFlag } from '../http/response-flags.ts';

export interface HttpStats {
  readonly prefix: string;
  rqTotal: number;
  rqActive: number;
  cxTotal: number;
  cxActive: number;
  cxProtocolError: number;
  rqByClass: [number, number, number, number, number, number];
  rqHttp1: number;
  rqHttp2: number;
  upgrades: number;
  faultDelays: number;
  faultAborts: number;
  faultsActive: number;
  faultsOverflow: number;
  readonly flags: Map<string, number>;
}

export class StatsStore {
  private readonly http = new Map<string, HttpStats>();

  httpStats(prefix: string): HttpStats {
    let stats = this.http.get(prefix);
    if (!stats) {
      stats = {
        prefix,
        rqTotal: 0,
        rqActive: 0,
        cxTotal: 0,
        cxActive: 0,
        cxProtocolError: 0,
        rqByClass: [0, 0, 0, 0, 0, 0],
        rqHttp1: 0,
        rqHttp2: 0,
        upgrades: 0,
        faultDelays: 0,
        faultAborts: 0,
        faultsActive: 0,
        faultsOverflow: 0,
        flags: new Map(ALL_FLAG_CODES.map((code) => [code, 0])),
      };
      this.http.set(prefix, stats);
    }
    return stats;
  }

  get allHttp(): IterableIterator<HttpStats> {
    return this.http.values();
  }
}

export function countResponse(stats: HttpStats, status: number, flags: number): void {
  const cls = (status / 100) | 0;
  if (cls >= 1 && cls <= 5) stats.rqByClass[cls]!++;
  if (flags !== 0) forEachFlag(flags, (code) => stats.flags.set(code, (stats.flags.get(code) ?? 0) + 1));
}
