import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { loadBootstrapFile, loadBootstrapText } from './bootstrap.ts';
import { ConfigErrors } from './errors.ts';
import { jsonNameOf } from './names.ts';

const testdata = path.join(import.meta.dirname, 'testdata');
const realistic = path.join(testdata, 'bootstrap.yaml');
const minimalText = await readFile(path.join(testdata, 'minimal.yaml'), 'utf8');

/** The error lines a bootstrap text produces ([] when it loads). */
function problems(text: string, file = 'bootstrap.yaml'): string[] {
  try {
    loadBootstrapText(text, file);
    return [];
  } catch (error) {
    if (error instanceof ConfigErrors) return error.errors.map((e) => e.message);
    throw error;
  }
}

/** minimal.yaml with one exact text replaced; fails loudly if the text is not there. */
function minimalWith(from: string, to: string): string {
  if (!minimalText.includes(from)) throw new Error(`minimal.yaml has no ${JSON.stringify(from)}`);
  return minimalText.replace(from, to);
}

/** Every field name to its proto3 JSON name (camelCase); map keys and "@type" kept as they are. */
function camelCased(value: unknown, mapKeys = false): unknown {
  if (Array.isArray(value)) return value.map((item) => camelCased(item));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      const isMap = key === 'typed_per_filter_config' || key === 'typed_extension_protocol_options';
      const name = mapKeys || key === '@type' ? key : jsonNameOf(key);
      return [name, camelCased(item, isMap)];
    }),
  );
}

t.test('a realistic bootstrap loads and comes back snake_case normalized', async (t) => {
  const { file, bootstrap } = await loadBootstrapFile(realistic);
  t.equal(file, realistic);
  const resources = bootstrap.static_resources as {
    listeners: Array<Record<string, unknown>>;
    clusters: unknown[];
  };
  t.equal(resources.clusters.length, 2);
  const listener = resources.listeners[0]!;
  t.same(listener.address, { socket_address: { address: '0.0.0.0', port_value: 8080, protocol: 'TCP' } });
  const manager = (
    listener.filter_chains as Array<{ filters: Array<{ typed_config: Record<string, unknown> }> }>
  )[0]!.filters[0]!.typed_config;
  t.equal(
    manager['@type'],
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  );
  t.equal(manager.max_request_headers_kb, 96);
  t.same(manager.common_http_protocol_options, { idle_timeout: '3600s', max_requests_per_connection: 1000 });
  const cluster = resources.clusters[1] as Record<string, Record<string, unknown>>;
  t.same(Object.keys(cluster.typed_extension_protocol_options!), [
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  ]);
});

t.test('the same bootstrap written in camelCase JSON normalizes to the same value', async (t) => {
  const { bootstrap: fromYaml } = await loadBootstrapFile(realistic);
  const camel = camelCased(parse(await readFile(realistic, 'utf8')));
  const json = JSON.stringify(camel, null, 2);
  t.match(json, /"staticResources"/);
  t.match(json, /"perConnectionBufferLimitBytes"/);
  const { bootstrap: fromJson } = loadBootstrapText(json, 'bootstrap.json');
  t.same(fromJson, fromYaml);
});

t.test('a typo names the path, the line and the field meant', async (t) => {
  t.same(problems(minimalWith('match: { prefix: /b }', 'match: { prefx: /b }')), [
    'bootstrap.yaml:26: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].routes[0].match.prefx: unknown field "prefx" in envoy.config.route.v3.RouteMatch (did you mean "prefix"?)',
    'bootstrap.yaml:26: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].routes[0].match: one of "prefix", "path", "safe_regex", "connect_matcher", "path_separated_prefix" or "path_match_policy" is required (oneof path_specifier in envoy.config.route.v3.RouteMatch)',
  ]);
});

t.test('a field Weft does not implement is unsupported, with its path and line', async (t) => {
  t.same(
    problems(
      minimalWith(
        '      type: STATIC\n',
        '      type: STATIC\n      lb_policy: LOAD_BALANCING_POLICY_CONFIG\n',
      ),
    ),
    [
      'bootstrap.yaml:31: static_resources.clusters[0].lb_policy: envoy.config.cluster.v3.Cluster.lb_policy=LOAD_BALANCING_POLICY_CONFIG is valid Envoy configuration that Weft does not implement yet (it implements ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV, CLUSTER_PROVIDED)',
    ],
  );
  const tracing = minimalWith(
    '                stat_prefix: inbound\n',
    '                stat_prefix: inbound\n                tracing: {}\n',
  );
  const [problem, ...rest] = problems(tracing);
  t.same(rest, []);
  t.equal(
    problem,
    'bootstrap.yaml:12: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tracing: envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.tracing is valid Envoy configuration that Weft does not implement yet',
  );
});

t.test('per_filter_config was removed in v3: an unknown field, pointing at its replacement', async (t) => {
  const text = minimalWith(
    'route: { cluster: backend }',
    'route: { cluster: backend }\n                          per_filter_config: {}',
  );
  t.same(problems(text), [
    'bootstrap.yaml:23: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].per_filter_config: field "per_filter_config" was removed from envoy.config.route.v3.Route in Envoy\'s v3 API (did you mean "typed_per_filter_config"?)',
  ]);
});

t.test('camelCase keys map to lines too', async (t) => {
  const text = minimalWith('connect_timeout: 1s', 'connectTimeout: 1.5').replace(
    'port_value: 9080',
    'portValue: -1',
  );
  t.same(problems(text), [
    'bootstrap.yaml:31: static_resources.clusters[0].connect_timeout: expected a duration such as "1.5s" or {seconds: 1, nanos: 500000000}, got 1.5',
    'bootstrap.yaml:38: static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: uint32 must not be negative, got -1',
  ]);
});

t.test('invalid configuration is reported before unsupported configuration', async (t) => {
  const text = minimalWith(
    '      type: STATIC\n',
    '      type: STATIC\n      ignore_health_on_host_removal: true\n',
  ).replace('timeout: 2s', 'timeout: 2');
  t.same(problems(text), [
    'bootstrap.yaml:27: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].routes[0].route.timeout: expected a duration such as "1.5s" or {seconds: 1, nanos: 500000000}, got 2',
    'bootstrap.yaml:31: static_resources.clusters[0].ignore_health_on_host_removal: envoy.config.cluster.v3.Cluster.ignore_health_on_host_removal is valid Envoy configuration that Weft does not implement yet',
  ]);
});

t.test('a duplicate key is an error at its line', async (t) => {
  const text = minimalWith(
    '      connect_timeout: 1s\n',
    '      connect_timeout: 1s\n      connect_timeout: 2s\n',
  );
  t.same(problems(text), [
    'bootstrap.yaml:32: <document>: duplicate key "connect_timeout": a key may appear only once in a mapping',
  ]);
});

t.test('YAML syntax errors are ConfigErrors with a line', async (t) => {
  const [problem] = problems('static_resources:\n  clusters: [\n', 'broken.yaml');
  t.match(problem, /^broken\.yaml:3: <document>: not valid YAML or JSON: /);
  t.same(problems('', 'empty.yaml'), [
    'empty.yaml:1: <document>: the document is empty: expected an Envoy v3 Bootstrap (static_resources, admin, ...)',
  ]);
  t.same(problems('- 1\n', 'list.yaml'), [
    'list.yaml:1: <root>: expected an object (envoy.config.bootstrap.v3.Bootstrap), got a list',
  ]);
});

t.test('JSON input reports lines like YAML', async (t) => {
  const json = JSON.stringify(
    {
      admin: {
        address: { socketAddress: { address: '127.0.0.1', portValue: '15000' } },
        profilePath: '/tmp',
      },
    },
    null,
    2,
  );
  t.same(problems(json, 'bootstrap.json'), [
    'bootstrap.json:9: admin.profile_path: envoy.config.bootstrap.v3.Admin.profile_path is valid Envoy configuration that Weft does not implement yet',
  ]);
  t.same(problems('{"admin": {"address": {}}, "admin": {}}', 'dup.json'), [
    'dup.json:1: <document>: duplicate key "admin": a key may appear only once in a mapping',
  ]);
});

t.test('a missing file is a ConfigErrors naming the file', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'weft-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const missing = path.join(dir, 'nope.yaml');
  await t.rejects(loadBootstrapFile(missing), {
    name: 'ConfigErrors',
    message: `${missing}: <document>: cannot read the bootstrap file: no such file`,
  });
  const present = path.join(dir, 'ok.json');
  await writeFile(
    present,
    '{"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 15000}}}}',
  );
  t.same((await loadBootstrapFile(present)).bootstrap, {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
  });
});
