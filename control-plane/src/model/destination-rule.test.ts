import t from 'tap';
import { doc, load, pick, rejects } from './test-helpers.ts';

// Body line k of these specs is file line 5 + k.
const dr = (body: string) => load(doc('DestinationRule', body));
const policy = (tp: string) => dr(`host: reviews\ntrafficPolicy:\n  ${tp}`);

t.test('subset names are unique DNS labels', async (t) => {
  rejects(
    t,
    dr('host: reviews\nsubsets:\n- name: v1\n  labels: {version: v1}\n- name: v1\n  labels: {version: v2}'),
    {
      path: 'spec.subsets[1].name',
      line: 10,
      message: 'subset "v1" is already defined at spec.subsets[0]: rename or merge them',
    },
  );
  rejects(t, dr('host: reviews\nsubsets:\n- name: V_1'), {
    path: 'spec.subsets[0].name',
    line: 8,
    message: 'subset name "V_1" is invalid: use a lowercase DNS label such as v1',
  });
});

t.test('host is required', async (t) => {
  rejects(t, dr('subsets:\n- name: v1'), {
    path: 'spec',
    line: 5,
    message: 'host is required: name the service this rule applies to, e.g. reviews',
  });
});

t.test('loadBalancer: simple values, or consistentHash with exactly one key', async (t) => {
  rejects(t, policy('loadBalancer: {simple: FASTEST}'), {
    path: 'spec.trafficPolicy.loadBalancer.simple',
    line: 8,
    message:
      'string "FASTEST" is not allowed: use one of UNSPECIFIED, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST, LEAST_CONN',
  });
  rejects(t, policy('loadBalancer: {consistentHash: {httpHeaderName: x-user, useSourceIp: true}}'), {
    path: 'spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp',
    line: 8,
    message:
      'consistentHash needs exactly one hash key (httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName), but has httpHeaderName and useSourceIp: keep one',
  });
  rejects(
    t,
    policy('loadBalancer: {consistentHash: {maglev: {tableSize: 65536}}}'),
    {
      path: 'spec.trafficPolicy.loadBalancer.consistentHash',
      line: 8,
      message:
        'consistentHash needs exactly one hash key (httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName): add one',
    },
    {
      path: 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize',
      line: 8,
      message: 'tableSize 65536 must be a prime below 5000011, e.g. 65537',
    },
  );
  rejects(t, policy('loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}'), {
    path: 'spec.trafficPolicy.loadBalancer.consistentHash',
    line: 8,
    message: 'loadBalancer takes one of simple and consistentHash: keep one',
  });
});

t.test('connectionPool types and ranges', async (t) => {
  rejects(
    t,
    policy('connectionPool:\n    http: {http2MaxRequests: -1}\n    tcp: {connectTimeout: 0s}'),
    {
      path: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
      line: 10,
      message: 'duration "0s" is below the minimum of 1ms: use at least "1ms"',
    },
    {
      path: 'spec.trafficPolicy.connectionPool.http.http2MaxRequests',
      line: 9,
      message: 'http2MaxRequests cannot be negative: use 0 for the default',
    },
  );
  t.same(policy('connectionPool: {tcp: {idleTimeout: 0s}}').errors, [], 'tcp idleTimeout 0s disables it');
  rejects(t, policy('connectionPool: {http: {maxRetries: 1.5}}'), {
    path: 'spec.trafficPolicy.connectionPool.http.maxRetries',
    line: 8,
    message: 'expected a whole number, got number 1.5',
  });
  rejects(t, policy('connectionPool: {}'), {
    path: 'spec.trafficPolicy.connectionPool',
    line: 8,
    message: 'connectionPool is empty: set tcp and/or http, or remove it',
  });
});

t.test('outlierDetection ranges', async (t) => {
  rejects(
    t,
    policy('outlierDetection: {maxEjectionPercent: 101, consecutive5xxErrors: -1}'),
    {
      path: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent',
      line: 8,
      message: '101 is out of range: use a whole number from 0 to 100',
    },
    {
      path: 'spec.trafficPolicy.outlierDetection.consecutive5xxErrors',
      line: 8,
      message: '-1 is out of range: use a whole number from 0 to 4294967295',
    },
  );
  rejects(t, policy('outlierDetection: {consecutiveLocalOriginFailures: 3}'), {
    path: 'spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures',
    line: 8,
    message:
      'consecutiveLocalOriginFailures only counts when splitExternalLocalOriginErrors is true: set it, or remove this field',
  });
});

t.test('portLevelSettings and subsets policies are validated too', async (t) => {
  rejects(t, dr('host: r\ntrafficPolicy:\n  portLevelSettings:\n  - loadBalancer: {simple: RANDOM}'), {
    path: 'spec.trafficPolicy.portLevelSettings[0]',
    line: 9,
    message: 'port is required: set port.number',
  });
  rejects(t, dr('host: r\nsubsets:\n- name: v1\n  trafficPolicy:\n    outlierDetection: {interval: 10}'), {
    path: 'spec.subsets[0].trafficPolicy.outlierDetection.interval',
    line: 10,
    message: 'expected a duration string such as "1s", "500ms" or "1m", got number 10',
  });
  rejects(t, dr('host: r\ntrafficPolicy: {}'), {
    path: 'spec.trafficPolicy',
    line: 7,
    message:
      'trafficPolicy is empty: set one of loadBalancer, connectionPool, outlierDetection, tls, portLevelSettings, or remove it',
  });
});

t.test('deprecated fields warn', async (t) => {
  const r = policy('outlierDetection: {consecutiveErrors: 5}');
  t.same(r.errors, []);
  t.same(pick(r.warnings), [
    {
      path: 'spec.trafficPolicy.outlierDetection.consecutiveErrors',
      line: 8,
      message:
        '"consecutiveErrors" is deprecated: use consecutive5xxErrors or consecutiveGatewayErrors instead',
    },
  ]);
});
