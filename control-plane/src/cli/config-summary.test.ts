import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  clustersTable,
  destinationOf,
  endpointsTable,
  listenersTable,
  matchOf,
  routesTable,
} from './config-summary.ts';

// Translation's own golden output for a 90/10 canary is what the control plane serves.
const golden = JSON.parse(
  readFileSync(new URL('../translate/testdata/canary-subsets/expected.json', import.meta.url), 'utf8'),
) as Record<'listeners' | 'routes' | 'clusters' | 'endpoints', Array<Record<string, unknown>>>;

const rows = (table: string) =>
  table
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/\s{2,}/));

t.test('listeners: name, address, port, route configuration', async (t) => {
  t.same(rows(listenersTable(golden.listeners)), [
    ['NAME', 'ADDRESS', 'PORT', 'ROUTE CONFIG'],
    ['0.0.0.0_9080', '0.0.0.0', '9080', '9080'],
  ]);
});

t.test('routes: domains, match and weighted destinations', async (t) => {
  const table = rows(routesTable(golden.routes));
  t.same(table[0], ['ROUTE CONFIG', 'DOMAINS', 'MATCH', 'DESTINATION']);
  t.same(table[1], [
    '9080',
    'reviews +7 more',
    '/* :method~GET|HEAD|OPTIONS|TRACE|PUT|DELETE',
    'outbound|9080|v1|reviews.default.svc.cluster.local 90%, outbound|9080|v2|reviews.default.svc.cluster.local 10%',
  ]);
});

t.test('clusters: type, balancer and endpoint count from EDS', async (t) => {
  const table = rows(clustersTable(golden.clusters, golden.endpoints));
  t.same(table[0], ['NAME', 'TYPE', 'LB', 'ENDPOINTS']);
  t.same(
    table.slice(1).map(([name, , , count]) => [name, count]),
    [
      ['outbound|9080||reviews.default.svc.cluster.local', '2'],
      ['outbound|9080|v1|reviews.default.svc.cluster.local', '1'],
      ['outbound|9080|v2|reviews.default.svc.cluster.local', '1'],
    ],
  );
});

t.test('endpoints: address:port and cluster', async (t) => {
  t.same(rows(endpointsTable(golden.endpoints)).slice(0, 2), [
    ['ENDPOINT', 'CLUSTER'],
    ['10.0.1.1:9080', 'outbound|9080||reviews.default.svc.cluster.local'],
  ]);
});

t.test('matches and actions in short form', async (t) => {
  t.equal(matchOf({ path: '/login' }), '/login');
  t.equal(matchOf({ safe_regex: { regex: '/v[0-9]+' } }), '~/v[0-9]+');
  t.equal(
    matchOf({
      prefix: '/api',
      headers: [
        { name: 'x-user', string_match: { exact: 'jason' } },
        { name: 'x-debug', present_match: true, invert_match: true },
      ],
      query_parameters: [{ name: 'beta', string_match: { prefix: 'y' } }],
    }),
    '/api* x-user=jason !x-debug ?beta^=y',
  );
  t.equal(destinationOf({ route: { cluster: 'c' } }), 'c');
  t.equal(
    destinationOf({ redirect: { host_redirect: 'new.example', path_redirect: '/' } }),
    'redirect new.example /',
  );
  t.equal(destinationOf({ direct_response: { status: 503 } }), 'direct response 503');
});
