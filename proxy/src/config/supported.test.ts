import protobuf from 'protobufjs';
import t from 'tap';
import { findMessageType } from './proto-root.ts';
import { validateEnvoyMessage } from './schema.ts';
import {
  checkSupported,
  DESCRIPTIVE_FIELDS_OF,
  SUPPORTED_ANY_TYPES,
  SUPPORTED_ENUM_VALUES,
  SUPPORTED_FIELDS,
} from './supported.ts';

const LISTENER = 'envoy.config.listener.v3.Listener';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const url = (name: string) => `type.googleapis.com/${name}`;
const ROUTER = {
  name: 'router',
  typed_config: { '@type': url('envoy.extensions.filters.http.router.v3.Router') },
};

/** Validates (which must pass), then returns what Weft does not implement, as `path: problem` lines. */
function unsupported(value: unknown, type: string): string[] {
  const validated = validateEnvoyMessage(value, type, 'x');
  if (validated.errors.length > 0) throw new Error(validated.errors.map((e) => e.message).join('\n'));
  return checkSupported(validated.value, type, 'x').map((error) => `${error.kind} ${error.message}`);
}

function manager(extra: Record<string, unknown>): Record<string, unknown> {
  return { stat_prefix: 'in', route_config: {}, http_filters: [ROUTER], ...extra };
}

t.test('the tables name only messages, fields, values and types that exist in the schema', async (t) => {
  const fieldOf = (qualified: string) => {
    const dot = qualified.lastIndexOf('.');
    return findMessageType(qualified.slice(0, dot))?.fields[qualified.slice(dot + 1)];
  };
  for (const [message, fields] of Object.entries({ ...SUPPORTED_FIELDS, ...DESCRIPTIVE_FIELDS_OF })) {
    const type = findMessageType(message);
    t.ok(type, message);
    for (const field of fields) t.ok(type?.fields[field], `${message}.${field}`);
  }
  for (const [qualified, values] of Object.entries(SUPPORTED_ENUM_VALUES)) {
    const enumType = fieldOf(qualified)?.resolvedType;
    t.ok(enumType instanceof protobuf.Enum, qualified);
    for (const value of values)
      t.ok(enumType instanceof protobuf.Enum && value in enumType.values, `${qualified}=${value}`);
  }
  for (const [qualified, types] of Object.entries(SUPPORTED_ANY_TYPES)) {
    t.equal(fieldOf(qualified)?.resolvedType?.fullName, '.google.protobuf.Any', qualified);
    for (const type of types) t.ok(findMessageType(type), type);
  }
});

t.test('set fields outside the table are unsupported; default values are not "set"', async (t) => {
  const base = { name: 'c', connect_timeout: '1s' };
  t.same(
    unsupported({ ...base, respect_dns_ttl: false, dns_lookup_family: 'AUTO', health_checks: [] }, CLUSTER),
    [],
  );
  t.same(unsupported({ ...base, upstream_connection_options: {} }, CLUSTER), [
    'unsupported x.upstream_connection_options: envoy.config.cluster.v3.Cluster.upstream_connection_options is valid Envoy configuration that Weft does not implement yet',
  ]);
  t.same(
    unsupported(
      { socket_address: { address: '::', port_value: 53, protocol: 'UDP' } },
      'envoy.config.core.v3.Address',
    ),
    [
      'unsupported x.socket_address.protocol: envoy.config.core.v3.SocketAddress.protocol=UDP is valid Envoy configuration that Weft does not implement yet (it implements TCP)',
    ],
  );
  t.same(unsupported(manager({ codec_type: 'HTTP3' }), HCM_TYPE), [
    'unsupported x.codec_type: envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.codec_type=HTTP3 is valid Envoy configuration that Weft does not implement yet (it implements AUTO, HTTP1, HTTP2)',
  ]);
});

t.test('descriptive fields are accepted with everything under them', async (t) => {
  const bootstrap = {
    node: { id: 'n', cluster: 'c', metadata: { a: 1 }, locality: { zone: 'z' }, user_agent_name: 'weft' },
    static_resources: {
      clusters: [
        {
          name: 'c',
          connect_timeout: '1s',
          alt_stat_name: 'c_stats',
          metadata: { filter_metadata: { istio: { canary: true } } },
          load_assignment: {
            cluster_name: 'c',
            endpoints: [
              {
                locality: { region: 'r', zone: 'z', sub_zone: 's' },
                lb_endpoints: [
                  {
                    endpoint: {
                      hostname: 'h',
                      address: { socket_address: { address: '10.0.0.1', port_value: 1 } },
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  };
  t.same(unsupported(bootstrap, 'envoy.config.bootstrap.v3.Bootstrap'), []);
});

t.test('Any-typed fields accept only the types Weft implements there', async (t) => {
  const grpcWeb = {
    name: 'grpc_web',
    typed_config: { '@type': url('envoy.extensions.filters.http.grpc_web.v3.GrpcWeb') },
  };
  t.same(unsupported(manager({ http_filters: [grpcWeb, ROUTER] }), HCM_TYPE), [
    'unsupported x.http_filters[0].typed_config: @type envoy.extensions.filters.http.grpc_web.v3.GrpcWeb in envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.typed_config is valid Envoy configuration that Weft does not implement yet (it implements envoy.extensions.filters.http.fault.v3.HTTPFault, envoy.extensions.filters.http.router.v3.Router, envoy.extensions.filters.http.buffer.v3.Buffer, envoy.extensions.filters.http.cors.v3.Cors)',
  ]);
  t.same(unsupported(manager({ http_filters: [{ ...grpcWeb, is_optional: true }, ROUTER] }), HCM_TYPE), []);
  const fileLog = {
    '@type': url('envoy.extensions.access_loggers.file.v3.FileAccessLog'),
    path: '/dev/stdout',
  };
  t.same(
    unsupported(
      manager({
        access_log: [
          {
            name: 'file',
            typed_config: {
              ...fileLog,
              log_format: { text_format_source: { inline_string: '%START_TIME%' } },
            },
          },
        ],
      }),
      HCM_TYPE,
    ),
    [
      'unsupported x.access_log[0].typed_config.log_format: envoy.extensions.access_loggers.file.v3.FileAccessLog.log_format is valid Envoy configuration that Weft does not implement yet',
    ],
  );
  const echo = {
    name: 'echo',
    typed_config: { '@type': url('envoy.extensions.filters.network.echo.v3.Echo') },
  };
  t.same(unsupported({ name: 'l', filter_chains: [{ filters: [echo] }] }, LISTENER), [
    'unsupported x.filter_chains[0].filters[0].typed_config: @type envoy.extensions.filters.network.echo.v3.Echo in envoy.config.listener.v3.Filter.typed_config is valid Envoy configuration that Weft does not implement yet (it implements envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy)',
  ]);
  const options = {
    '@type': url('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
    explicit_http_config: { http_protocol_options: {} },
  };
  t.same(
    unsupported(
      {
        name: 'c',
        connect_timeout: '1s',
        typed_extension_protocol_options: { 'envoy.upstreams.http': options },
      },
      CLUSTER,
    ),
    [
      'unsupported x.typed_extension_protocol_options["envoy.upstreams.http"]: key "envoy.upstreams.http" of envoy.config.cluster.v3.Cluster.typed_extension_protocol_options is not one Weft implements (it implements envoy.extensions.upstreams.http.v3.HttpProtocolOptions)',
    ],
  );
  const route = {
    match: { prefix: '/' },
    route: { cluster: 'c' },
    typed_per_filter_config: { 'envoy.filters.http.router': ROUTER.typed_config },
  };
  t.same(unsupported(route, 'envoy.config.route.v3.Route'), [
    'unsupported x.typed_per_filter_config["envoy.filters.http.router"]: @type envoy.extensions.filters.http.router.v3.Router in envoy.config.route.v3.Route.typed_per_filter_config is valid Envoy configuration that Weft does not implement yet (it implements envoy.extensions.filters.http.fault.v3.HTTPFault, envoy.extensions.filters.http.cors.v3.CorsPolicy)',
  ]);
});

t.test(
  'interception listeners: chains with matches, listener filters, tcp_proxy, ORIGINAL_DST',
  async (t) => {
    const chain = { filters: [{ name: 'hcm', typed_config: { '@type': url(HCM_TYPE), ...manager({}) } }] };
    const tcp = (extra: Record<string, unknown> = {}) => ({
      filters: [
        {
          name: 'envoy.filters.network.tcp_proxy',
          typed_config: {
            '@type': url('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'),
            stat_prefix: 't',
            cluster: 'c',
            ...extra,
          },
        },
      ],
    });
    const filter = (name: string, type: string) => ({ name, typed_config: { '@type': url(type) } });
    const virtual = {
      name: 'virtualOutbound',
      use_original_dst: true,
      traffic_direction: 'OUTBOUND',
      listener_filters: [
        filter(
          'envoy.filters.listener.original_dst',
          'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
        ),
        {
          ...filter(
            'envoy.filters.listener.http_inspector',
            'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
          ),
          filter_disabled: { destination_port_range: { start: 3306, end: 3307 } },
        },
      ],
      listener_filters_timeout: '0.1s',
      continue_on_listener_filters_timeout: true,
      filter_chains: [
        {
          ...chain,
          filter_chain_match: {
            destination_port: 80,
            prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }],
            application_protocols: ['http/1.1', 'h2c'],
            transport_protocol: 'raw_buffer',
            source_type: 'EXTERNAL',
            source_prefix_ranges: [{ address_prefix: '10.1.0.0', prefix_len: 16 }],
            source_ports: [1234],
          },
        },
        {
          ...tcp({ idle_timeout: '1s', max_connect_attempts: 2 }),
          filter_chain_match: { destination_port: 80 },
        },
      ],
      default_filter_chain: tcp(),
    };
    t.same(unsupported(virtual, LISTENER), []);
    t.same(unsupported({ name: 'l', bind_to_port: false, filter_chains: [chain] }, LISTENER), []);
    t.same(unsupported({ name: 'l', filter_chains: [] }, LISTENER), [
      'invalid x.filter_chains: a listener needs filter_chains or a default_filter_chain',
    ]);
    t.same(
      unsupported(
        { name: 'l', filter_chains: [{ ...chain, filter_chain_match: { server_names: ['a.example'] } }] },
        LISTENER,
      ),
      [
        'unsupported x.filter_chains[0].filter_chain_match.server_names: envoy.config.listener.v3.FilterChainMatch.server_names is valid Envoy configuration that Weft does not implement yet',
      ],
    );
    t.same(
      unsupported({ name: 'l', filter_chains: [tcp({ tunneling_config: { hostname: 'h' } })] }, LISTENER),
      [
        'unsupported x.filter_chains[0].filters[0].typed_config.tunneling_config: envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.tunneling_config is valid Envoy configuration that Weft does not implement yet',
      ],
    );
    const proxyProtocol = filter(
      'envoy.filters.listener.proxy_protocol',
      'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
    );
    t.same(unsupported({ name: 'l', listener_filters: [proxyProtocol], filter_chains: [chain] }, LISTENER), [
      'unsupported x.listener_filters[0].typed_config: @type envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol in envoy.config.listener.v3.ListenerFilter.typed_config is valid Envoy configuration that Weft does not implement yet (it implements envoy.extensions.filters.listener.original_dst.v3.OriginalDst, envoy.extensions.filters.listener.http_inspector.v3.HttpInspector, envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector)',
    ]);
    const passthrough = {
      name: 'PassthroughCluster',
      type: 'ORIGINAL_DST',
      lb_policy: 'CLUSTER_PROVIDED',
      connect_timeout: '1s',
      cleanup_interval: '60s',
      original_dst_lb_config: {
        use_http_header: true,
        http_header_name: 'x-dst',
        upstream_port_override: 8080,
      },
      upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
    };
    t.same(unsupported(passthrough, CLUSTER), []);
    t.same(
      unsupported(
        { ...passthrough, original_dst_lb_config: { metadata_key: { key: 'k', path: [{ key: 'p' }] } } },
        CLUSTER,
      ),
      [
        'unsupported x.original_dst_lb_config.metadata_key: envoy.config.cluster.v3.Cluster.OriginalDstLbConfig.metadata_key is valid Envoy configuration that Weft does not implement yet',
      ],
    );
  },
);

t.test('extensions need a typed_config; the router comes last', async (t) => {
  t.same(unsupported(manager({ http_filters: [{ name: 'envoy.filters.http.router' }] }), HCM_TYPE), [
    'unsupported x.http_filters[0].typed_config: Weft selects extensions by typed_config, not by name alone: add typed_config: {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}',
    'invalid x.http_filters[0]: the last HTTP filter must be the router (envoy.extensions.filters.http.router.v3.Router), as in Envoy',
  ]);
  const fault = {
    name: 'fault',
    typed_config: { '@type': url('envoy.extensions.filters.http.fault.v3.HTTPFault') },
  };
  t.same(unsupported(manager({ http_filters: [ROUTER, fault] }), HCM_TYPE), [
    'invalid x.http_filters[0]: the router must be the last HTTP filter: filters after it would never run',
    'invalid x.http_filters[1]: the last HTTP filter must be the router (envoy.extensions.filters.http.router.v3.Router), as in Envoy',
  ]);
});
