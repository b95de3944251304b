import t from 'tap';
import { analyzeYaml, pick, REVIEWS, REVIEWS_LINES, resource } from './test-helpers.ts';

// The VirtualService document starts at file line L + 1 (after REVIEWS and its `---`).
const L = REVIEWS_LINES + 1;
const vs = (http: string, extra = '') => `${REVIEWS}---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
${http}
${extra}`;

t.test('a consistent canary has nothing to report', async (t) => {
  const messages = analyzeYaml(
    vs(`    - route:
        - { destination: { host: reviews, subset: v1 }, weight: 90 }
        - { destination: { host: reviews.default.svc.cluster.local, subset: v2 }, weight: 10 }`),
  );
  t.same(pick(messages), []);
});

t.test('IST0101: a destination host that is no Service or ServiceEntry', async (t) => {
  const messages = analyzeYaml(vs(`    - route:\n        - destination: { host: ratings }`));
  t.same(pick(messages), [
    {
      code: 'IST0101',
      resource: 'VirtualService default/reviews',
      line: L + 8,
      path: 'spec.http[0].route[0].destination.host',
    },
  ]);
  t.match(
    messages[0]!.message,
    /^Referenced host not found: "ratings" \(ratings\.default\.svc\.cluster\.local\)/,
  );
  t.equal(messages[0]!.level, 'Error');
});

t.test('short names resolve in the VirtualService namespace, as translation does', async (t) => {
  const inProd = (host: string) =>
    analyzeYaml(`${REVIEWS}---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews, namespace: prod }
spec:
  hosts: [reviews.default]
  http:
    - route:
        - destination: { host: ${host} }
`);
  t.same(
    pick(inProd('reviews')).map((m) => m.path),
    ['spec.http[0].route[0].destination.host'],
    '"reviews" in prod is reviews.prod.svc.cluster.local',
  );
  t.same(pick(inProd('reviews.default')), [], '"reviews.default" is the default namespace service');
});

t.test('IST0101: a subset no DestinationRule defines, with what the rule does define', async (t) => {
  const messages = analyzeYaml(vs(`    - route:\n        - destination: { host: reviews, subset: v3 }`));
  t.same(pick(messages), [
    {
      code: 'IST0101',
      resource: 'VirtualService default/reviews',
      line: L + 8,
      path: 'spec.http[0].route[0].destination.subset',
    },
  ]);
  t.match(messages[0]!.message, 'Referenced host+subset in destinationrule not found: "reviews+v3"');
  t.match(messages[0]!.message, 'DestinationRule default/reviews defines subsets v1, v2');
});

t.test('IST0101: a subset of a host that has no DestinationRule at all', async (t) => {
  const text = `apiVersion: v1
kind: Service
metadata: { name: ratings }
spec: { ports: [{ name: http, port: 9080 }] }
---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
    - mirror: { host: ratings, subset: shadow }
      route:
        - destination: { host: ratings }
`;
  const messages = analyzeYaml(text);
  t.same(pick(messages), [
    {
      code: 'IST0101',
      resource: 'VirtualService default/ratings',
      line: 12,
      path: 'spec.http[0].mirror.subset',
    },
  ]);
  t.match(messages[0]!.message, 'no DestinationRule has host ratings.default.svc.cluster.local');
});

t.test('IST0101: a destination port the service does not expose', async (t) => {
  const messages = analyzeYaml(
    vs(`    - route:\n        - destination: { host: reviews, port: { number: 8080 } }`),
  );
  t.same(pick(messages), [
    {
      code: 'IST0101',
      resource: 'VirtualService default/reviews',
      line: L + 8,
      path: 'spec.http[0].route[0].destination.port.number',
    },
  ]);
  t.match(
    messages[0]!.message,
    'Referenced host:port not found: "reviews:8080": Service default/reviews exposes 9080',
  );
});

t.test(
  'IST0112: no port for a multi-port destination that lacks the port the request came in on',
  async (t) => {
    const text = (destination: string) => `apiVersion: v1
kind: Service
metadata: { name: frontend }
spec: { ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: backend }
spec: { ports: [{ name: http, port: 9080 }, { name: http-admin, port: 9090 }] }
---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: frontend }
spec:
  hosts: [frontend]
  http:
    - route:
        - destination: ${destination}
`;
    const messages = analyzeYaml(text('{ host: backend }'));
    t.same(pick(messages), [
      {
        code: 'IST0112',
        resource: 'VirtualService default/frontend',
        line: 18,
        path: 'spec.http[0].route[0].destination',
      },
    ]);
    t.match(messages[0]!.message, 'exposes ports 9080, 9090 and this destination names none');
    t.same(pick(analyzeYaml(text('{ host: backend, port: { number: 9090 } }'))), []);
  },
);

t.test('IST0109: two VirtualServices for one host on the mesh gateway', async (t) => {
  const text = `${REVIEWS}---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews-b }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews } }] }]
---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews-a }
spec:
  hosts: [reviews.default.svc.cluster.local]
  http: [{ route: [{ destination: { host: reviews } }] }]
---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews-edge }
spec:
  hosts: [reviews]
  gateways: [edge]
  http: [{ route: [{ destination: { host: reviews } }] }]
`;
  const messages = analyzeYaml(text);
  t.same(
    pick(messages).map(({ code, resource, path }) => ({ code, resource, path })),
    [
      { code: 'IST0109', resource: 'VirtualService default/reviews-b', path: 'spec.hosts[0]' },
      { code: 'IST0109', resource: 'VirtualService default/reviews-a', path: 'spec.hosts[0]' },
    ],
    'the gateway-only VirtualService does not conflict, and no Gateway is loaded so "edge" is not checked',
  );
  t.match(messages[0]!.message, 'Weft applies only default/reviews-a (the first by namespace/name)');
});

t.test('WFT0001: a VirtualService host with no Service gives sidecars no routes', async (t) => {
  const text = `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: shop }
spec:
  hosts: [shop, api.example.com]
  http: [{ route: [{ destination: { host: api.example.com } }] }]
`;
  const messages = analyzeYaml(text);
  t.same(
    pick(messages).map((m) => `${m.code} ${m.path}`),
    ['WFT0001 spec.hosts[0]', 'WFT0001 spec.hosts[1]', 'IST0101 spec.http[0].route[0].destination.host'],
  );
  t.equal(messages.find((m) => m.code === 'WFT0001')?.level, 'Warning');
});

t.test('ServiceEntry hosts count as services, without depending on their types', async (t) => {
  const text = `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: payments }
spec:
  hosts: [api.payments.example]
  http:
    - route:
        - { destination: { host: api.payments.example, port: { number: 443 } }, weight: 50 }
        - { destination: { host: eu.cdn.example, port: { number: 80 } }, weight: 50 }
`;
  const entries = [
    resource('ServiceEntry', 'payments', {
      hosts: ['api.payments.example'],
      ports: [{ number: 443, name: 'https' }],
    }),
    resource('ServiceEntry', 'cdn', { hosts: ['*.cdn.example'] }),
  ];
  t.same(pick(analyzeYaml(text, entries)), [], 'an exact host with its port, and a wildcard host');
  const messages = analyzeYaml(text.replace('number: 443 }', 'number: 8443 }'), entries);
  t.same(
    pick(messages).map((m) => `${m.code} ${m.path}`),
    ['IST0101 spec.http[0].route[0].destination.port.number'],
  );
  t.match(messages[0]!.message, 'ServiceEntry default/payments exposes 443');
});

t.test('a ServiceEntry host stands as written, for destinations and DestinationRules alike', async (t) => {
  const text = `apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: db }
spec:
  host: db
  subsets: [{ name: primary, labels: { role: primary } }]
---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: db, namespace: shop }
spec:
  hosts: [db]
  tcp: [{ route: [{ destination: { host: db, subset: primary } }] }]
`;
  const entry = resource(
    'ServiceEntry',
    'db',
    { hosts: ['db'], ports: [{ number: 5432, name: 'tcp' }] },
    'infra',
  );
  t.same(pick(analyzeYaml(text, [entry])), []);
  t.same(
    pick(analyzeYaml(text)).map((m) => `${m.code} ${m.path}`),
    ['IST0174 spec.host', 'WFT0001 spec.hosts[0]', 'IST0101 spec.tcp[0].route[0].destination.host'],
    'without the entry, db is db.<namespace>.svc.cluster.local',
  );
});

t.test('IST0101: gateway references are checked once Gateways are loaded', async (t) => {
  const text = `${REVIEWS}---
apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: reviews-edge }
spec:
  hosts: [reviews]
  gateways: [mesh, edge, istio-system/public, istio-system/missing]
  http:
    - match: [{ gateways: [other] }]
      route: [{ destination: { host: reviews } }]
`;
  const gateways = [
    resource('Gateway', 'edge', { servers: [] }),
    resource('Gateway', 'public', { servers: [] }, 'istio-system'),
  ];
  const messages = analyzeYaml(text, gateways);
  t.same(pick(messages), [
    {
      code: 'IST0101',
      resource: 'VirtualService default/reviews-edge',
      line: L + 6,
      path: 'spec.gateways[3]',
    },
    {
      code: 'IST0101',
      resource: 'VirtualService default/reviews-edge',
      line: L + 8,
      path: 'spec.http[0].match[0].gateways[0]',
    },
  ]);
  t.match(messages[0]!.message, 'Referenced gateway not found: "istio-system/missing"');
});
