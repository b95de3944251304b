// Prometheus text exposition (format 0.0.4) of the proxy's counters, with Envoy's metric names and
// labels so existing dashboards work. Built only when scraped.
import { type Cluster, RQ_TIME_BUCKETS_MS } from '../cluster/index.ts';
import type { HttpStats, ListenerStats, TcpStats } from './stats.ts';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

class Exposition {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();

  metric(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    if (this.declared.has(name)) return;
    this.declared.add(name);
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Record<string, string>, value: number): void {
    const l = Object.entries(labels)
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(',');
    this.lines.push(`${name}{${l}} ${value}`);
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export interface PrometheusSources {
  http: Iterable<HttpStats>;
  clusters: Iterable<Cluster>;
  tcp?: Iterable<TcpStats>;
  listeners?: Iterable<ListenerStats>;
}

const TCP_COUNTERS: ReadonlyArray<readonly [keyof TcpStats, string, string, 'counter' | 'gauge']> = [
  ['cxTotal', 'envoy_tcp_downstream_cx_total', 'Connections handled by tcp_proxy', 'counter'],
  ['cxActive', 'weft_tcp_downstream_cx_active', 'Connections being proxied', 'gauge'],
  ['cxNoRoute', 'envoy_tcp_downstream_cx_no_route', 'Connections whose cluster does not exist', 'counter'],
  ['rxBytes', 'envoy_tcp_downstream_cx_rx_bytes_total', 'Bytes received from downstream', 'counter'],
  ['txBytes', 'envoy_tcp_downstream_cx_tx_bytes_total', 'Bytes sent to downstream', 'counter'],
  ['idleTimeout', 'envoy_tcp_idle_timeout', 'Connections closed by idle_timeout', 'counter'],
  [
    'maxDurationReached',
    'envoy_tcp_max_downstream_connection_duration',
    'Connections closed by max_downstream_connection_duration',
    'counter',
  ],
  [
    'upstreamOverflow',
    'weft_tcp_upstream_cx_overflow',
    'Connections refused by max_connections (UO)',
    'counter',
  ],
  [
    'noHealthyUpstream',
    'weft_tcp_upstream_cx_none_healthy',
    'Connections with no host to go to (UH)',
    'counter',
  ],
  [
    'upstreamConnectFail',
    'weft_tcp_upstream_cx_connect_fail',
    'Connections whose every connect attempt failed (UF)',
    'counter',
  ],
];

const LISTENER_COUNTERS: ReadonlyArray<readonly [keyof ListenerStats, string, string, 'counter' | 'gauge']> =
  [
    ['cxTotal', 'envoy_listener_downstream_cx_total', 'Connections served', 'counter'],
    ['cxActive', 'envoy_listener_downstream_cx_active', 'Connections open', 'gauge'],
    [
      'noFilterChainMatch',
      'envoy_listener_no_filter_chain_match',
      'Connections no filter chain matched',
      'counter',
    ],
    [
      'handedOff',
      'weft_listener_downstream_cx_handed_off',
      'Connections handed to their original destination listener',
      'counter',
    ],
    [
      'filtersTimeout',
      'envoy_listener_downstream_pre_cx_timeout',
      'Listener filters that timed out',
      'counter',
    ],
  ];

export function renderPrometheus(src: PrometheusSources): string {
  const out = new Exposition();
  for (const s of src.http) {
    const base = { envoy_http_conn_manager_prefix: s.prefix };
    out.metric('envoy_http_downstream_rq_total', 'counter', 'Total downstream requests');
    out.sample('envoy_http_downstream_rq_total', base, s.rqTotal);
    out.metric('envoy_http_downstream_rq_active', 'gauge', 'Downstream requests in flight');
    out.sample('envoy_http_downstream_rq_active', base, s.rqActive);
    out.metric('envoy_http_downstream_rq_xx', 'counter', 'Downstream responses by status class');
    CLASSES.forEach((cls, i) => {
      out.sample(
        'envoy_http_downstream_rq_xx',
        { ...base, envoy_response_code_class: cls },
        s.rqByClass[i + 1]!,
      );
    });
    out.metric('envoy_http_downstream_rq_http1_total', 'counter', 'HTTP/1.1 requests');
    out.sample('envoy_http_downstream_rq_http1_total', base, s.rqHttp1);
    out.metric('envoy_http_downstream_rq_http2_total', 'counter', 'HTTP/2 requests');
    out.sample('envoy_http_downstream_rq_http2_total', base, s.rqHttp2);
    out.metric('envoy_http_downstream_cx_total', 'counter', 'Downstream connections');
    out.sample('envoy_http_downstream_cx_total', base, s.cxTotal);
    out.metric('envoy_http_downstream_cx_active', 'gauge', 'Open downstream connections');
    out.sample('envoy_http_downstream_cx_active', base, s.cxActive);
    out.metric('envoy_http_downstream_cx_protocol_error', 'counter', 'Connections closed for malformed HTTP');
    out.sample('envoy_http_downstream_cx_protocol_error', base, s.cxProtocolError);
    out.metric('envoy_http_downstream_cx_upgrades_total', 'counter', 'Upgraded connections (WebSocket)');
    out.sample('envoy_http_downstream_cx_upgrades_total', base, s.upgrades);
    out.metric('envoy_http_fault_delays_injected', 'counter', 'Requests delayed by the fault filter');
    out.sample('envoy_http_fault_delays_injected', base, s.faultDelays);
    out.metric('envoy_http_fault_aborts_injected', 'counter', 'Requests aborted by the fault filter');
    out.sample('envoy_http_fault_aborts_injected', base, s.faultAborts);
    out.metric('envoy_http_fault_active_faults', 'gauge', 'Faults in progress');
    out.sample('envoy_http_fault_active_faults', base, s.faultsActive);
    out.metric(
      'envoy_http_fault_faults_overflow',
      'counter',
      'Faults skipped because max_active_faults was reached',
    );
    out.sample('envoy_http_fault_faults_overflow', base, s.faultsOverflow);
    out.metric(
      'envoy_http_downstream_rq_timeout',
      'counter',
      'Requests not received whole within request_timeout',
    );
    out.sample('envoy_http_downstream_rq_timeout', base, s.rqTimeout);
    out.metric('weft_http_downstream_rq_internal_error', 'counter', 'Streams ended by an unexpected error');
    out.sample('weft_http_downstream_rq_internal_error', base, s.rqInternalError);
    out.metric('envoy_http_cors_origin_valid', 'counter', 'CORS requests whose origin the policy allows');
    out.sample('envoy_http_cors_origin_valid', base, s.corsOriginValid);
    out.metric(
      'envoy_http_cors_origin_invalid',
      'counter',
      'CORS requests whose origin the policy does not allow',
    );
    out.sample('envoy_http_cors_origin_invalid', base, s.corsOriginInvalid);
    out.metric(
      'envoy_http_downstream_rq_header_timeout',
      'counter',
      'Requests closed by request_headers_timeout',
    );
    out.sample('envoy_http_downstream_rq_header_timeout', base, s.rqHeaderTimeout);
    out.metric('envoy_http_downstream_rq_idle_timeout', 'counter', 'Requests closed by stream_idle_timeout');
    out.sample(
      'envoy_http_downstream_rq_idle_timeout',
      base,
      (s.flags.get('SI') ?? 0) + s.rqHeaderIdleTimeout,
    );
    out.metric('envoy_http_downstream_cx_idle_timeout', 'counter', 'Connections closed by idle_timeout');
    out.sample('envoy_http_downstream_cx_idle_timeout', base, s.cxIdleTimeout);
    out.metric(
      'weft_http_downstream_rq_headers_refused_total',
      'counter',
      'Requests refused with 431: max_request_headers_kb or max_headers_count',
    );
    out.sample('weft_http_downstream_rq_headers_refused_total', base, s.rqHeadersRefused);
    out.metric('weft_http_downstream_rq_response_flags_total', 'counter', 'Responses by Envoy response flag');
    for (const [flag, count] of s.flags) {
      out.sample('weft_http_downstream_rq_response_flags_total', { ...base, response_flag: flag }, count);
    }
  }
  for (const s of src.tcp ?? []) {
    for (const [field, metric, help, type] of TCP_COUNTERS) {
      out.metric(metric, type, help);
      out.sample(metric, { envoy_tcp_prefix: s.prefix }, s[field] as number);
    }
  }
  for (const s of src.listeners ?? []) {
    const labels = { envoy_listener_address: s.name, traffic_direction: s.direction };
    for (const [field, metric, help, type] of LISTENER_COUNTERS) {
      out.metric(metric, type, help);
      out.sample(metric, labels, s[field] as number);
    }
  }
  for (const cluster of src.clusters) {
    const s = cluster.stats;
    const base = { envoy_cluster_name: cluster.name };
    const limits = cluster.admission.limits;
    const healthy = cluster.endpoints.filter((e) => e.healthy).length;
    const connections = cluster.endpoints.reduce((n, e) => n + e.pool.stats.connected, 0);
    const counters: Array<[string, string, number, 'counter' | 'gauge']> = [
      ['envoy_cluster_upstream_rq_total', 'Upstream requests (attempts)', s.rqTotal, 'counter'],
      ['envoy_cluster_upstream_rq_active', 'Upstream requests in flight', s.rqActive, 'gauge'],
      ['envoy_cluster_upstream_rq_retry', 'Retries', s.rqRetry, 'counter'],
      [
        'envoy_cluster_upstream_rq_retry_success',
        'Requests that succeeded after a retry',
        s.rqRetrySuccess,
        'counter',
      ],
      [
        'envoy_cluster_upstream_rq_retry_limit_exceeded',
        'Requests whose retries ran out',
        s.rqRetryLimitExceeded,
        'counter',
      ],
      ['envoy_cluster_upstream_rq_timeout', 'Requests that hit the route timeout', s.rqTimeout, 'counter'],
      [
        'envoy_cluster_upstream_rq_per_try_timeout',
        'Attempts that hit the per-try timeout',
        s.rqPerTryTimeout,
        'counter',
      ],
      ['envoy_cluster_upstream_cx_connect_fail', 'Failed upstream connections', s.cxConnectFail, 'counter'],
      ['envoy_cluster_upstream_cx_active', 'Open upstream connections', connections, 'gauge'],
      ['envoy_cluster_membership_total', 'Endpoints in the cluster', cluster.endpoints.length, 'gauge'],
      [
        'envoy_cluster_membership_healthy',
        'Endpoints neither ejected nor failing health checks',
        healthy,
        'gauge',
      ],
      [
        'envoy_cluster_upstream_rq_pending_active',
        'Requests waiting for a connection',
        limits.pending,
        'gauge',
      ],
      [
        'envoy_cluster_upstream_cx_overflow',
        'Times max_connections was reached',
        limits.cxOverflow,
        'counter',
      ],
      [
        'envoy_cluster_upstream_rq_pending_overflow',
        'Requests refused by max_pending_requests or max_requests',
        limits.rqPendingOverflow,
        'counter',
      ],
      [
        'envoy_cluster_upstream_rq_retry_overflow',
        'Retries not attempted because of max_retries',
        limits.rqRetryOverflow,
        'counter',
      ],
      [
        'envoy_cluster_circuit_breakers_default_remaining_cx',
        'Connections left before max_connections',
        limits.max('connections') - limits.connections,
        'gauge',
      ],
      [
        'envoy_cluster_circuit_breakers_default_remaining_pending',
        'Pending requests left before max_pending_requests',
        limits.max('pending') - limits.pending,
        'gauge',
      ],
      [
        'envoy_cluster_circuit_breakers_default_remaining_rq',
        'Requests left before max_requests',
        limits.max('requests') - limits.requests,
        'gauge',
      ],
      [
        'envoy_cluster_circuit_breakers_default_remaining_retries',
        'Retries left before max_retries',
        limits.max('retries') - limits.retries,
        'gauge',
      ],
      [
        'envoy_cluster_circuit_breakers_default_cx_open',
        'max_connections reached (1)',
        limits.open('connections'),
        'gauge',
      ],
      [
        'envoy_cluster_circuit_breakers_default_rq_pending_open',
        'max_pending_requests reached (1)',
        limits.open('pending'),
        'gauge',
      ],
      [
        'envoy_cluster_circuit_breakers_default_rq_open',
        'max_requests reached (1)',
        limits.open('requests'),
        'gauge',
      ],
      [
        'envoy_cluster_circuit_breakers_default_rq_retry_open',
        'max_retries reached (1)',
        limits.open('retries'),
        'gauge',
      ],
    ];
    const outlier = cluster.state.outlier;
    if (outlier) {
      for (const [stat, value] of Object.entries(outlier.stats)) {
        counters.push([
          `envoy_cluster_outlier_detection_${stat}`,
          `Outlier detection: ${stat.replace(/_/g, ' ')}`,
          value,
          stat === 'ejections_active' ? 'gauge' : 'counter',
        ]);
      }
    }
    for (const [metric, help, value, type] of counters) {
      out.metric(metric, type, help);
      out.sample(metric, base, value);
    }
    out.metric('envoy_cluster_upstream_rq_xx', 'counter', 'Upstream responses by status class');
    CLASSES.forEach((cls, i) => {
      out.sample(
        'envoy_cluster_upstream_rq_xx',
        { ...base, envoy_response_code_class: cls },
        s.rqByClass[i + 1]!,
      );
    });
    out.metric('envoy_cluster_upstream_rq_time', 'histogram', 'Upstream request time in milliseconds');
    let cumulative = 0;
    RQ_TIME_BUCKETS_MS.forEach((le, i) => {
      cumulative += s.rqTimeBuckets[i]!;
      out.sample('envoy_cluster_upstream_rq_time_bucket', { ...base, le: String(le) }, cumulative);
    });
    cumulative += s.rqTimeBuckets[RQ_TIME_BUCKETS_MS.length]!;
    out.sample('envoy_cluster_upstream_rq_time_bucket', { ...base, le: '+Inf' }, cumulative);
    out.sample('envoy_cluster_upstream_rq_time_sum', base, Math.round(s.rqTimeSumMs * 1000) / 1000);
    out.sample('envoy_cluster_upstream_rq_time_count', base, s.rqTimeCount);
  }
  return out.toString();
}
