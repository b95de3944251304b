// Property-based fuzzing of translation (issue 9): whatever set of resources validation accepts,
// for whatever proxy identity (namespace, labels, proxyless gRPC, interception), translation
// returns a snapshot and never throws, the snapshot's names are unique, and every resource in it
// encodes as its Envoy message, as the ADS server must before it can push. Replay with
// WEFT_FUZZ_SEED=<seed>.
import fc from 'fast-check';
import t from 'tap';
import { describeFuzz, fuzzEnv, fuzzParameters } from '../../../test/lib/fuzz-env.ts';
import { endpointsOf } from '../mesh-endpoints.ts';
import { NAMESPACES, nearValidResource } from '../model/fuzz-arbitraries.ts';
import { mutatedResource, toYaml } from '../model/fuzz-mutations.ts';
import { loadResources, type Resource } from '../model/index.ts';
import { createSnapshot, encodeResource } from '../xds/index.ts';
import { identityKeyFor, type ProxyIdentity, translate } from './index.ts';

const env = fuzzEnv();
t.comment(describeFuzz(env));
if (env.seconds !== undefined) t.setTimeout(0);

/** Each document as its own file, kept as the folder source keeps them (first of a key wins). */
function validated(docs: readonly unknown[]): Resource[] {
  const byKey = new Map<string, Resource>();
  docs.forEach((doc, i) => {
    for (const r of loadResources(toYaml(doc), `fuzz/${i}.yaml`, { acceptIstioApi: true }).resources) {
      const key = `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
      if (!byKey.has(key)) byKey.set(key, r);
    }
  });
  return [...byKey.values()];
}

const resourceSet = fc.array(fc.oneof({ weight: 3, arbitrary: nearValidResource }, mutatedResource), {
  minLength: 1,
  maxLength: 8,
});

const proxy: fc.Arbitrary<ProxyIdentity> = fc.record(
  {
    nodeId: fc.constantFrom('sidecar~10.0.0.1~reviews-1.default', 'odd node', ''),
    namespace: fc.constantFrom(...NAMESPACES, 'other'),
    labels: fc.dictionary(
      fc.constantFrom('app', 'version', 'tier'),
      fc.constantFrom('reviews', 'v1', 'v2', 'db'),
    ),
    generator: fc.constant('grpc' as const),
    interception: fc.record({
      outbound: fc.constantFrom(15001, 80),
      inbound: fc.constantFrom(15006, 9080),
      dualStack: fc.boolean(),
    }),
  },
  { requiredKeys: ['nodeId', 'namespace', 'labels'] },
);

const options = fc.record({
  rootNamespace: fc.constantFrom('istio-system', 'default'),
  outboundTrafficPolicy: fc.constantFrom('ALLOW_ANY' as const, 'REGISTRY_ONLY' as const),
  clusterDomain: fc.constantFrom('cluster.local', 'mesh.example'),
});

t.test('validated resources translate, for any proxy, into an encodable snapshot', async (t) => {
  let resourcesSeen = 0;
  let xdsEncoded = 0;
  fc.assert(
    fc.property(resourceSet, proxy, options, (docs, identity, opts) => {
      const resources = validated(docs);
      resourcesSeen += resources.length;
      identityKeyFor(resources)(identity);
      const out = translate(resources, identity, {
        ...opts,
        endpoints: endpointsOf(resources, opts.clusterDomain),
      });
      const snapshot = createSnapshot('fuzz', out);
      for (const [typeUrl, byName] of snapshot.resources) {
        for (const resource of byName.values()) {
          encodeResource(typeUrl, resource);
          xdsEncoded++;
        }
      }
    }),
    fuzzParameters(250, env),
  );
  t.ok(resourcesSeen > 0, `validated resources were translated (${resourcesSeen})`);
  t.ok(xdsEncoded > 0, `xDS resources were encoded (${xdsEncoded})`);
});
