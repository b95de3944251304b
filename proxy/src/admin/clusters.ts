// GET /clusters: Envoy's `cluster::host::stat::value` text form, or JSON with ?format=json.
import type { WeftProxy } from '../proxy.ts';

export function renderClusters(proxy: WeftProxy, json: boolean): string {
  const clusters = [...proxy.clusters.current.values()];
  if (json) {
    return JSON.stringify(
      {
        cluster_statuses: clusters.map((c) => ({
          name: c.name,
          protocol: c.table.protocol,
          connect_timeout_ms: c.table.connectTimeoutMs,
          stats: {
            rq_total: c.stats.rqTotal,
            rq_active: c.stats.rqActive,
            rq_retry: c.stats.rqRetry,
            rq_timeout: c.stats.rqTimeout,
            cx_connect_fail: c.stats.cxConnectFail,
          },
          host_statuses: c.endpoints.map((e) => ({
            address: e.id,
            weight: e.weight,
            health: 'HEALTHY',
            stats: {
              rq_total: e.stats.rqTotal,
              rq_active: e.stats.rqActive,
              rq_error: e.stats.rqError,
              rq_timeout: e.stats.rqTimeout,
              rq_success: e.stats.rqByClass[2] + e.stats.rqByClass[3],
              cx_connect_fail: e.stats.cxConnectFail,
              cx_active: e.pool.stats.connected,
            },
          })),
        })),
      },
      null,
      2,
    );
  }
  const lines: string[] = [];
  for (const c of clusters) {
    for (const e of c.endpoints) {
      const p = `${c.name}::${e.id}`;
      lines.push(
        `${p}::cx_active::${e.pool.stats.connected}`,
        `${p}::cx_connect_fail::${e.stats.cxConnectFail}`,
        `${p}::rq_active::${e.stats.rqActive}`,
        `${p}::rq_error::${e.stats.rqError}`,
        `${p}::rq_success::${e.stats.rqByClass[2] + e.stats.rqByClass[3]}`,
        `${p}::rq_timeout::${e.stats.rqTimeout}`,
        `${p}::rq_total::${e.stats.rqTotal}`,
        `${p}::weight::${e.weight}`,
        `${p}::health_flags::healthy`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
