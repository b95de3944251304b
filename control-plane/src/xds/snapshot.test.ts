import t from 'tap';
import { decodeResource, encodeResource } from './protos.ts';
import {
  CLUSTER_TYPE,
  createSnapshot,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  resourceName,
  resourcesOf,
  selectResources,
} from './snapshot.ts';

t.test('createSnapshot keys resources by name, cluster_name for load assignments', async (t) => {
  const snapshot = createSnapshot('v1', {
    clusters: [{ name: 'a' }, { name: 'b' }],
    endpoints: [{ cluster_name: 'a', endpoints: [] }],
  });
  t.equal(snapshot.version, 'v1');
  t.same([...resourcesOf(snapshot, CLUSTER_TYPE).keys()], ['a', 'b']);
  t.same([...resourcesOf(snapshot, ENDPOINT_TYPE).keys()], ['a']);
  t.equal(resourcesOf(snapshot, LISTENER_TYPE).size, 0);
  t.equal(resourcesOf(snapshot, 'type.googleapis.com/unknown').size, 0);
  t.throws(
    () => createSnapshot('v1', { clusters: [{ name: 'a' }, { name: 'a' }] }),
    /duplicate xDS resource name a/,
  );
  t.throws(() => resourceName({}), /neither a name nor a cluster_name/);
});

t.test('selectResources: wildcard takes all, names take only those that exist', async (t) => {
  const snapshot = createSnapshot('v1', { clusters: [{ name: 'a' }, { name: 'b' }] });
  t.same(
    selectResources(snapshot, CLUSTER_TYPE, 'wildcard').map(([name]) => name),
    ['a', 'b'],
  );
  t.same(
    selectResources(snapshot, CLUSTER_TYPE, new Set(['b', 'missing'])).map(([name]) => name),
    ['b'],
  );
});

t.test('encodeResource round-trips through the Envoy message type', async (t) => {
  const value = encodeResource(CLUSTER_TYPE, {
    name: 'c',
    type: 'STRICT_DNS',
    connect_timeout: { seconds: '2' },
  });
  t.same(decodeResource(CLUSTER_TYPE, value), {
    name: 'c',
    type: 'STRICT_DNS',
    connect_timeout: { seconds: '2' },
  });
  t.throws(() => encodeResource('type.googleapis.com/no.such.Message', {}), /no protobuf message type/);
});

t.test(
  'a nested Any of a type outside the initial protos is loaded on demand, an unknown one rejected',
  async (t) => {
    const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
    const HCM =
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
    const listener = (filterType: string) => ({
      name: 'l',
      api_listener: {
        api_listener: {
          '@type': HCM,
          http_filters: [
            { name: 'fault', typed_config: { '@type': filterType, max_active_faults: { value: 3 } } },
          ],
        },
      },
    });
    const decoded = decodeResource(LISTENER_TYPE, encodeResource(LISTENER_TYPE, listener(FAULT))) as {
      api_listener: { api_listener: { http_filters: Array<{ typed_config: Record<string, unknown> }> } };
    };
    t.same(decoded.api_listener.api_listener.http_filters[0]?.typed_config, {
      '@type': FAULT,
      max_active_faults: { value: 3 },
    });
    t.throws(
      () => encodeResource(LISTENER_TYPE, listener('type.googleapis.com/no.such.Filter')),
      /no protobuf message type for type URL type.googleapis.com\/no.such.Filter/,
    );
  },
);
