import t from 'tap';
import { parse } from 'yaml';
import { ADDR, meshYaml, PROXY_UID, probeMismatch, TARGET_NAMES, TARGET_SPECS } from './intercept-mesh.ts';
import { nsArgv } from './intercept-netns.ts';

const byName = (name: string) => TARGET_SPECS.find((s) => s.name === name)!;

t.test('targets: one-sidecar variant first, then behind an inbound sidecar', async (t) => {
  t.same(TARGET_NAMES, [
    'direct',
    'explicit',
    'intercept',
    'direct+inbound',
    'explicit+inbound',
    'intercept+inbound',
  ]);
  t.match(byName('direct'), { url: 'http://10.78.2.2:9080/', uid: PROXY_UID, expect: { proxied: false } });
  t.match(byName('explicit'), {
    url: 'http://upstream:9080/',
    connect: { host: '127.0.0.1', port: 9080, hostHeader: 'upstream:9080' },
    expect: { proxied: true, peer: ADDR.client },
  });
  t.equal(byName('explicit').uid, undefined, 'application traffic: subject to the init rules');
  t.match(byName('intercept'), { url: 'http://10.96.1.10:9080/', connect: { host: '10.96.1.10' } });
  t.match(byName('intercept+inbound'), { url: 'http://10.96.1.11:9080/', expect: { peer: '127.0.0.1' } });
  t.match(byName('direct+inbound'), { uid: PROXY_UID, expect: { proxied: true } }, 'its sidecar answers');
  for (const s of TARGET_SPECS)
    t.equal(new URL(s.url).host, s.connect.hostHeader, `${s.name}: same Host both ways`);
});

t.test(
  'the control plane folder: a Service with a cluster IP and a WorkloadEntry per upstream',
  async (t) => {
    const docs = meshYaml()
      .split(/^---$/m)
      .map((d) => parse(d) as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
    t.same(
      docs.map((d) => `${d.kind}/${d.metadata.name}`),
      ['Service/upstream', 'WorkloadEntry/upstream', 'Service/upstream2', 'WorkloadEntry/upstream2'],
    );
    t.match(docs[0]!.spec, {
      clusterIP: '10.96.1.10',
      selector: { app: 'upstream' },
      ports: [{ port: 9080 }],
    });
    t.match(docs[3]!.spec, { address: '10.78.3.2', labels: { app: 'upstream2' } });
  },
);

t.test('a probe must show the expected path', async (t) => {
  const ok = { status: 200, bytes: 1024, proxied: true, peer: ADDR.client };
  t.equal(probeMismatch(byName('intercept'), ok), undefined);
  t.equal(probeMismatch(byName('intercept'), undefined), 'no response');
  t.equal(probeMismatch(byName('direct'), ok), 'a proxy answered, none should have');
  t.equal(
    probeMismatch(byName('intercept+inbound'), { ...ok, status: 503, bytes: 19 }),
    `status 503 with 19 bytes; the app saw peer ${ADDR.client}, not 127.0.0.1`,
  );
  t.equal(probeMismatch(byName('explicit'), { ...ok, proxied: false }), 'no proxy in the path');
});

t.test('commands inside a namespace, optionally as another uid', async (t) => {
  t.same(nsArgv('ns1', ['node', '-v']), ['netns', 'exec', 'ns1', 'node', '-v']);
  t.same(nsArgv('ns1', ['node'], { uid: 1337 }), [
    'netns',
    'exec',
    'ns1',
    'setpriv',
    '--reuid=1337',
    '--regid=1337',
    '--clear-groups',
    '--',
    'node',
  ]);
});
