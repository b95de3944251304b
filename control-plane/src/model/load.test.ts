import t from 'tap';
import { loadResources } from './index.ts';
import { load, pick } from './test-helpers.ts';

const VIRTUAL_SERVICE = `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: bookinfo
  generation: 3
  labels: {app: reviews}
spec:
  hosts: [reviews, reviews.example.com]
  http:
  - name: testers
    match:
    - headers:
        end-user: {exact: jason}
      uri: {prefix: /api}
    - queryParams:
        debug: {regex: "^(1|true)$"}
    route:
    - destination: {host: reviews, subset: v2}
    rewrite: {uri: /v2/api}
    fault:
      delay: {fixedDelay: 1.5s, percentage: {value: 0.5}}
      abort: {httpStatus: 503, percentage: {value: 0.1}}
  - name: canary
    route:
    - destination: {host: reviews, subset: v1, port: {number: 9080}}
      weight: 90
    - destination: {host: reviews, subset: v2}
      weight: 10
      headers:
        response: {set: {x-canary: "true"}}
    timeout: 10s
    retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "gateway-error,connect-failure,503"}
    mirror: {host: reviews-shadow}
    mirrorPercentage: {value: 5}
    corsPolicy:
      allowOrigins: [{exact: "https://example.com"}]
      allowMethods: [GET, POST]
      maxAge: 24h
    headers:
      request: {add: {x-mesh: weft}, remove: [x-debug]}
`;

const DESTINATION_RULE = `apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, tcpKeepalive: {time: 7200s, interval: 75s}}
      http: {http1MaxPendingRequests: 10, maxRequestsPerConnection: 10, idleTimeout: 1m, h2UpgradePolicy: UPGRADE}
    outlierDetection:
      consecutive5xxErrors: 7
      interval: 5m
      baseEjectionTime: 15m
      maxEjectionPercent: 50
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer:
        consistentHash: {httpCookie: {name: user, ttl: 0.5s}, ringHash: {minimumRingSize: 1024}}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080, targetPort: 9080, appProtocol: http}
`;

t.test('a realistic VirtualService, DestinationRule and Service load cleanly', async (t) => {
  const result = load(`${VIRTUAL_SERVICE}---\n${DESTINATION_RULE}---\n${SERVICE}`);
  t.same(pick(result.errors), []);
  t.same(pick(result.warnings), []);
  t.same(
    result.resources.map((r) => [r.kind, r.metadata.namespace, r.metadata.name, r.origin.line]),
    [
      ['VirtualService', 'bookinfo', 'reviews', 1],
      ['DestinationRule', 'bookinfo', 'reviews', 43],
      ['Service', 'bookinfo', 'reviews', 70],
    ],
  );
  const vs = result.resources[0]!;
  t.same(vs.metadata, { name: 'reviews', namespace: 'bookinfo', generation: 3, labels: { app: 'reviews' } });
  t.same(vs.origin.file, 'mesh.yaml');
  t.same(vs.apiVersion, 'networking.weft.dev/v1');
});

t.test('namespace defaults to "default"', async (t) => {
  const r = load(
    'apiVersion: networking.weft.dev/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: a}\n',
  );
  t.same(r.resources[0]?.metadata, { name: 'a', namespace: 'default' });
});

t.test('one invalid resource is rejected alone', async (t) => {
  const bad = DESTINATION_RULE.replace('maxEjectionPercent: 50', 'maxEjectionPercent: 150');
  const result = load(`${VIRTUAL_SERVICE}---\n${bad}---\n${SERVICE}`);
  t.same(
    result.errors.map((e) => ({ ...e })),
    [
      {
        severity: 'error',
        file: 'mesh.yaml',
        line: 57,
        resource: 'DestinationRule bookinfo/reviews',
        path: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent',
        message: '150 is out of range: use a whole number from 0 to 100',
      },
    ],
  );
  t.same(
    result.resources.map((r) => r.kind),
    ['VirtualService', 'Service'],
  );
});

t.test('duplicate keys are errors that name the key and line', async (t) => {
  const result = load(
    `${SERVICE}---\napiVersion: networking.weft.dev/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec:\n  host: a\n  host: b\n`,
  );
  t.same(pick(result.errors), [
    {
      path: '',
      line: 14,
      message: 'duplicate key "host": each key may appear once; remove or merge the repeats',
    },
  ]);
  t.same(result.errors[0]?.resource, 'document at line 9');
  t.same(
    result.resources.map((r) => r.kind),
    ['Service'],
    'the other document still loads',
  );
});

t.test('Istio apiVersions need acceptIstioApi', async (t) => {
  for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
    const text = `apiVersion: networking.istio.io/${version}\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: a}\n`;
    const refused = load(text);
    t.same(pick(refused.errors), [
      {
        path: 'apiVersion',
        line: 1,
        message: `networking.istio.io/${version} is Istio's API: change apiVersion to networking.weft.dev/v1, or run with --accept-istio-api to accept Istio resources as they are`,
      },
    ]);
    t.same(refused.resources, []);
    const accepted = load(text, { acceptIstioApi: true });
    t.same(accepted.errors, []);
    t.same(accepted.resources[0]?.apiVersion, `networking.istio.io/${version}`);
  }
});

t.test('unknown kinds and apiVersions are named', async (t) => {
  const r = load('apiVersion: networking.weft.dev/v1\nkind: Gateway\nmetadata: {name: a}\nspec: {}\n');
  t.same(pick(r.errors), [
    {
      path: 'kind',
      line: 2,
      message:
        'unknown kind "Gateway": weft accepts VirtualService, DestinationRule, WorkloadEntry, ServiceEntry, Sidecar, Service',
    },
  ]);
  t.same(r.errors[0]?.resource, 'Gateway default/a');
  const v = load(
    'apiVersion: networking.weft.dev/v2\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: a}\n',
  );
  t.same(pick(v.errors), [
    {
      path: 'apiVersion',
      line: 1,
      message:
        'unsupported apiVersion string "networking.weft.dev/v2" for DestinationRule: use networking.weft.dev/v1',
    },
  ]);
});

t.test('metadata and top-level fields', async (t) => {
  const r = load(
    'apiVersion: networking.weft.dev/v1\nkind: DestinationRule\nmetadata: {namespace: x}\nspek: {host: a}\n',
  );
  t.same(pick(r.errors), [
    { path: 'metadata', line: 3, message: 'metadata.name is required' },
    { path: 'spek', line: 4, message: 'unknown field "spek" (did you mean "spec"?): remove it' },
    { path: 'spec', line: 1, message: 'spec is required' },
  ]);
});

t.test('a Service is checked minimally', async (t) => {
  const r = loadResources(
    'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: 1}\n  ports:\n  - {port: 70000}\n  - {name: http, port: 80}\n',
    'svc.yaml',
  );
  t.same(pick(r.errors), [
    { path: 'spec.selector.app', line: 5, message: 'label values are strings: quote 1' },
    {
      path: 'spec.ports[0].port',
      line: 7,
      message: 'port must be a whole number from 1 to 65535, got number 70000',
    },
    { path: 'spec.ports[0]', line: 7, message: 'with several ports, each needs a name: add name, e.g. http' },
  ]);
});

t.test('invalid YAML and empty documents', async (t) => {
  const r = load('---\n---\nkind: [\n');
  t.equal(r.errors.length, 1);
  t.match(r.errors[0]?.message, /^invalid YAML: /);
  t.same(r.resources, []);
});
