import t from 'tap';
import { compileCluster } from '../compile/index.ts';
import { OriginalDstHosts, parseHostHeader } from './original-dst.ts';

function cluster(config: Record<string, unknown> = {}) {
  return compileCluster(
    {
      name: 'passthrough',
      type: 'ORIGINAL_DST',
      lb_policy: 'CLUSTER_PROVIDED',
      connect_timeout: '1s',
      ...config,
    },
    'c',
  );
}

const request = (headers: Record<string, string>) => ({ header: (name: string) => headers[name] });
const redirected = { address: '10.0.0.7', port: 8080, selfAddressed: false };

t.test('the header value: ip:port or [ipv6]:port, the first of several', async (t) => {
  t.same(parseHostHeader('10.0.0.1:80'), ['10.0.0.1', 80]);
  t.same(parseHostHeader('[fd00::1]:8443'), ['fd00::1', 8443]);
  t.same(parseHostHeader('10.0.0.1:80, 10.0.0.2:81'), ['10.0.0.1', 80]);
  for (const bad of ['10.0.0.1', 'example.com:80', 'fd00::1:80', '10.0.0.1:0', '10.0.0.1:70000', ':80'])
    t.equal(parseHostHeader(bad), undefined, bad);
});

t.test('hosts come from the original destination, or the header when enabled', async (t) => {
  const plain = new OriginalDstHosts(cluster());
  t.teardown(() => plain.destroy());
  t.equal(plain.pick({ originalDestination: redirected })?.id, '10.0.0.7:8080');
  t.equal(
    plain.pick({ originalDestination: redirected }),
    plain.pick({ originalDestination: redirected }),
    'one host per address',
  );
  t.equal(
    plain.pick({
      originalDestination: redirected,
      request: request({ 'x-envoy-original-dst-host': '10.1.1.1:1' }),
    })?.id,
    '10.0.0.7:8080',
    'the header is ignored unless use_http_header',
  );
  t.equal(
    plain.pick({ originalDestination: { ...redirected, selfAddressed: true } }),
    undefined,
    'never back into the proxy',
  );
  t.equal(plain.pick(undefined), undefined);

  const byHeader = new OriginalDstHosts(
    cluster({ original_dst_lb_config: { use_http_header: true, upstream_port_override: 9000 } }),
  );
  t.teardown(() => byHeader.destroy());
  t.equal(
    byHeader.pick({ request: request({ 'x-envoy-original-dst-host': '127.0.0.1:5555' }) })?.id,
    '127.0.0.1:9000',
  );
  t.equal(
    byHeader.pick({
      originalDestination: redirected,
      request: request({ 'x-envoy-original-dst-host': 'junk' }),
    })?.id,
    '10.0.0.7:9000',
  );
  const custom = new OriginalDstHosts(
    cluster({ original_dst_lb_config: { use_http_header: true, http_header_name: 'X-Dst' } }),
  );
  t.teardown(() => custom.destroy());
  t.equal(custom.pick({ request: request({ 'x-dst': '[::1]:80' }) })?.id, '[::1]:80');
});

t.test('a sweep forgets hosts unused since the previous sweep, and keeps busy ones', async (t) => {
  const hosts = new OriginalDstHosts(cluster({ cleanup_interval: '3600s' }));
  t.teardown(() => hosts.destroy());
  const a = hosts.pick({ originalDestination: { ...redirected, port: 1 } })!;
  const b = hosts.pick({ originalDestination: { ...redirected, port: 2 } })!;
  hosts.sweep();
  t.equal([...hosts.current].length, 2, 'both were used in this interval');
  b.stats.cxActive = 1;
  hosts.sweep();
  t.same([...hosts.current], [b], 'an idle host is removed, a host with a connection stays');
  t.not(
    hosts.pick({ originalDestination: { ...redirected, port: 1 } }),
    a,
    'a new host for a returning address',
  );
  b.stats.cxActive = 0;
});

t.test('ORIGINAL_DST and CLUSTER_PROVIDED go together; no endpoints', async (t) => {
  t.throws(() => cluster({ lb_policy: 'ROUND_ROBIN' }), {
    message:
      'c.lb_policy: lb_policy ROUND_ROBIN is not valid for a cluster of type ORIGINAL_DST: use CLUSTER_PROVIDED',
  });
  t.throws(() => compileCluster({ name: 'x', type: 'STATIC', lb_policy: 'CLUSTER_PROVIDED' }, 'c'), {
    message: /^c\.lb_policy: lb_policy CLUSTER_PROVIDED needs a cluster type/,
  });
  const withEndpoint = {
    load_assignment: {
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 1 } } } },
          ],
        },
      ],
    },
  };
  t.throws(() => cluster(withEndpoint), { message: /^c\.load_assignment: an ORIGINAL_DST cluster/ });
  t.equal(
    cluster({ upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } } })
      .bindAddress,
    '127.0.0.6',
  );
  t.equal(cluster().originalDst?.cleanupIntervalMs, 5000);
});
