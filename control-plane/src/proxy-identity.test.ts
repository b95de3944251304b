import t from 'tap';
import { proxyIdentity } from './proxy-identity.ts';

t.test('namespace and labels from metadata, namespace from an Istio node id otherwise', async (t) => {
  t.same(proxyIdentity('a', { NAMESPACE: 'shop', LABELS: '{"app":"cart"}' }), {
    nodeId: 'a',
    namespace: 'shop',
    labels: { app: 'cart' },
  });
  t.same(proxyIdentity('sidecar~10.0.0.5~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local', {}), {
    nodeId: 'sidecar~10.0.0.5~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local',
    namespace: 'bookinfo',
    labels: {},
  });
  t.equal(proxyIdentity('plain', { LABELS: 'not json' }).namespace, 'default');
});

t.test('a proxyless gRPC client: GENERATOR=grpc, or a gRPC user agent when metadata is lost', async (t) => {
  t.equal(proxyIdentity('a', { GENERATOR: 'grpc' }).generator, 'grpc');
  t.equal(proxyIdentity('a', {}, 'gRPC Node Pure JS').generator, 'grpc');
  t.equal(proxyIdentity('a', {}, 'gRPC Go').generator, 'grpc');
  t.equal(proxyIdentity('a', {}, 'weft-proxy').generator, undefined);
  t.equal(proxyIdentity('a', {}, 'envoy').generator, undefined);
});

t.test('an intercepting sidecar: INTERCEPTION_MODE=REDIRECT with its ports', async (t) => {
  t.same(proxyIdentity('a', { INTERCEPTION_MODE: 'REDIRECT' }).interception, {
    outbound: 15001,
    inbound: 15006,
    dualStack: false,
  });
  t.same(
    proxyIdentity('a', { INTERCEPTION_MODE: 'REDIRECT', OUTBOUND_PORT: '16001', INBOUND_PORT: '16006' })
      .interception,
    { outbound: 16001, inbound: 16006, dualStack: false },
  );
  t.equal(
    proxyIdentity('a', { INTERCEPTION_MODE: 'REDIRECT', INSTANCE_IPS: '10.0.0.5,fd00::5' }).interception
      ?.dualStack,
    true,
    'an IPv6 instance address means dual stack',
  );
  t.equal(proxyIdentity('a', {}).interception, undefined);
});
