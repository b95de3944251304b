// The lean codec against Envoy's real protos (encoded and decoded by the control plane's protobufjs).
import t from 'tap';
import {
  CLUSTER_TYPE,
  decodeResource,
  encodeResource,
  LISTENER_TYPE,
} from '../../control-plane/src/xds/index.ts';
import {
  decodeDiscoveryResponse,
  edsNameOf,
  encodeDiscoveryRequest,
  HCM_TYPE_URL,
  routeNamesOf,
} from './xds-wire.ts';

const REQUEST_TYPE = 'type.googleapis.com/envoy.service.discovery.v3.DiscoveryRequest';
const RESPONSE_TYPE = 'type.googleapis.com/envoy.service.discovery.v3.DiscoveryResponse';

t.test('a DiscoveryRequest decodes with Envoy’s proto, node metadata included', async (t) => {
  const bytes = encodeDiscoveryRequest({
    versionInfo: '17-3',
    node: { id: 'sidecar~10.0.0.1~a.ns-1', metadata: { NAMESPACE: 'ns-1', LABELS: '{"app":"a"}' } },
    resourceNames: ['8080', '9090'],
    typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    responseNonce: 'b2',
    errorMessage: 'bad route',
  });
  const decoded = decodeResource(REQUEST_TYPE, bytes) as {
    version_info: string;
    node: { id: string; metadata: Record<string, unknown>; user_agent_name: string };
    resource_names: string[];
    type_url: string;
    response_nonce: string;
    error_detail: { code: number; message: string };
  };
  t.equal(decoded.version_info, '17-3');
  t.equal(decoded.node.id, 'sidecar~10.0.0.1~a.ns-1');
  t.same(decoded.node.metadata, {
    fields: { NAMESPACE: { stringValue: 'ns-1' }, LABELS: { stringValue: '{"app":"a"}' } },
  });
  t.same(decoded.resource_names, ['8080', '9090']);
  t.equal(decoded.response_nonce, 'b2');
  t.same(decoded.error_detail, { code: 3, message: 'bad route' });
});

t.test('a first request without version or nonce leaves those fields out', async (t) => {
  const bytes = encodeDiscoveryRequest({
    versionInfo: '',
    resourceNames: [],
    typeUrl: CLUSTER_TYPE,
    responseNonce: '',
  });
  const decoded = decodeResource(REQUEST_TYPE, bytes);
  t.same(Object.keys(decoded), ['type_url']);
});

const listener = {
  name: '0.0.0.0_8080',
  address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM_TYPE_URL,
            stat_prefix: 'outbound_0.0.0.0_8080',
            rds: { route_config_name: '8080', config_source: { ads: {}, resource_api_version: 'V3' } },
            http_filters: [
              {
                name: 'envoy.filters.http.router',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                },
              },
            ],
          },
        },
      ],
    },
  ],
};

t.test('a DiscoveryResponse: version, nonce, type and each resource', async (t) => {
  const encodedListener = encodeResource(LISTENER_TYPE, listener);
  const bytes = encodeResource(RESPONSE_TYPE, {
    version_info: '5-2',
    type_url: LISTENER_TYPE,
    nonce: 'k',
    resources: [{ type_url: LISTENER_TYPE, value: encodedListener }],
  });
  const response = decodeDiscoveryResponse(bytes);
  t.equal(response.versionInfo, '5-2');
  t.equal(response.typeUrl, LISTENER_TYPE);
  t.equal(response.nonce, 'k');
  t.equal(response.resources.length, 1);
  t.same(routeNamesOf(response.resources[0]!), ['8080']);
});

t.test('EDS names: service_name, else the cluster name; none for other cluster types', async (t) => {
  const eds = (extra: object) =>
    encodeResource(CLUSTER_TYPE, {
      name: 'outbound|8080|v1|a.ns-1.svc.cluster.local',
      type: 'EDS',
      connect_timeout: { seconds: 10 },
      ...extra,
    });
  t.equal(
    edsNameOf(eds({ eds_cluster_config: { eds_config: { ads: {} } } })),
    'outbound|8080|v1|a.ns-1.svc.cluster.local',
  );
  t.equal(edsNameOf(eds({ eds_cluster_config: { service_name: 'other' } })), 'other');
  t.equal(edsNameOf(encodeResource(CLUSTER_TYPE, { name: 'static', type: 'STATIC' })), undefined);
});
