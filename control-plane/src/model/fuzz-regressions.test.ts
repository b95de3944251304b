// Regressions found by the loading fuzzer (model/fuzz.test.ts), one plain case each.
import t from 'tap';
import { load, pick } from './test-helpers.ts';

const SERVICE_HEAD = 'apiVersion: v1\nkind: Service\nmetadata: {name: bomb}\nspec:\n  ports: [{port: 80}]\n';

t.test('aliases that expand past the budget are an error on the document, not a throw', async (t) => {
  const rows = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a]', 'c: &c [*b, *b]'];
  for (const x of 'defg')
    rows.push(
      `${x}: &${x} [*${String.fromCharCode(x.charCodeAt(0) - 1)}, *${String.fromCharCode(x.charCodeAt(0) - 1)}]`,
    );
  const result = load(`${SERVICE_HEAD}  x:\n${rows.map((r) => `    ${r}`).join('\n')}\n`);
  t.equal(result.resources.length, 0);
  t.equal(result.errors.length, 1);
  t.match(result.errors[0], { line: 1, resource: 'document at line 1', path: '', message: /too many nodes/ });
});

t.test('an alias to a node that contains it is an error, not a cyclic resource', async (t) => {
  const result = load(
    'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: &s\n  ports: [{port: 80}]\n  me: *s\n',
  );
  t.equal(result.resources.length, 0);
  t.same(pick(result.errors), [
    {
      path: '',
      line: 1,
      message: 'invalid YAML: an alias refers to a node that contains it; resources cannot be cycles',
    },
  ]);
});

t.test('an alias to a sibling is still fine', async (t) => {
  const result = load(
    'apiVersion: networking.weft.dev/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  hosts: [x]\n  http:\n  - route: &r [{destination: {host: x}}]\n  - route: *r\n',
  );
  t.same(result.errors, []);
  t.equal(result.resources.length, 1);
});

t.test("Object.prototype's member names are unknown fields like any other", async (t) => {
  const result = load(
    'apiVersion: networking.weft.dev/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  hosts: [x]\n  constructor: 1\n  __proto__: {a: 1}\n  http: [{route: [{destination: {host: x}}], toString: 5}]\n',
  );
  t.same(
    pick(result.errors).map((e) => [e.path, e.line]),
    [
      ['spec.constructor', 6],
      ['spec.__proto__', 7],
      ['spec.http[0].toString', 8],
    ],
  );
  t.equal(result.resources.length, 0);
});

t.test('a Service port number appears once per protocol', async (t) => {
  const svc = (ports: string) =>
    `apiVersion: v1\nkind: Service\nmetadata: {name: dns}\nspec:\n  ports: ${ports}\n`;
  const dup = load(svc('[{name: a, port: 80}, {name: b, port: 80}]'));
  t.same(pick(dup.errors), [
    {
      path: 'spec.ports[1].port',
      line: 5,
      message: 'port 80/TCP is already defined at spec.ports[0]: remove one',
    },
  ]);
  const tcpAndUdp = load(svc('[{name: tcp, port: 53}, {name: udp, port: 53, protocol: UDP}]'));
  t.same(tcpAndUdp.errors, []);
  const odd = load(svc('[{name: a, port: 53, protocol: QUIC}]'));
  t.same(pick(odd.errors), [
    {
      path: 'spec.ports[0].protocol',
      line: 5,
      message: 'protocol string "QUIC" is not allowed: use TCP, UDP or SCTP',
    },
  ]);
});

t.test('Service port fields of the wrong type are errors, not throws or silent passes', async (t) => {
  const result = load(`apiVersion: v1
kind: Service
metadata: {name: x}
spec:
  clusterIP: {toString: 1}
  ports:
  - {name: a, port: 80, protocol: {toString: 1}}
  - {name: b, port: 81, appProtocol: {appProtocol: http}}
`);
  t.same(
    pick(result.errors).map((e) => e.path),
    ['spec.clusterIP', 'spec.ports[0].protocol', 'spec.ports[1].appProtocol'],
  );
  t.equal(result.resources.length, 0);
});
