import t from 'tap';
import { validateEnvoyMessage } from './schema.ts';

const ROUTE_MATCH = 'envoy.config.route.v3.RouteMatch';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTE = 'envoy.config.route.v3.Route';
const FILTER = 'envoy.config.listener.v3.Filter';

/** `path: problem` lines, the way errors read without a file. */
function problems(value: unknown, type: string, base = 'x'): string[] {
  return validateEnvoyMessage(value, type, base).errors.map((error) => error.message);
}

t.test('both spellings are accepted and normalized to snake_case', async (t) => {
  const { value, errors } = validateEnvoyMessage(
    { name: 'c', connectTimeout: '0.5s', lb_policy: 3, perConnectionBufferLimitBytes: '1024' },
    CLUSTER,
    '',
  );
  t.same(errors, []);
  t.same(value, {
    name: 'c',
    connect_timeout: '0.5s',
    lb_policy: 'RANDOM',
    per_connection_buffer_limit_bytes: 1024,
  });
  t.same(problems({ prefix: '/', case_sensitive: true, caseSensitive: false }, ROUTE_MATCH), [
    'x.case_sensitive: set twice, as "case_sensitive" and as "caseSensitive"',
  ]);
});

t.test('unknown fields are reported with the closest field name', async (t) => {
  t.same(problems({ prefix: '/', headrs: [] }, ROUTE_MATCH), [
    'x.headrs: unknown field "headrs" in envoy.config.route.v3.RouteMatch (did you mean "headers"?)',
  ]);
  t.same(problems({ prefix: '/', queryParameter: [] }, ROUTE_MATCH), [
    'x.queryParameter: unknown field "queryParameter" in envoy.config.route.v3.RouteMatch (did you mean "query_parameters"?)',
  ]);
  t.same(problems({ prefix: '/', zzz: 1 }, ROUTE_MATCH), [
    'x.zzz: unknown field "zzz" in envoy.config.route.v3.RouteMatch',
  ]);
  const [unknown] = validateEnvoyMessage({ prefix: '/', zzz: 1 }, ROUTE_MATCH, 'x').errors;
  t.equal(unknown?.kind, 'unknown-field');
});

t.test('types are checked field by field', async (t) => {
  t.same(
    problems(
      {
        name: 7,
        connect_timeout: '1s',
        load_assignment: 'backend',
        per_connection_buffer_limit_bytes: 1.5,
        respect_dns_ttl: 'yes',
        health_checks: {},
        lb_subset_config: { subset_selectors: [{ keys: 'a' }] },
      },
      CLUSTER,
    ),
    [
      'x.name: expected a string, got 7',
      'x.load_assignment: expected an object (envoy.config.endpoint.v3.ClusterLoadAssignment), got "backend"',
      'x.per_connection_buffer_limit_bytes: expected a uint32 (an integer), got 1.5',
      'x.respect_dns_ttl: expected true or false, got "yes"',
      'x.health_checks: expected a list, got an object',
      'x.lb_subset_config.subset_selectors[0].keys: expected a list, got "a"',
    ],
  );
  t.same(problems({ start: '9007199254740993', end: 'ten' }, 'envoy.type.v3.Int64Range'), [
    'x.end: expected an int64 (an integer), got "ten"',
  ]);
  t.same(
    validateEnvoyMessage({ start: '9007199254740993', end: '12' }, 'envoy.type.v3.Int64Range', '').value,
    {
      start: '9007199254740993',
      end: 12,
    },
  );
  t.same(problems({ inline_bytes: 'not base64!' }, 'envoy.config.core.v3.DataSource'), [
    'x.inline_bytes: expected base64-encoded bytes (a string), got "not base64!"',
  ]);
});

t.test('enums by name or number; an unknown name suggests the closest', async (t) => {
  t.same(problems({ name: 'c', connect_timeout: '1s', lb_policy: 'MAGLEVV' }, CLUSTER), [
    'x.lb_policy: invalid value "MAGLEVV" for enum envoy.config.cluster.v3.Cluster.LbPolicy (did you mean "MAGLEV"?); expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG',
  ]);
  t.same(problems({ name: 'c', connect_timeout: '1s', lb_policy: 42 }, CLUSTER), [
    'x.lb_policy: invalid value 42 for enum envoy.config.cluster.v3.Cluster.LbPolicy; expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG',
  ]);
});

t.test('durations, wrappers and other well-known types', async (t) => {
  const cluster = (extra: Record<string, unknown>) => ({ name: 'c', connect_timeout: '1s', ...extra });
  t.same(problems(cluster({ connect_timeout: '1m' }), CLUSTER), [
    'x.connect_timeout: expected a duration such as "1.5s" or {seconds: 1, nanos: 500000000}, got "1m"',
  ]);
  t.same(problems(cluster({ connect_timeout: { seconds: 1, nanos: 2e9 } }), CLUSTER), [
    'x.connect_timeout: duration nanos: int32 out of range (-999999999 to 999999999), got 2000000000',
  ]);
  t.same(
    validateEnvoyMessage(cluster({ connect_timeout: { seconds: '2' } }), CLUSTER, '').value.connect_timeout,
    {
      seconds: 2,
      nanos: 0,
    },
  );
  t.same(problems(cluster({ connect_timeout: '0s' }), CLUSTER), [
    'x.connect_timeout: must be > 0s, got "0s"',
  ]);
  t.same(problems(cluster({ per_connection_buffer_limit_bytes: { value: 5 } }), CLUSTER), [
    'x.per_connection_buffer_limit_bytes: expected a bare uint32 for google.protobuf.UInt32Value (write 5, not {value: 5})',
  ]);
  t.same(
    problems(cluster({ metadata: { filter_metadata: { 'istio.io': { a: [1, { b: null }] } } } }), CLUSTER),
    [],
  );
  t.same(problems(cluster({ metadata: { filter_metadata: { team: 'x' } } }), CLUSTER), [
    'x.metadata.filter_metadata.team: expected an object (Struct), got "x"',
  ]);
  t.same(problems({ prefix: '/', grpc: {} }, ROUTE_MATCH), []);
});

t.test('oneof members exclude each other; a required oneof must be set', async (t) => {
  t.same(problems({ prefix: '/a', path: '/b' }, ROUTE_MATCH), [
    'x.path: "prefix" and "path" are alternatives (oneof path_specifier in envoy.config.route.v3.RouteMatch): set only one of them',
  ]);
  t.same(problems({ match: { prefix: '/' } }, ROUTE), [
    'x: one of "route", "redirect", "direct_response", "filter_action" or "non_forwarding_action" is required (oneof action in envoy.config.route.v3.Route)',
  ]);
});

t.test('protoc-gen-validate rules: required, sizes, ranges, strings', async (t) => {
  t.same(problems({ name: 'v', domains: [], routes: [] }, 'envoy.config.route.v3.VirtualHost'), [
    'x.domains: must have at least 1 item, got 0',
  ]);
  t.same(problems({ name: 'v' }, 'envoy.config.route.v3.VirtualHost'), [
    'x.domains: required field is missing (must have at least 1 item)',
  ]);
  t.same(problems({}, 'envoy.config.endpoint.v3.LbEndpoint'), []);
  t.same(problems({ lb_endpoints: [{ endpoint: {} }] }, 'envoy.config.endpoint.v3.LocalityLbEndpoints'), []);
  t.same(problems({ status: 700 }, 'envoy.config.route.v3.DirectResponseAction'), [
    'x.status: must be >= 200 and < 600, got 700',
  ]);
  t.same(problems({ header: { key: '', value: 'v' } }, 'envoy.config.core.v3.HeaderValueOption'), [
    'x.header.key: must not be empty, got ""',
  ]);
  t.same(problems({}, 'envoy.config.core.v3.HeaderValueOption'), ['x.header: required field is missing']);
  t.same(
    problems(
      { route_config: {} },
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    ),
    ['x.stat_prefix: required field is missing (must not be empty)'],
  );
});

t.test('Any: @type selects the message, which is validated in place', async (t) => {
  const hcm =
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
  const { value, errors } = validateEnvoyMessage(
    { name: 'f', typedConfig: { '@type': hcm, statPrefix: 'in', routeConfig: { name: 'r' } } },
    FILTER,
    '',
  );
  t.same(errors, []);
  t.same(value, {
    name: 'f',
    typed_config: { '@type': hcm, stat_prefix: 'in', route_config: { name: 'r' } },
  });
  t.same(problems({ name: 'f', typed_config: { '@type': hcm, stat_prefix: 'in', routeConfg: {} } }, FILTER), [
    'x.typed_config.routeConfg: unknown field "routeConfg" in envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager (did you mean "route_config"?)',
    'x.typed_config: one of "rds", "route_config" or "scoped_routes" is required (oneof route_specifier in envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager)',
  ]);
  t.same(
    problems(
      {
        name: 'f',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFalt' },
      },
      FILTER,
    ),
    [
      'x.typed_config["@type"]: unknown @type "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFalt": no such message type in Envoy\'s API (did you mean "envoy.extensions.filters.http.fault.v3.HTTPFault"?)',
    ],
  );
  t.same(problems({ name: 'f', typed_config: { stat_prefix: 'in' } }, FILTER), [
    'x.typed_config: missing "@type": a google.protobuf.Any must name its type, e.g. "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"',
  ]);
  // A real Envoy type outside the preloaded set is loaded on demand and validated like any other.
  const cors = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
  t.same(problems({ name: 'f', typed_config: { '@type': cors } }, FILTER), []);
  t.same(
    problems(
      { name: 'f', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: 'soon' } },
      FILTER,
    ),
    [
      'x.typed_config.value: expected a duration such as "1.5s" or {seconds: 1, nanos: 500000000}, got "soon"',
    ],
  );
});

t.test('null means unset; a failed list element keeps later indexes in place', async (t) => {
  t.same(validateEnvoyMessage({ prefix: '/', headers: null }, ROUTE_MATCH, '').value, { prefix: '/' });
  const { value, errors } = validateEnvoyMessage(
    { prefix: '/', headers: ['x-a', { name: 'x-b', present_match: true }] },
    ROUTE_MATCH,
    '',
  );
  t.same(
    errors.map((e) => e.message),
    ['headers[0]: expected an object (envoy.config.route.v3.HeaderMatcher), got "x-a"'],
  );
  t.same(value.headers, [null, { name: 'x-b', present_match: true }]);
});
