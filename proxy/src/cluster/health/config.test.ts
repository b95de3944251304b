import t from 'tap';
import { expectConfigError } from '../../../../test/lib/expect-config-error.ts';
import {
  findMessageType,
  HEALTH_CHECK_SUPPORTED_ENUM_VALUES,
  HEALTH_CHECK_SUPPORTED_FIELDS,
} from '../../config/index.ts';
import { compileHealthChecks } from './config.ts';

const PATH = 'static_resources.clusters[0].health_checks';
const MINIMAL = {
  timeout: '1s',
  interval: '5s',
  healthy_threshold: 2,
  unhealthy_threshold: 3,
  http_health_check: { path: '/healthz' },
};

t.test('no entries → no health checking', async (t) => {
  t.equal(compileHealthChecks(undefined, PATH), undefined);
  t.equal(compileHealthChecks([], PATH), undefined);
});

t.test('the required fields, and Envoy defaults for the rest', async (t) => {
  t.same(compileHealthChecks([MINIMAL], PATH), {
    timeoutMs: 1000,
    intervalMs: 5000,
    initialJitterMs: 0,
    intervalJitterMs: 0,
    intervalJitterPercent: 0,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    unhealthyIntervalMs: 5000,
    unhealthyEdgeIntervalMs: 5000,
    healthyEdgeIntervalMs: 5000,
    noTrafficIntervalMs: 60_000,
    noTrafficHealthyIntervalMs: 60_000,
    reuseConnection: true,
    http: {
      path: '/healthz',
      host: undefined,
      method: 'GET',
      codec: 'HTTP1',
      expectedStatuses: [{ start: 200, end: 201 }],
      retriableStatuses: [],
      requestHeaders: [],
    },
  });
});

t.test('every supported field in its proto3-JSON form', async (t) => {
  const c = compileHealthChecks(
    [
      {
        timeout: '0.25s',
        interval: { seconds: 2 },
        initial_jitter: '0.5s',
        interval_jitter: '0.1s',
        interval_jitter_percent: 20,
        healthy_threshold: { value: 1 },
        unhealthy_threshold: '4',
        unhealthy_interval: '10s',
        healthy_edge_interval: '1s',
        no_traffic_interval: '30s',
        no_traffic_healthy_interval: '90s',
        reuse_connection: { value: false },
        http_health_check: {
          path: '/ready',
          host: 'health.internal',
          method: 'HEAD',
          codec_client_type: 'HTTP2',
          expected_statuses: [
            { start: '200', end: '300' },
            { start: 404, end: 405 },
          ],
          retriable_statuses: [{ start: 503, end: 504 }],
          request_headers_to_add: [{ header: { key: 'X-Probe', value: 'weft' } }],
        },
      },
    ],
    PATH,
  );
  t.match(c, {
    timeoutMs: 250,
    intervalMs: 2000,
    initialJitterMs: 500,
    intervalJitterMs: 100,
    intervalJitterPercent: 20,
    healthyThreshold: 1,
    unhealthyThreshold: 4,
    unhealthyIntervalMs: 10_000,
    // unhealthy_edge_interval defaults to unhealthy_interval, not interval
    unhealthyEdgeIntervalMs: 10_000,
    healthyEdgeIntervalMs: 1000,
    noTrafficIntervalMs: 30_000,
    noTrafficHealthyIntervalMs: 90_000,
    reuseConnection: false,
    http: {
      path: '/ready',
      host: 'health.internal',
      method: 'HEAD',
      codec: 'HTTP2',
      expectedStatuses: [
        { start: 200, end: 300 },
        { start: 404, end: 405 },
      ],
      retriableStatuses: [{ start: 503, end: 504 }],
      requestHeaders: [['x-probe', 'weft']],
    },
  });
});

t.test('enums by number, METHOD_UNSPECIFIED meaning GET', async (t) => {
  const c = compileHealthChecks(
    [{ ...MINIMAL, http_health_check: { path: '/', codec_client_type: 1, method: 0 } }],
    PATH,
  );
  t.equal(c?.http.codec, 'HTTP2');
  t.equal(c?.http.method, 'GET');
});

t.test('only one health check per cluster', async (t) => {
  expectConfigError(t, () => compileHealthChecks([MINIMAL, MINIMAL], PATH), {
    path: `${PATH}[1]`,
    kind: 'unsupported',
  });
});

t.test('other checker kinds and unimplemented fields are refused by name', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...MINIMAL, http_health_check: undefined, tcp_health_check: {} }, `${PATH}[0].tcp_health_check`],
    [{ ...MINIMAL, http_health_check: undefined, grpc_health_check: {} }, `${PATH}[0].grpc_health_check`],
    [
      { ...MINIMAL, http_health_check: undefined, custom_health_check: { name: 'x' } },
      `${PATH}[0].custom_health_check`,
    ],
    [{ ...MINIMAL, event_log_path: '/tmp/hc.log' }, `${PATH}[0].event_log_path`],
    [{ ...MINIMAL, alt_port: { value: 9000 } }, `${PATH}[0].alt_port`],
    [{ ...MINIMAL, tls_options: { alpn_protocols: ['h2'] } }, `${PATH}[0].tls_options`],
    [
      { ...MINIMAL, http_health_check: { path: '/', receive: [{ text: '4f4b' }] } },
      `${PATH}[0].http_health_check.receive`,
    ],
    [
      { ...MINIMAL, http_health_check: { path: '/', service_name_matcher: { exact: 'a' } } },
      `${PATH}[0].http_health_check.service_name_matcher`,
    ],
    [
      { ...MINIMAL, http_health_check: { path: '/', codec_client_type: 'HTTP3' } },
      `${PATH}[0].http_health_check.codec_client_type`,
    ],
    [
      {
        ...MINIMAL,
        http_health_check: {
          path: '/',
          request_headers_to_add: [
            { header: { key: 'a', value: 'b' }, append_action: 'OVERWRITE_IF_EXISTS' },
          ],
        },
      },
      `${PATH}[0].http_health_check.request_headers_to_add[0].append_action`,
    ],
    [
      {
        ...MINIMAL,
        http_health_check: {
          path: '/',
          request_headers_to_add: [{ header: { key: 'a', value: '%UPSTREAM_REMOTE_ADDRESS%' } }],
        },
      },
      `${PATH}[0].http_health_check.request_headers_to_add[0].header.value`,
    ],
  ];
  for (const [entry, path] of cases) {
    expectConfigError(t, () => compileHealthChecks([entry], PATH), { path, kind: 'unsupported' });
  }
});

t.test('a field left at its proto3 default is not "set"', async (t) => {
  const c = compileHealthChecks(
    [{ ...MINIMAL, always_log_health_check_failures: false, event_log_path: '', alt_port: null }],
    PATH,
  );
  t.equal(c?.intervalMs, 5000);
});

t.test('invalid values name their field', async (t) => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ ...MINIMAL, timeout: undefined }, `${PATH}[0].timeout`, /required/],
    [{ ...MINIMAL, interval: '0s' }, `${PATH}[0].interval`, /greater than 0s/],
    [{ ...MINIMAL, unhealthy_interval: '0s' }, `${PATH}[0].unhealthy_interval`, /greater than 0s/],
    [{ ...MINIMAL, healthy_threshold: undefined }, `${PATH}[0].healthy_threshold`, /required/],
    [{ ...MINIMAL, unhealthy_threshold: -1 }, `${PATH}[0].unhealthy_threshold`, /non-negative/],
    [{ ...MINIMAL, interval: 'soon' }, `${PATH}[0].interval`, /invalid duration/],
    [{ ...MINIMAL, http_health_check: undefined }, `${PATH}[0]`, /needs http_health_check/],
    [{ ...MINIMAL, http_health_check: { path: '' } }, `${PATH}[0].http_health_check.path`, /required/],
    [
      { ...MINIMAL, http_health_check: { path: '/', expected_statuses: [{ start: 300, end: 200 }] } },
      `${PATH}[0].http_health_check.expected_statuses[0]`,
      /start < end/,
    ],
    [
      { ...MINIMAL, http_health_check: { path: '/', expected_statuses: [{ start: 99, end: 200 }] } },
      `${PATH}[0].http_health_check.expected_statuses[0].start`,
      /at least 100/,
    ],
    [
      { ...MINIMAL, http_health_check: { path: '/', retriable_statuses: [{ start: 500, end: 601 }] } },
      `${PATH}[0].http_health_check.retriable_statuses[0].end`,
      /at most 600/,
    ],
    [
      { ...MINIMAL, http_health_check: { path: '/', method: 'CONNECT' } },
      `${PATH}[0].http_health_check.method`,
      /CONNECT/,
    ],
    [
      {
        ...MINIMAL,
        http_health_check: { path: '/', request_headers_to_add: [{ header: { key: 'Host', value: 'x' } }] },
      },
      `${PATH}[0].http_health_check.request_headers_to_add[0].header.key`,
      /http_health_check\.host/,
    ],
    [
      {
        ...MINIMAL,
        http_health_check: { path: '/', request_headers_to_add: [{ header: { key: ':path', value: 'x' } }] },
      },
      `${PATH}[0].http_health_check.request_headers_to_add[0].header.key`,
      /cannot be added/,
    ],
  ];
  for (const [entry, path, problem] of cases) {
    expectConfigError(t, () => compileHealthChecks([entry], PATH), { path, problem, kind: 'invalid' });
  }
});

t.test('the supported-fields table names full proto message names', async (t) => {
  t.ok(HEALTH_CHECK_SUPPORTED_FIELDS['envoy.config.core.v3.HealthCheck']?.includes('http_health_check'));
  t.ok(HEALTH_CHECK_SUPPORTED_FIELDS['envoy.config.core.v3.HealthCheck.HttpHealthCheck']?.includes('path'));
  t.same(HEALTH_CHECK_SUPPORTED_FIELDS['envoy.type.v3.Int64Range'], ['start', 'end']);
  t.notOk(HEALTH_CHECK_SUPPORTED_FIELDS['envoy.config.core.v3.HealthCheck']?.includes('tcp_health_check'));
});

t.test("every listed message and field exists in Envoy's protos", async (t) => {
  for (const [message, fields] of Object.entries(HEALTH_CHECK_SUPPORTED_FIELDS)) {
    const type = findMessageType(message);
    t.ok(type, message);
    for (const field of fields) t.ok(type?.fields[field], `${message}.${field}`);
  }
  for (const qualified of Object.keys(HEALTH_CHECK_SUPPORTED_ENUM_VALUES)) {
    const cut = qualified.lastIndexOf('.');
    t.ok(findMessageType(qualified.slice(0, cut))?.fields[qualified.slice(cut + 1)], qualified);
  }
});
