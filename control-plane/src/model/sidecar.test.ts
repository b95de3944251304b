import t from 'tap';
import { doc, load, pick, rejects } from './test-helpers.ts';

// Body line k of these specs is file line 5 + k.
const sidecar = (body: string) => load(doc('Sidecar', body, 'default'));

t.test('a valid Sidecar loads', async (t) => {
  const r = sidecar(`
workloadSelector: {labels: {app: productpage}}
egress:
- port: {number: 9080, protocol: HTTP, name: http}
  hosts: ["./reviews.default.svc.cluster.local", "prod/*"]
- hosts: ["~/*", "istio-system/*", "*/*.example.com"]
outboundTrafficPolicy: {mode: REGISTRY_ONLY}`);
  t.same(pick(r.errors), []);
  t.same(pick(r.warnings), []);
  t.equal(r.resources[0]?.kind, 'Sidecar');
});

t.test('an empty Sidecar is an error', async (t) => {
  rejects(t, sidecar('workloadSelector: {labels: {app: a}}'), {
    path: 'spec',
    line: 5,
    message:
      'the Sidecar configures nothing: set egress, ingress, outboundTrafficPolicy, inboundConnectionPool, or remove it',
  });
});

t.test('egress hosts are namespace/host with full names', async (t) => {
  rejects(
    t,
    sidecar(`
egress:
- hosts:
  - reviews
  - ./reviews
  - Prod/*
  - "./*foo.example.com"
  - "/a.example.com"
  - "./Bad.Example.com"`),
    {
      path: 'spec.egress[0].hosts[0]',
      line: 8,
      message: '"reviews" must be of the form namespace/host, e.g. "./reviews" or "*/reviews"',
    },
    {
      path: 'spec.egress[0].hosts[1]',
      line: 9,
      message:
        'short name "reviews" is not allowed here: write the full name, e.g. reviews.<namespace>.svc.cluster.local',
    },
    {
      path: 'spec.egress[0].hosts[2]',
      line: 10,
      message: '"Prod" is not a namespace: use a namespace name, ".", "*" or "~"',
    },
    {
      path: 'spec.egress[0].hosts[3]',
      line: 11,
      message: 'partial wildcard "*foo.example.com" is not allowed: use "*.domain"',
    },
    {
      path: 'spec.egress[0].hosts[4]',
      line: 12,
      message: '"/a.example.com" needs both a namespace and a host around "/"',
    },
    {
      path: 'spec.egress[0].hosts[5]',
      line: 13,
      message: '"Bad.Example.com" is not a valid host: label "Bad" must be lowercase letters, digits and "-"',
    },
  );
  rejects(t, sidecar('egress:\n- port: {number: 80}'), {
    path: 'spec.egress[0].hosts',
    line: 7,
    message: 'an egress listener needs at least one host, e.g. "./*" or "istio-system/*"',
  });
});

t.test('repeated and redundant hosts are warnings', async (t) => {
  const r = sidecar('egress:\n- hosts: ["*/*", "./a.example.com", "./a.example.com"]');
  t.same(pick(r.errors), []);
  t.same(pick(r.warnings), [
    {
      path: 'spec.egress[0].hosts[2]',
      line: 7,
      message: '"./a.example.com" repeats what an earlier host of this listener already selects',
    },
    {
      path: 'spec.egress[0].hosts',
      line: 7,
      message: '"*/*" selects everything, so the other hosts add nothing',
    },
  ]);
});

t.test('egress listeners: one catch-all, last; unique ports', async (t) => {
  rejects(
    t,
    sidecar(`
egress:
- hosts: ["./*"]
- port: {number: 80, name: HTTP, protocol: SPDY, targetPort: 8080}
  hosts: ["./*"]
- port: {number: 80}
  hosts: ["./*"]
- hosts: ["*/*"]
- hosts: ["*/*"]`),
    {
      path: 'spec.egress[0]',
      line: 7,
      message:
        'the egress listener without a port catches every other port, so it must be the last one: move it to the end',
    },
    {
      path: 'spec.egress[1].port.targetPort',
      line: 8,
      message: 'targetPort has no effect on Sidecars: remove it',
    },
    {
      path: 'spec.egress[1].port.name',
      line: 8,
      message: 'port name "HTTP" is invalid: use a lowercase DNS label such as http',
    },
    {
      path: 'spec.egress[1].port.protocol',
      line: 8,
      message:
        'unsupported protocol "SPDY": use one of HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web, HTTPS, TLS, TCP, UDP, Mongo, Redis, MySQL',
    },
    {
      path: 'spec.egress[2].port.number',
      line: 10,
      message: 'port 80 has two egress listeners: merge their hosts',
    },
    {
      path: 'spec.egress[3]',
      line: 12,
      message: 'only one egress listener may omit port; spec.egress[0] already does',
    },
    {
      path: 'spec.egress[4]',
      line: 13,
      message: 'only one egress listener may omit port; spec.egress[0] already does',
    },
  );
});

t.test(
  'ingress, bind, captureMode and egressProxy are accepted and reported as not implemented',
  async (t) => {
    const r = sidecar(`
ingress:
- port: {number: 9080, protocol: HTTP, name: http}
  defaultEndpoint: 127.0.0.1:8080
egress:
- bind: 127.0.0.2
  captureMode: NONE
  hosts: ["./*"]
outboundTrafficPolicy:
  mode: ALLOW_ANY
  egressProxy: {host: egress.example.com, port: {number: 3128}}`);
    t.same(pick(r.errors), []);
    t.same(pick(r.warnings), [
      {
        path: 'spec.ingress',
        line: 6,
        message: 'ingress is not implemented yet and is ignored: inbound traffic uses the defaults',
      },
      { path: 'spec.egress[0].bind', line: 10, message: 'bind is not implemented yet and is ignored' },
      {
        path: 'spec.egress[0].captureMode',
        line: 11,
        message: 'captureMode NONE is not implemented yet and is ignored',
      },
      {
        path: 'spec.outboundTrafficPolicy.egressProxy',
        line: 15,
        message: 'egressProxy is not implemented yet and is ignored',
      },
    ]);
    t.equal(r.resources.length, 1);
  },
);

t.test('outboundTrafficPolicy', async (t) => {
  rejects(
    t,
    sidecar('outboundTrafficPolicy:\n  egressProxy: {host: egress.example.com, port: {number: 3128}}'),
    {
      path: 'spec.outboundTrafficPolicy.egressProxy',
      line: 7,
      message:
        'egressProxy takes effect only with mode ALLOW_ANY (the mode defaults to REGISTRY_ONLY): set mode: ALLOW_ANY',
    },
  );
  rejects(t, sidecar('outboundTrafficPolicy: {mode: DENY}'), {
    path: 'spec.outboundTrafficPolicy.mode',
    line: 6,
    message: 'string "DENY" is not allowed: use one of REGISTRY_ONLY, ALLOW_ANY',
  });
});

t.test('workloadSelector labels', async (t) => {
  const r = sidecar('workloadSelector: {labels: {}}\noutboundTrafficPolicy: {mode: ALLOW_ANY}');
  t.same(pick(r.warnings), [
    {
      path: 'spec.workloadSelector',
      line: 6,
      message:
        'workloadSelector has no labels, so it applies to every workload in the namespace: add labels, or remove the selector',
    },
  ]);
});
