import t from 'tap';
import { hasProtocolPrefix } from './service.ts';
import { analyzeYaml, pick } from './test-helpers.ts';

t.test('protocol prefixes follow Istio: <protocol>[-<suffix>], case-insensitive', async (t) => {
  for (const name of [
    'http',
    'http-web',
    'HTTP2-api',
    'grpc',
    'grpc-web',
    'grpc-web-ui',
    'tcp-db',
    'tls',
    'mongo',
    'redis-cache',
  ])
    t.ok(hasProtocolPrefix(name), name);
  for (const name of ['web', 'foo-http', 'httpx', 'h2c', 'api']) t.notOk(hasProtocolPrefix(name), name);
});

t.test('IST0118: port names without a protocol and without appProtocol', async (t) => {
  const messages = analyzeYaml(`apiVersion: v1
kind: Service
metadata: { name: reviews }
spec:
  ports:
    - { name: http-main, port: 9080 }
    - name: foo-http
      port: 8000
      targetPort: 80
    - { name: api, port: 9090, appProtocol: grpc }
    - { name: dns, port: 53, protocol: UDP }
---
apiVersion: v1
kind: Service
metadata: { name: single }
spec:
  ports: [{ port: 80 }]
`);
  t.same(pick(messages), [
    { code: 'IST0118', resource: 'Service default/reviews', line: 7, path: 'spec.ports[1].name' },
    { code: 'IST0118', resource: 'Service default/single', line: 17, path: 'spec.ports[0].port' },
  ]);
  t.equal(messages[0]!.level, 'Info');
  t.match(
    messages[0]!.message,
    /^port name foo-http \(port: 8000, targetPort: 80\) doesn't follow Istio's naming convention/,
  );
  t.match(messages[1]!.message, /^unnamed port \(port: 80, targetPort: 80\)/);
});
