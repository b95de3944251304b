// XdsConfig, resource by resource: a bad resource is rejected by name and keeps its last good
// version while the rest of its response is accepted; repeats are neither validated nor compiled.
import t from 'tap';
import { encodeResource } from '../../../control-plane/src/xds/protos.ts';
import { xdsRdsListener, xdsStaticCluster } from '../../../test/lib/xds-resources.ts';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './ads-client.ts';
import { XdsConfig } from './xds-config.ts';

type Obj = Record<string, unknown>;

function encode(type: string, resources: Obj[]) {
  return resources.map((r) => ({ type_url: type, value: encodeResource(type, r) }));
}

function edsCluster(name: string): Obj {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} } },
    connect_timeout: { seconds: 1 },
  };
}

function assignment(name: string, port: number): Obj {
  const endpoint = { address: { socket_address: { address: '127.0.0.1', port_value: port } } };
  return { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint }] }] };
}

function routeConfig(name: string, match: Obj, cluster: string): Obj {
  return {
    name,
    virtual_hosts: [{ name: 'any', domains: ['*'], routes: [{ match, route: { cluster } }] }],
  };
}

t.test('an invalid cluster is rejected by name, keeps its last good version; the others apply', (t) => {
  const xds = new XdsConfig();
  const first = xds.prepare(
    CLUSTER_TYPE,
    encode(CLUSTER_TYPE, [xdsStaticCluster('a', 1001), xdsStaticCluster('bad', 1002)]),
    '1',
  );
  t.equal(first.errorDetail, '');
  first.commit();
  const second = xds.prepare(
    CLUSTER_TYPE,
    encode(CLUSTER_TYPE, [
      xdsStaticCluster('a', 1001),
      xdsStaticCluster('bad', 0),
      xdsStaticCluster('added', 1003),
    ]),
    '2',
  );
  t.same(
    second.errors.map((e) => e.name),
    ['bad'],
  );
  t.match(
    second.errorDetail,
    /^cluster "bad": Cluster\(bad\)\.load_assignment\.endpoints\[0\][^\n]*port 0 out of range/,
  );
  t.same([...second.config.clusters.keys()].sort(), ['a', 'added', 'bad']);
  t.equal(second.config.clusters.get('bad')!.endpoints[0]!.port, 1002, 'bad keeps its last good version');
  t.match(second.config.version, /Cluster:1/, 'the version stays the last one accepted whole');
  t.ok(second.changed);
  second.commit();
  const third = xds.prepare(
    CLUSTER_TYPE,
    encode(CLUSTER_TYPE, [xdsStaticCluster('a', 1001), xdsStaticCluster('new', 0)]),
    '3',
  );
  t.same(
    [...third.config.clusters.keys()].sort(),
    ['a'],
    'a new invalid cluster is not added; one left out is gone',
  );
  t.end();
});

t.test('schema errors and unnamed resources are reported per resource', (t) => {
  const xds = new XdsConfig();
  const update = xds.prepare(
    CLUSTER_TYPE,
    encode(CLUSTER_TYPE, [
      xdsStaticCluster('ok', 1001),
      { ...xdsStaticCluster('unsupported', 1002), lb_policy: 'MAGLEV', dns_refresh_rate: { seconds: -5 } },
      { type: 'STATIC' },
    ]),
    '1',
  );
  t.same(update.errors.map((e) => e.name).sort(), ['#2', 'unsupported']);
  t.match(update.errorDetail, /cluster "#2": name is required/);
  t.match(update.errorDetail, /cluster "unsupported": Cluster\(unsupported\)/);
  t.same([...update.config.clusters.keys()], ['ok']);
  t.end();
});

t.test('a resource re-sent unchanged is neither validated nor compiled again', (t) => {
  const xds = new XdsConfig();
  const clusters = [xdsStaticCluster('a', 1001), xdsStaticCluster('b', 1002)];
  xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, clusters), '1').commit();
  xds.prepare(ROUTE_TYPE, encode(ROUTE_TYPE, [routeConfig('80', { prefix: '/' }, 'a')]), '1').commit();
  xds.prepare(LISTENER_TYPE, encode(LISTENER_TYPE, [xdsRdsListener('l', 0, '80')]), '1').commit();
  const before = { ...xds.counters };
  t.same(before, { validated: 4, clustersCompiled: 2, listenersCompiled: 1 });
  const repeat = xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, clusters), '2');
  t.notOk(repeat.changed, 'nothing to apply');
  repeat.commit();
  t.same(xds.counters, before);
  xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, [clusters[0]!, xdsStaticCluster('b', 1003)]), '3').commit();
  t.same(xds.counters, { validated: 5, clustersCompiled: 3, listenersCompiled: 1 }, 'only b again');
  xds.prepare(ROUTE_TYPE, encode(ROUTE_TYPE, [routeConfig('80', { prefix: '/' }, 'b')]), '2').commit();
  t.same(
    xds.counters,
    { validated: 6, clustersCompiled: 3, listenersCompiled: 2 },
    'a new route recompiles its listener',
  );
  t.end();
});

t.test('a bad route configuration is NACKed by name; its listener keeps the last good one', (t) => {
  const xds = new XdsConfig();
  xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, [xdsStaticCluster('a', 1001)]), '1').commit();
  const warming = xds.prepare(LISTENER_TYPE, encode(LISTENER_TYPE, [xdsRdsListener('l', 0, '80')]), '1');
  t.same(warming.config.listeners, [], 'warming until its routes arrive');
  t.same(warming.subscriptions.routeNames, ['80']);
  warming.commit();
  xds.prepare(ROUTE_TYPE, encode(ROUTE_TYPE, [routeConfig('80', { prefix: '/' }, 'a')]), '1').commit();
  const bad = xds.prepare(
    ROUTE_TYPE,
    encode(ROUTE_TYPE, [routeConfig('80', { safe_regex: { regex: '(a)\\1' } }, 'a')]),
    '2',
  );
  t.same(
    bad.errors.map((e) => e.name),
    ['80'],
  );
  t.match(bad.errorDetail, /^route_configuration "80": RouteConfiguration\(80\)/);
  t.equal(bad.config.listeners.length, 1, 'the listener still serves');
  t.notOk(bad.changed, 'nothing to apply: the bad one was the only change');
  t.end();
});

t.test('a bad load assignment is NACKed, not its cluster', (t) => {
  const xds = new XdsConfig();
  xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, [edsCluster('e'), edsCluster('f')]), '1').commit();
  xds
    .prepare(ENDPOINT_TYPE, encode(ENDPOINT_TYPE, [assignment('e', 1001), assignment('f', 1002)]), '1')
    .commit();
  const update = xds.prepare(
    ENDPOINT_TYPE,
    encode(ENDPOINT_TYPE, [assignment('e', 0), assignment('f', 1003)]),
    '2',
  );
  t.match(update.errorDetail, /^cluster_load_assignment "e": ClusterLoadAssignment\(e\)/);
  t.equal(update.config.clusters.get('e')!.endpoints[0]!.port, 1001, 'e keeps its endpoints');
  t.equal(update.config.clusters.get('f')!.endpoints[0]!.port, 1003, 'f takes its new ones');
  t.end();
});

t.test('prepare changes nothing until commit', (t) => {
  const xds = new XdsConfig();
  xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, [xdsStaticCluster('a', 1001)]), '1').commit();
  const dropped = xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, [xdsStaticCluster('b', 1002)]), '2');
  t.same([...dropped.config.clusters.keys()], ['b']);
  const next = xds.prepare(CLUSTER_TYPE, encode(CLUSTER_TYPE, [xdsStaticCluster('a', 1001)]), '3');
  t.notOk(next.changed, 'still holding version 1');
  t.end();
});

t.test('accept is all or nothing', (t) => {
  const xds = new XdsConfig();
  t.throws(
    () =>
      xds.accept(
        CLUSTER_TYPE,
        encode(CLUSTER_TYPE, [xdsStaticCluster('a', 1), xdsStaticCluster('b', 0)]),
        '1',
      ),
    {
      message: /^Cluster\(b\)/,
    },
  );
  t.same([...xds.accept(CLUSTER_TYPE, [], '2').config.clusters.keys()], []);
  t.end();
});
