import t from 'tap';
import { nackedHosts } from './nack-hosts.ts';
import { createSnapshot } from './xds/index.ts';

const snapshot = createSnapshot('v1', {
  listeners: [{ name: '0.0.0.0_9080' }],
  routes: [
    {
      name: '9080',
      virtual_hosts: [
        { name: 'reviews.default.svc.cluster.local:9080', domains: ['reviews'] },
        { name: 'ratings.default.svc.cluster.local:9080', domains: ['ratings'] },
      ],
    },
  ],
  clusters: [{ name: 'api.example.com' }],
});

t.test('cluster names carry their host', async (t) => {
  t.same(
    [...nackedHosts('Cluster(outbound|9080|v1|reviews.default.svc.cluster.local).lb_policy: bad', undefined)],
    ['reviews.default.svc.cluster.local'],
  );
});

t.test('a route path is traced through the snapshot to its virtual host', async (t) => {
  t.same(
    [...nackedHosts('RouteConfiguration(9080).virtual_hosts[1].routes[0].match.safe_regex: bad', snapshot)],
    ['ratings.default.svc.cluster.local'],
  );
  t.same(
    [...nackedHosts('RouteConfiguration(9080).request_headers_to_add: bad', snapshot)].sort(),
    ['ratings.default.svc.cluster.local', 'reviews.default.svc.cluster.local'],
    'without a virtual host index: every host of the route configuration',
  );
});

t.test('a listener stands for the hosts on its port; other clusters by name', async (t) => {
  t.same([...nackedHosts('Listener(0.0.0.0_9080).filter_chains: bad', snapshot)].sort(), [
    'ratings.default.svc.cluster.local',
    'reviews.default.svc.cluster.local',
  ]);
  t.same([...nackedHosts('Cluster(api.example.com).dns_lookup_family: bad', snapshot)], ['api.example.com']);
  t.same([...nackedHosts('cannot compile', snapshot)], []);
});
