import t from 'tap';
import { doc, load, pick, rejects } from './test-helpers.ts';

// Body line k of these specs is file line 5 + k.
const se = (body: string, options?: { acceptIstioApi?: boolean }) =>
  load(doc('ServiceEntry', body, 'external'), options);
const HTTP_PORT = 'ports: [{number: 80, name: http, protocol: HTTP}]';

t.test('valid entries of each resolution load with their fields', async (t) => {
  const dns = se(`
hosts: [api.example.com, www.example.com]
addresses: [240.0.0.1]
${HTTP_PORT}
location: MESH_EXTERNAL
resolution: DNS
exportTo: [".", istio-system]
subjectAltNames: [spiffe://example.com/api]`);
  t.same(pick(dns.errors), []);
  t.same(pick(dns.warnings), []);
  t.same(dns.resources[0]?.spec.resolution, 'DNS');
  const staticEntry = se(`
hosts: [payments.internal]
ports: [{number: 8443, name: https, protocol: HTTPS, targetPort: 443}]
location: MESH_INTERNAL
resolution: STATIC
endpoints:
- {address: 10.1.0.1, labels: {version: v1}, locality: us-east/a, weight: 3}
- {address: "2001:db8::1", ports: {https: 9443}}`);
  t.same(pick(staticEntry.errors), []);
  const none = se(`hosts: ["*.example.com"]\n${HTTP_PORT}\nresolution: NONE`);
  t.same(pick(none.errors), []);
  const selector = se(
    `hosts: [vm.internal]\n${HTTP_PORT}\nresolution: STATIC\nworkloadSelector: {labels: {app: vm}}`,
  );
  t.same(pick(selector.errors), []);
  const roundRobin = se(
    `hosts: [api.example.com]\n${HTTP_PORT}\nresolution: DNS_ROUND_ROBIN\nendpoints: [{address: lb.example.com}]`,
  );
  t.same(pick(roundRobin.errors), []);
});

t.test('Istio apiVersions need --accept-istio-api, like the other kinds', async (t) => {
  const text = `apiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\nmetadata: {name: e}\nspec:\n  hosts: [a.example.com]\n  ${HTTP_PORT}\n  resolution: DNS\n`;
  t.equal(load(text).resources.length, 0);
  t.same(pick(load(text, { acceptIstioApi: true }).errors), []);
});

t.test('hosts', async (t) => {
  rejects(t, se(`resolution: DNS\n${HTTP_PORT}`), {
    path: 'spec.hosts',
    line: 5,
    message: 'a ServiceEntry needs at least one host, e.g. api.example.com',
  });
  rejects(
    t,
    se(`hosts: ["*", Bad_Host.com, a.example.com, a.example.com]\n${HTTP_PORT}\nresolution: NONE`),
    {
      path: 'spec.hosts[0]',
      line: 6,
      message: 'host "*" would capture every destination: name the hosts, or use "*.example.com"',
    },
    {
      path: 'spec.hosts[1]',
      line: 6,
      message: '"Bad_Host.com" is not a valid host: use a DNS name, optionally starting with "*."',
    },
    { path: 'spec.hosts[3]', line: 6, message: 'host "a.example.com" is listed twice: remove one' },
  );
  const partial = se(`hosts: ["*foo.example.com"]\n${HTTP_PORT}\nresolution: NONE`);
  t.same(pick(partial.warnings), [
    {
      path: 'spec.hosts[0]',
      line: 6,
      message: 'partial wildcard "*foo.example.com" matches only itself: use "*.example.com"',
    },
  ]);
});

t.test('a wildcard host cannot be resolved with DNS unless endpoints are listed', async (t) => {
  rejects(t, se(`hosts: ["*.example.com"]\n${HTTP_PORT}\nresolution: DNS`), {
    path: 'spec.hosts[0]',
    line: 6,
    message:
      'wildcard host "*.example.com" cannot be resolved with DNS: list endpoints to resolve instead, or use resolution NONE',
  });
  const withEndpoints = se(
    `hosts: ["*.example.com"]\n${HTTP_PORT}\nresolution: DNS\nendpoints: [{address: proxy.example.com}]`,
  );
  t.same(pick(withEndpoints.errors), []);
});

t.test('ports are required, named, in range and unique', async (t) => {
  rejects(t, se('hosts: [a.example.com]\nresolution: DNS'), {
    path: 'spec.ports',
    line: 5,
    message: 'a ServiceEntry needs at least one port: add ports with number, name and protocol',
  });
  rejects(
    t,
    se(`hosts: [a.example.com]
resolution: DNS
ports:
- {number: 80, name: http, protocol: HTTP}
- {number: 80, name: http, protocol: HTTP}
- {number: 70000, name: Web, protocol: SPDY}
- {protocol: HTTP}`),
    { path: 'spec.ports[1].name', line: 10, message: 'port name "http" is used twice' },
    { path: 'spec.ports[1].number', line: 10, message: 'port 80 is defined twice' },
    {
      path: 'spec.ports[2].name',
      line: 11,
      message: 'port name "Web" is invalid: use a lowercase DNS label such as http',
    },
    { path: 'spec.ports[2].number', line: 11, message: 'port 70000 is out of range: use 1 to 65535' },
    {
      path: 'spec.ports[2].protocol',
      line: 11,
      message:
        'unsupported protocol "SPDY": use one of HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web, HTTPS, TLS, TCP, UDP, Mongo, Redis, MySQL',
    },
    { path: 'spec.ports[3]', line: 12, message: 'port name is required: name it, e.g. http' },
    { path: 'spec.ports[3]', line: 12, message: 'port number is required' },
  );
  const tcp = se(
    'hosts: [db.example.com]\nresolution: DNS\nports: [{number: 5432, name: pg, protocol: TCP}]',
  );
  t.same(pick(tcp.warnings), [
    {
      path: 'spec.ports[0]',
      line: 8,
      message:
        'a TCP (or unset) protocol port is told apart only by address: add addresses, or set protocol (e.g. HTTP)',
    },
  ]);
});

t.test('several hosts need HTTP or TLS ports unless resolution is NONE', async (t) => {
  rejects(
    t,
    se(
      'hosts: [a.example.com, b.example.com]\nresolution: DNS\naddresses: [240.0.0.1]\nports: [{number: 5432, name: pg, protocol: TCP}]',
    ),
    {
      path: 'spec.ports[0]',
      line: 9,
      message:
        'several hosts share this port, but it is not HTTP or TLS, so connections cannot be told apart: set protocol to HTTP/HTTPS/TLS, or split the hosts into ServiceEntries',
    },
  );
});

t.test('addresses are IPs or CIDR blocks; CIDR only with NONE or STATIC', async (t) => {
  rejects(
    t,
    se(
      `hosts: [a.example.com]\n${HTTP_PORT}\nresolution: DNS\naddresses: [10.0.0.0/8, 300.1.1.1, 10.0.0.0/40]`,
    ),
    {
      path: 'spec.addresses[0]',
      line: 9,
      message: 'a CIDR block is allowed only with resolution NONE or STATIC, not DNS: use a single IP',
    },
    {
      path: 'spec.addresses[1]',
      line: 9,
      message: '"300.1.1.1" is not an IP address or CIDR block: use e.g. 10.0.0.5 or 10.0.0.0/16',
    },
    {
      path: 'spec.addresses[2]',
      line: 9,
      message: '"10.0.0.0/40" is not an IP address or CIDR block: use e.g. 10.0.0.5 or 10.0.0.0/16',
    },
  );
});

t.test('resolution NONE takes no endpoints', async (t) => {
  rejects(
    t,
    se(`hosts: [a.example.com]\n${HTTP_PORT}\nresolution: NONE\nendpoints: [{address: a.example.com}]`),
    {
      path: 'spec.endpoints',
      line: 9,
      message:
        'resolution NONE sends traffic to the address the caller dialled, so it takes no endpoints: remove them, or use STATIC or DNS',
    },
  );
});

t.test('resolution STATIC needs endpoints with IP addresses', async (t) => {
  rejects(t, se(`hosts: [a.internal]\n${HTTP_PORT}\nresolution: STATIC`), {
    path: 'spec',
    line: 5,
    message:
      'resolution STATIC needs endpoints (IP addresses) or a workloadSelector: add them, or use DNS to resolve the hosts',
  });
  rejects(
    t,
    se(`hosts: [a.internal]
${HTTP_PORT}
resolution: STATIC
endpoints:
- {address: a.example.com}
- {address: 10.0.0.1, ports: {grpc: 9090, http: 0}, labels: {"bad key!": v}}
- {labels: {app: a}}
- {address: "unix:///var/run/a.sock"}`),
    {
      path: 'spec.endpoints[0].address',
      line: 10,
      message:
        '"a.example.com" is not an IP address: resolution STATIC takes IPs; use resolution DNS for host names',
    },
    {
      path: 'spec.endpoints[1].ports.grpc',
      line: 11,
      message: '"grpc" is not one of this ServiceEntry\'s port names (http)',
    },
    {
      path: 'spec.endpoints[1].ports.http',
      line: 11,
      message: 'port 0 is out of range: use 1 to 65535',
    },
    {
      path: 'spec.endpoints[1].labels["bad key!"]',
      line: 11,
      message:
        'label key "bad key!" is invalid: use letters, digits, "-", "_" and ".", optionally after a DNS prefix and "/"',
    },
    {
      path: 'spec.endpoints[2]',
      line: 12,
      message: 'endpoint address is required: the IP (or, for DNS resolution, the host name) to connect to',
    },
    {
      path: 'spec.endpoints[3].address',
      line: 13,
      message: 'unix domain socket endpoints are not supported yet: use an IP address',
    },
  );
});

t.test('DNS endpoints are IPs or DNS names; DNS_ROUND_ROBIN takes at most one', async (t) => {
  rejects(
    t,
    se(`hosts: [a.example.com]
${HTTP_PORT}
resolution: DNS_ROUND_ROBIN
endpoints: [{address: a.example.com}, {address: "not a host"}]`),
    {
      path: 'spec.endpoints',
      line: 9,
      message:
        'resolution DNS_ROUND_ROBIN connects through one DNS name, so it takes 0 or 1 endpoints: keep one, or use DNS',
    },
    {
      path: 'spec.endpoints[1].address',
      line: 9,
      message: '"not a host" is neither an IP address nor a DNS name',
    },
  );
});

t.test('workloadSelector: exclusive with endpoints, exact labels, meaningful only for STATIC', async (t) => {
  rejects(
    t,
    se(`hosts: [a.internal]
${HTTP_PORT}
resolution: STATIC
workloadSelector: {labels: {app: "*"}}
endpoints: [{address: 10.0.0.1}]`),
    {
      path: 'spec.workloadSelector.labels.app',
      line: 9,
      message: 'wildcards are not supported in selectors: select on exact labels',
    },
    {
      path: 'spec.workloadSelector',
      line: 9,
      message:
        'use either workloadSelector or endpoints, not both: list the endpoints inline, or select WorkloadEntries',
    },
  );
  const dns = se(
    `hosts: [a.example.com]\n${HTTP_PORT}\nresolution: DNS\nworkloadSelector: {labels: {app: a}}`,
  );
  t.same(pick(dns.errors), []);
  t.same(pick(dns.warnings), [
    { path: 'spec.workloadSelector', line: 9, message: 'workloadSelector has no effect with resolution DNS' },
  ]);
});

t.test('exportTo', async (t) => {
  rejects(
    t,
    se(`hosts: [a.example.com]\n${HTTP_PORT}\nresolution: DNS\nexportTo: [".", default, "*", Bad]`),
    {
      path: 'spec.exportTo[1]',
      line: 9,
      message: '"." and "default" both name this resource\'s namespace (default): remove one',
    },
    {
      path: 'spec.exportTo[2]',
      line: 9,
      message:
        '"*" exports to every namespace, so other entries make no sense: keep "*" alone or list namespaces',
    },
    {
      path: 'spec.exportTo[3]',
      line: 9,
      message: '"Bad" is not a namespace: use ".", "*", "~" or a namespace name',
    },
  );
  t.same(pick(se(`hosts: [a.example.com]\n${HTTP_PORT}\nresolution: DNS\nexportTo: ["~"]`).errors), []);
});

t.test('unknown fields are named with a suggestion', async (t) => {
  rejects(t, se(`hosts: [a.example.com]\n${HTTP_PORT}\nresolutoin: DNS`), {
    path: 'spec.resolutoin',
    line: 8,
    message:
      'unknown field "resolutoin" (did you mean "resolution"?): remove it or use one of hosts, addresses, ports, location, resolution, endpoints, workloadSelector, exportTo, subjectAltNames',
  });
});
