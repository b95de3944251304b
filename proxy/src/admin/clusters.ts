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
          lb_policy: c.table.lb.policy,
          priority_load: c.priorityLoad,
          circuit_breakers: {
            max_connections: c.admission.limits.max('connections'),
            max_pending_requests: c.admission.limits.max('pending'),
            max_requests: c.admission.limits.max('requests'),
            max_retries: c.admission.limits.max('retries'),
            pending: c.admission.limits.pending,
            cx_overflow: c.admission.limits.cxOverflow,
            rq_pending_overflow: c.admission.limits.rqPendingOverflow,
            rq_retry_overflow: c.admission.limits.rqRetryOverflow,
          },
          outlier_detection: c.state.outlier ? c.state.outlier.stats : null,
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
            health: e.healthy ? 'HEALTHY' : 'UNHEALTHY',
            failed_outlier_check: e.ejected,
            failed_active_health_check: e.failedHealthCheck,
            priority: c.table.endpoints[c.endpoints.indexOf(e)]?.priority ?? 0,
            outlier: c.state.outlier?.hostState(e) ?? null,
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
    const limits = c.admission.limits;
    lines.push(
      `${c.name}::default_priority::max_connections::${limits.max('connections')}`,
      `${c.name}::default_priority::max_pending_requests::${limits.max('pending')}`,
      `${c.name}::default_priority::max_requests::${limits.max('requests')}`,
      `${c.name}::default_priority::max_retries::${limits.max('retries')}`,
    );
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
        `${p}::health_flags::${healthFlags(e)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Envoy's /clusters health_flags: `healthy`, or the failures joined with `|`. */
function healthFlags(e: { ejected: boolean; failedHealthCheck: boolean }): string {
  const flags: string[] = [];
  if (e.failedHealthCheck) flags.push('/failed_active_hc');
  if (e.ejected) flags.push('/failed_outlier_check');
  return flags.length === 0 ? 'healthy' : flags.join('|');
}
