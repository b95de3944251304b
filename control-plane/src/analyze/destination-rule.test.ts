import t from 'tap';
import { analyzeYaml, pick, REVIEWS, REVIEWS_LINES, resource } from './test-helpers.ts';

// A document appended after REVIEWS and `---` has its line k at file line L + k.
const L = REVIEWS_LINES + 1;
const withRule = (body: string, name = 'reviews-extra') => `${REVIEWS}---
apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: ${name} }
spec:
${body}`;

t.test('IST0174: a host that matches no Service or ServiceEntry', async (t) => {
  const messages = analyzeYaml(
    withRule('  host: reveiws\n  subsets: [{ name: v1, labels: { version: v1 } }]\n'),
  );
  t.same(pick(messages), [
    { code: 'IST0174', resource: 'DestinationRule default/reviews-extra', line: L + 5, path: 'spec.host' },
  ]);
  t.equal(messages[0]!.level, 'Warning');
  t.match(
    messages[0]!.message,
    'the host "reveiws" (reveiws.default.svc.cluster.local) defined in the DestinationRule',
  );
  t.same(
    pick(
      analyzeYaml(withRule('  host: api.example.com\n'), [
        resource('ServiceEntry', 'api', { hosts: ['api.example.com'] }),
      ]),
    ),
    [],
    'a ServiceEntry host is a known host',
  );
});

t.test('IST0173: a subset that selects none of the service workloads', async (t) => {
  const text = REVIEWS.replace(
    '- { name: v2, labels: { version: v2 } }',
    '- { name: v3, labels: { version: v3 } }',
  );
  const messages = analyzeYaml(text);
  t.same(pick(messages), [
    {
      code: 'IST0173',
      resource: 'DestinationRule default/reviews',
      line: 25,
      path: 'spec.subsets[1].labels',
    },
  ]);
  t.equal(messages[0]!.level, 'Error');
  t.match(
    messages[0]!.message,
    '(labels app=reviews, version=v3), so requests routed to it fail with 503 UH',
  );
});

t.test('IST0173: the service selector and the namespace limit the workloads too', async (t) => {
  const text = `${REVIEWS}---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: ratings-v3 }
spec: { address: 10.0.0.3, labels: { app: ratings, version: v3 } }
---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: reviews-v3, namespace: other }
spec: { address: 10.0.0.4, labels: { app: reviews, version: v3 } }
`.replace('- { name: v2, labels: { version: v2 } }', '- { name: v3, labels: { version: v3 } }');
  t.same(
    pick(analyzeYaml(text)).map((m) => m.code),
    ['IST0173'],
  );
});

t.test(
  'subsets are not checked when no WorkloadEntry is loaded (workloads come from elsewhere)',
  async (t) => {
    const text = REVIEWS.split('---\n')
      .filter((d) => !d.includes('kind: WorkloadEntry'))
      .join('---\n');
    t.same(pick(analyzeYaml(text)), []);
  },
);

t.test('WFT0002: two DestinationRules for one host, and which one Weft applies', async (t) => {
  const messages = analyzeYaml(withRule('  host: reviews.default.svc.cluster.local\n', 'a-reviews'));
  t.same(pick(messages), [
    { code: 'WFT0002', resource: 'DestinationRule default/reviews', line: 22, path: 'spec.host' },
    { code: 'WFT0002', resource: 'DestinationRule default/a-reviews', line: L + 5, path: 'spec.host' },
  ]);
  t.match(messages[0]!.message, 'Weft applies only default/a-reviews (the first by namespace/name)');
  t.same(
    pick(
      analyzeYaml(withRule('  host: reviews\n  workloadSelector: { matchLabels: { app: productpage } }\n')),
    ),
    [],
    'a rule with a workloadSelector applies to its sidecars only and conflicts with none',
  );
});
