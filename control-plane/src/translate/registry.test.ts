// The registry's Sidecar scoping and ServiceEntry visibility, through buildRegistry.
import t from 'tap';
import { loadResources, type Resource } from '../model/index.ts';
import { buildRegistry } from './registry.ts';
import { hostsOverlap } from './sidecar-scope.ts';
import type { ProxyIdentity } from './types.ts';

function resources(yaml: string): Resource[] {
  const loaded = loadResources(yaml, 'mesh.yaml');
  if (loaded.errors.length > 0) throw new Error(JSON.stringify(loaded.errors));
  return loaded.resources;
}

const proxy = (namespace: string, labels: Record<string, string> = {}): ProxyIdentity => ({
  nodeId: `sidecar~10.0.0.1~p.${namespace}`,
  namespace,
  labels,
});

const sidecar = (name: string, namespace: string, body: string) =>
  `---\napiVersion: networking.weft.dev/v1\nkind: Sidecar\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${body}\n`;
const service = (name: string, namespace: string) =>
  `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: {ports: [{name: http, port: 80}]}\n`;

const MESH =
  service('a', 'default') +
  service('b', 'prod') +
  sidecar(
    'root',
    'istio-system',
    '  egress: [{hosts: ["*/*"]}]\n  outboundTrafficPolicy: {mode: ALLOW_ANY}',
  ) +
  sidecar('ns-wide', 'default', '  egress: [{hosts: ["./*"]}]\n  outboundTrafficPolicy: {}') +
  sidecar(
    'selected',
    'default',
    '  workloadSelector: {labels: {app: special}}\n  egress: [{hosts: ["prod/*"]}]',
  );

const fqdns = (r: ReturnType<typeof buildRegistry>) => r.services.map((s) => s.fqdn);

t.test(
  'a selecting Sidecar wins over the namespace-wide one, which wins over the root default',
  async (t) => {
    const rs = resources(MESH);
    const special = buildRegistry(rs, proxy('default', { app: 'special' }), {});
    t.equal(special.sidecar?.source, 'default/selected');
    t.same(fqdns(special), ['b.prod.svc.cluster.local']);
    t.equal(special.outboundTrafficPolicy, 'ALLOW_ANY', 'no outboundTrafficPolicy on it: the mesh default');

    const plain = buildRegistry(rs, proxy('default', { app: 'web' }), {});
    t.equal(plain.sidecar?.source, 'default/ns-wide');
    t.same(fqdns(plain), ['a.default.svc.cluster.local']);
    t.equal(
      plain.outboundTrafficPolicy,
      'REGISTRY_ONLY',
      'an outboundTrafficPolicy without mode is REGISTRY_ONLY',
    );

    const elsewhere = buildRegistry(rs, proxy('prod'), {});
    t.equal(elsewhere.sidecar?.source, 'istio-system/root');
    t.same(fqdns(elsewhere), ['a.default.svc.cluster.local', 'b.prod.svc.cluster.local']);
  },
);

t.test('without any Sidecar everything is visible and the mesh policy applies', async (t) => {
  const rs = resources(service('a', 'default') + service('b', 'prod'));
  const r = buildRegistry(rs, proxy('default'), { outboundTrafficPolicy: 'REGISTRY_ONLY' });
  t.equal(r.sidecar, undefined);
  t.same(fqdns(r), ['a.default.svc.cluster.local', 'b.prod.svc.cluster.local']);
  t.equal(r.outboundTrafficPolicy, 'REGISTRY_ONLY');
  t.equal(buildRegistry(rs, proxy('default'), {}).outboundTrafficPolicy, 'ALLOW_ANY');
});

t.test('the root namespace is configurable', async (t) => {
  const rs = resources(
    service('a', 'default') + sidecar('root', 'mesh-root', '  egress: [{hosts: ["~/*"]}]'),
  );
  t.same(fqdns(buildRegistry(rs, proxy('default'), {})), ['a.default.svc.cluster.local']);
  t.same(fqdns(buildRegistry(rs, proxy('default'), { rootNamespace: 'mesh-root' })), []);
});

t.test('ServiceEntry exportTo decides which namespaces see it', async (t) => {
  const entry = (name: string, namespace: string, exportTo: string) =>
    `---\napiVersion: networking.weft.dev/v1\nkind: ServiceEntry\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  hosts: [${name}.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: DNS\n  exportTo: ${exportTo}\n`;
  const rs = resources(
    entry('mine', 'billing', '["."]') +
      entry('shared', 'billing', '[default]') +
      entry('hidden', 'billing', '["~"]') +
      entry('all', 'billing', '["*"]'),
  );
  t.same(fqdns(buildRegistry(rs, proxy('billing'), {})), ['all.example.com', 'mine.example.com']);
  t.same(fqdns(buildRegistry(rs, proxy('default'), {})), ['all.example.com', 'shared.example.com']);
});

t.test('a Kubernetes Service wins over a ServiceEntry for the same host', async (t) => {
  const rs = resources(
    service('a', 'default') +
      '---\napiVersion: networking.weft.dev/v1\nkind: ServiceEntry\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a.default.svc.cluster.local]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: DNS\n',
  );
  const r = buildRegistry(rs, proxy('default'), {});
  t.equal(r.services.length, 1);
  t.equal(r.services[0]?.kind, 'Service');
});

t.test('host overlap follows Istio: exact, "*", or a *.suffix covering the other', async (t) => {
  t.ok(hostsOverlap('*', 'a.example.com'));
  t.ok(hostsOverlap('*.example.com', 'a.example.com'));
  t.ok(hostsOverlap('a.example.com', '*.example.com'));
  t.ok(hostsOverlap('*.example.com', '*.example.com'));
  t.ok(hostsOverlap('*.com', '*.example.com'));
  t.notOk(hostsOverlap('*.example.com', 'example.com'));
  t.notOk(hostsOverlap('a.example.com', 'b.example.com'));
});
