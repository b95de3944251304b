// fast-check generators for the control plane's fuzz tests: Istio resources that are mostly valid
// (so validation and translation run deep), drawn from a small shared vocabulary of hosts, subsets,
// ports, namespaces and labels (so resources refer to each other). fuzz-mutations.ts damages them.
import fc, { type Arbitrary } from 'fast-check';

type Obj = Record<string, unknown>;

export const NAMESPACES = ['default', 'prod', 'istio-system'] as const;
const HOSTS = [
  'reviews',
  'ratings',
  'reviews.prod',
  'api.example.com',
  '*.example.com',
  'db',
  'reviews.default.svc.cluster.local',
];
const SUBSETS = ['v1', 'v2', 'v3'];
const PORTS = [80, 443, 3306, 9080, 15001];
const APPS = ['reviews', 'ratings', 'db'];
const DURATIONS = ['1s', '500ms', '1h30m', '1.5s', '0s', '2m', '10ms'];
export const ODD_DURATIONS = [
  '-1s',
  '0.5ms',
  '1ns',
  '999999999999h',
  '1e3s',
  '1',
  '',
  'µs',
  '1.s',
  '.5s',
  '1h-1m',
];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const some = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });
/** A record whose keys are all optional except `required`. */
const rec = <T extends Record<string, Arbitrary<unknown>>>(fields: T, required: (keyof T)[] = []) =>
  fc.record(fields, { requiredKeys: required as never[] }) as Arbitrary<Obj>;

const host = pick(HOSTS);
const duration = fc.oneof({ weight: 5, arbitrary: pick(DURATIONS) }, pick(ODD_DURATIONS));
const labels = fc.dictionary(pick(['app', 'version', 'tier']), pick([...APPS, ...SUBSETS]), { maxKeys: 2 });
const stringMatch = fc.oneof(
  rec({ exact: fc.constantFrom('/api', 'GET', 'yes') }, ['exact']),
  rec({ prefix: fc.constantFrom('/', '/api', '/v2/') }, ['prefix']),
  rec({ regex: fc.constantFrom('^/api/.*$', '/v[0-9]+', '(a', '.*') }, ['regex']),
  fc.constant({}),
);
const destination = rec({ host, subset: pick(SUBSETS), port: rec({ number: pick(PORTS) }, ['number']) }, [
  'host',
]);
const percent = rec({ value: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(50)) });
const headerOps = rec({
  set: fc.dictionary(pick(['x-a', 'x-b']), fc.string()),
  remove: fc.array(pick(['x-a', 'x-c'])),
});

const httpMatch = rec({
  name: pick(['m1', 'm2']),
  uri: stringMatch,
  method: stringMatch,
  headers: fc.dictionary(pick(['x-user', 'x-tester', 'bad header']), stringMatch, { maxKeys: 2 }),
  queryParams: fc.dictionary(pick(['q', 'debug']), stringMatch, { maxKeys: 1 }),
  withoutHeaders: fc.dictionary(pick(['x-skip']), stringMatch, { maxKeys: 1 }),
  port: pick(PORTS),
  sourceLabels: labels,
  sourceNamespace: pick(NAMESPACES),
  gateways: fc.constantFrom(['mesh'], ['gw']),
  ignoreUriCase: fc.boolean(),
});

const action = fc.oneof(
  {
    weight: 6,
    arbitrary: rec(
      {
        route: fc.array(
          rec({ destination, weight: fc.nat(100), headers: rec({ request: headerOps }) }, ['destination']),
          { minLength: 1, maxLength: 3 },
        ),
      },
      ['route'],
    ),
  },
  rec(
    {
      redirect: rec({
        uri: pick(['/new', '/']),
        authority: host,
        scheme: pick(['http', 'https', 'ftp']),
        redirectCode: pick([301, 302, 308, 200]),
        port: pick(PORTS),
      }),
    },
    ['redirect'],
  ),
  rec(
    {
      directResponse: rec(
        {
          status: pick([200, 404, 503, 199, 601]),
          body: rec({ string: fc.string({ unit: 'grapheme', maxLength: 20 }) }),
        },
        ['status'],
      ),
    },
    ['directResponse'],
  ),
);

const httpExtras = rec({
  name: pick(['primary', 'canary', 'p.1']),
  match: fc.array(httpMatch, { maxLength: 2 }),
  timeout: duration,
  retries: rec({
    attempts: fc.integer({ min: -1, max: 5 }),
    perTryTimeout: duration,
    retryOn: pick(['5xx', '5xx,503', 'connect-failure,reset', 'cancelled,unavailable', 'bogus']),
    retryIgnorePreviousHosts: fc.boolean(),
    backoff: duration,
  }),
  fault: rec({
    delay: rec({ fixedDelay: duration, percentage: percent, percent: fc.integer({ min: -10, max: 200 }) }),
    abort: rec({
      httpStatus: pick([500, 503, 100]),
      grpcStatus: pick(['UNAVAILABLE', 'unavailable', 'NOPE']),
      percentage: percent,
    }),
  }),
  rewrite: rec({
    uri: pick(['/', '/v2']),
    authority: host,
    uriRegexRewrite: rec({ match: pick(['^/a', '(']), rewrite: pick(['/b']) }),
  }),
  mirror: destination,
  mirrorPercentage: percent,
  mirrors: fc.array(rec({ destination, percentage: percent }, ['destination']), { maxLength: 2 }),
  corsPolicy: rec({
    allowOrigins: fc.array(stringMatch, { maxLength: 2 }),
    allowMethods: fc.subarray(['GET', 'POST', 'get']),
    allowHeaders: fc.subarray(['x-a', 'bad header']),
    maxAge: duration,
    allowCredentials: fc.boolean(),
    unmatchedPreflights: pick(['FORWARD', 'IGNORE']),
  }),
  headers: rec({ request: headerOps, response: headerOps }),
});
const httpRoute = fc.tuple(httpExtras, action).map(([extras, act]) => ({ ...extras, ...act }));
const tcpRoute = rec(
  {
    match: fc.array(rec({ port: pick(PORTS) }), { maxLength: 1 }),
    route: fc.array(rec({ destination, weight: fc.nat(100) }, ['destination']), {
      minLength: 1,
      maxLength: 2,
    }),
  },
  ['route'],
);

const virtualService = rec(
  {
    hosts: some(HOSTS.slice(0, 4)),
    gateways: fc.constantFrom(['mesh'], ['gw']),
    http: fc.array(httpRoute, { minLength: 1, maxLength: 3 }),
    tcp: fc.array(tcpRoute, { maxLength: 1 }),
    exportTo: fc.constantFrom(['.'], ['*']),
  },
  ['hosts', 'http'],
);

const consistentHash = fc.oneof(
  rec({ httpHeaderName: pick(['x-user']) }, ['httpHeaderName']),
  rec(
    {
      httpCookie: rec({ name: pick(['session']), ttl: duration, path: pick(['/']) }, ['name']),
      ringHash: rec({ minimumRingSize: fc.nat(4096) }),
    },
    ['httpCookie'],
  ),
  rec({ useSourceIp: fc.constant(true), maglev: rec({ tableSize: pick([65537, 7, 100]) }) }, ['useSourceIp']),
  rec({ httpQueryParameterName: pick(['user']) }, ['httpQueryParameterName']),
);
const trafficPolicyParts = {
  loadBalancer: fc.oneof(
    rec({ simple: pick(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'PASSTHROUGH', 'LEAST_CONN']) }, [
      'simple',
    ]),
    rec({ consistentHash }, ['consistentHash']),
  ),
  connectionPool: rec({
    tcp: rec({
      maxConnections: fc.integer({ min: -1, max: 1000 }),
      connectTimeout: duration,
      idleTimeout: duration,
    }),
    http: rec({
      http1MaxPendingRequests: fc.nat(100),
      http2MaxRequests: fc.nat(100),
      maxRequestsPerConnection: fc.nat(10),
      maxRetries: fc.nat(5),
      idleTimeout: duration,
      h2UpgradePolicy: pick(['DEFAULT', 'UPGRADE']),
      useClientProtocol: fc.boolean(),
    }),
  }),
  outlierDetection: rec({
    consecutive5xxErrors: fc.nat(10),
    consecutiveGatewayErrors: fc.nat(10),
    consecutiveErrors: fc.integer({ min: -1, max: 10 }),
    interval: duration,
    baseEjectionTime: duration,
    maxEjectionPercent: fc.integer({ min: 0, max: 101 }),
    minHealthPercent: fc.nat(100),
    splitExternalLocalOriginErrors: fc.boolean(),
    consecutiveLocalOriginFailures: fc.nat(5),
  }),
  tls: rec({ mode: pick(['DISABLE', 'ISTIO_MUTUAL', 'SIMPLE']), sni: host }),
};
const portPolicy = rec({ port: rec({ number: pick(PORTS) }, ['number']), ...trafficPolicyParts }, ['port']);
const trafficPolicy = rec({
  ...trafficPolicyParts,
  portLevelSettings: fc.array(portPolicy, { maxLength: 2 }),
});
const destinationRule = rec(
  {
    host,
    trafficPolicy,
    subsets: fc.uniqueArray(
      rec(
        {
          name: pick(SUBSETS),
          labels: fc.dictionary(pick(['version']), pick(SUBSETS), { maxKeys: 1 }),
          trafficPolicy,
        },
        ['name'],
      ),
      { maxLength: 3, selector: (s) => s.name },
    ),
    exportTo: fc.constantFrom(['.'], ['*'], ['prod', '.']),
    workloadSelector: rec({ matchLabels: labels }, ['matchLabels']),
  },
  ['host'],
);

const address = pick([
  '10.0.0.1',
  '127.0.0.1',
  '2001:db8::1',
  'db.example.com',
  '10.0.0.0/24',
  'unix:///tmp/s',
  'not an ip',
]);
const serviceEntry = rec(
  {
    hosts: some(['api.example.com', '*.example.com', 'db', 'example.com.', 'ratings.prod.svc.cluster.local']),
    addresses: fc.subarray(['10.1.0.1', '10.2.0.0/16', '2001:db8::5']),
    ports: fc.uniqueArray(
      rec(
        {
          number: pick(PORTS),
          name: pick(['http', 'https', 'tcp', 'grpc-x']),
          protocol: pick(['HTTP', 'HTTPS', 'TCP', 'GRPC', 'TLS', 'http2', 'SCTP']),
          targetPort: pick(PORTS),
        },
        ['number', 'name'],
      ),
      { minLength: 1, maxLength: 3, selector: (p) => p.number },
    ),
    location: pick(['MESH_EXTERNAL', 'MESH_INTERNAL']),
    resolution: pick(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN']),
    endpoints: fc.array(
      rec(
        {
          address,
          ports: fc.dictionary(pick(['http', 'tcp']), pick(PORTS), { maxKeys: 1 }),
          labels,
          weight: fc.nat(10),
          locality: pick(['us/east/a', 'eu', '']),
        },
        ['address'],
      ),
      { maxLength: 2 },
    ),
    workloadSelector: rec({ labels }, ['labels']),
    exportTo: fc.constantFrom(['.'], ['*'], ['~']),
  },
  ['hosts', 'ports', 'resolution'],
);

const sidecarHost = pick([
  './*',
  'istio-system/*',
  '*/reviews.default.svc.cluster.local',
  '~/*',
  'prod/*.example.com',
  'reviews',
]);
const sidecar = rec({
  workloadSelector: rec({ labels }, ['labels']),
  egress: fc.array(
    rec(
      {
        port: rec({ number: pick(PORTS), protocol: pick(['HTTP', 'TCP']), name: pick(['http', 'tcp']) }, [
          'number',
        ]),
        hosts: fc.array(sidecarHost, { minLength: 1, maxLength: 3 }),
      },
      ['hosts'],
    ),
    { maxLength: 2 },
  ),
  outboundTrafficPolicy: rec({ mode: pick(['REGISTRY_ONLY', 'ALLOW_ANY']) }),
});

const workloadEntry = rec(
  {
    address,
    ports: fc.dictionary(pick(['http', 'http-alt', 'tcp', 'web']), pick(PORTS), { maxKeys: 2 }),
    labels,
    weight: fc.nat(10),
    locality: pick(['us/east/a', 'eu/west']),
    serviceAccount: pick(['sa']),
  },
  ['address'],
);
const service = rec(
  {
    selector: labels,
    clusterIP: pick(['10.96.0.10', 'None']),
    ports: fc.uniqueArray(
      rec(
        {
          name: pick(['http', 'grpc-api', 'tcp-db', 'https', 'http2-x', 'constructor']),
          port: pick(PORTS),
          targetPort: fc.oneof(pick(PORTS), pick(['http', 'web'])),
          appProtocol: pick(['http', 'grpc', 'tcp', 'kubernetes.io/h2c']),
          protocol: pick(['TCP', 'UDP', 'tcp']),
        },
        ['port', 'name'],
      ),
      { minLength: 1, maxLength: 3, selector: (p) => p.name },
    ),
  },
  ['ports'],
);

const SPECS = {
  VirtualService: virtualService,
  DestinationRule: destinationRule,
  ServiceEntry: serviceEntry,
  Sidecar: sidecar,
  WorkloadEntry: workloadEntry,
  Service: service,
};
export type FuzzKind = keyof typeof SPECS;
const KIND_NAMES = Object.keys(SPECS) as FuzzKind[];

/** A resource of `kind` with a name and namespace from the shared vocabulary. */
export function resourceOf(kind: FuzzKind): Arbitrary<Obj> {
  return fc
    .record({
      name: pick(['reviews', 'ratings', 'db', 'api']),
      namespace: pick(NAMESPACES),
      spec: SPECS[kind],
    })
    .map(({ name, namespace, spec }) => ({
      apiVersion: kind === 'Service' ? 'v1' : 'networking.weft.dev/v1',
      kind,
      metadata: { name, namespace },
      spec,
    }));
}

/** An unmutated resource of any kind: many are valid, the rest fail deep rules, not shapes. */
export const nearValidResource: Arbitrary<Obj> = pick(KIND_NAMES).chain(resourceOf);
