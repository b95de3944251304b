// Routing end to end: real upstream servers, a real proxy, real HTTP/1.1 and HTTP/2 clients.
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { PROTOCOLS } from './lib/client.ts';
import { startProxy } from './lib/proxy.ts';
import { type Echo, startUpstream } from './lib/upstream.ts';

const a = await startUpstream({ name: 'a' });
const b = await startUpstream({ name: 'b' });
const c = await startUpstream({ name: 'c' });
t.teardown(() => Promise.all([a.close(), b.close(), c.close()]));

const proxy = await startProxy(
  bootstrap({
    clusters: [staticCluster('a', [a.port]), staticCluster('b', [b.port]), staticCluster('c', [c.port])],
    routeConfig: {
      request_headers_to_add: [{ header: { key: 'x-rc', value: 'rc' } }],
      response_headers_to_add: [{ header: { key: 'x-rc-resp', value: 'rc' } }],
    },
    virtualHosts: [
      {
        name: 'exact',
        domains: ['api.example.com', 'api.example.com:8080'],
        request_headers_to_add: [{ header: { key: 'x-vhost', value: 'exact' } }],
        routes: [{ name: 'api', match: { prefix: '/' }, route: { cluster: 'b' } }],
      },
      {
        name: 'suffix',
        domains: ['*.example.com'],
        routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }],
      },
      {
        name: 'prefix-wild',
        domains: ['internal.*'],
        routes: [
          { match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'internal' } } },
        ],
      },
      anyHost([
        { name: 'exact-path', match: { path: '/exact' }, route: { cluster: 'b' } },
        { name: 'ci', match: { prefix: '/CaSe', case_sensitive: false }, route: { cluster: 'c' } },
        { name: 'regex', match: { safe_regex: { regex: '/items/[0-9]+' } }, route: { cluster: 'c' } },
        { name: 'sep', match: { path_separated_prefix: '/sep' }, route: { cluster: 'b' } },
        {
          name: 'header',
          match: { prefix: '/hm', headers: [{ name: 'x-canary', string_match: { exact: 'yes' } }] },
          route: { cluster: 'b' },
        },
        {
          name: 'header-absent',
          match: { prefix: '/hm', headers: [{ name: 'x-canary', present_match: true, invert_match: true }] },
          route: { cluster: 'c' },
        },
        {
          name: 'query',
          match: { prefix: '/q', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] },
          route: { cluster: 'b' },
        },
        { name: 'rewrite', match: { prefix: '/old/' }, route: { cluster: 'a', prefix_rewrite: '/new/' } },
        {
          name: 'regex-rewrite',
          match: { prefix: '/rx/' },
          route: {
            cluster: 'a',
            regex_rewrite: { pattern: { regex: '^/rx/(\\w+)/(\\w+)$' }, substitution: '/\\2/\\1' },
          },
        },
        {
          name: 'host-rewrite',
          match: { prefix: '/host' },
          route: { cluster: 'a', host_rewrite_literal: 'rewritten.local' },
        },
        {
          name: 'redirect',
          match: { prefix: '/redirect' },
          redirect: {
            host_redirect: 'other.example',
            path_redirect: '/landing',
            response_code: 'TEMPORARY_REDIRECT',
          },
        },
        { name: 'https', match: { prefix: '/secure' }, redirect: { https_redirect: true } },
        {
          name: 'direct',
          match: { prefix: '/direct' },
          direct_response: { status: 418, body: { inline_string: 'teapot' } },
        },
        {
          name: 'headers',
          match: { prefix: '/headers' },
          route: { cluster: 'a' },
          request_headers_to_add: [
            { header: { key: 'x-added', value: 'route' } },
            { header: { key: 'x-over', value: 'new' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
          ],
          request_headers_to_remove: ['x-remove-me'],
          response_headers_to_add: [{ header: { key: 'x-route-resp', value: 'yes' } }],
          response_headers_to_remove: ['x-upstream'],
        },
        {
          name: 'weighted',
          match: { prefix: '/weighted' },
          route: {
            weighted_clusters: {
              clusters: [
                { name: 'a', weight: 1 },
                { name: 'b', weight: 3 },
              ],
            },
          },
        },
        { name: 'default', match: { prefix: '/' }, route: { cluster: 'a' } },
      ]),
    ],
  }),
);
t.teardown(() => proxy.close());

for (const { name, connect } of PROTOCOLS) {
  t.test(name, async (t) => {
    const client = connect(proxy.port);
    t.teardown(() => client.close());
    const echo = async (path: string, headers: Record<string, string> = {}, host?: string) => {
      const r = await client({ path, headers, ...(host ? { host } : {}) });
      t.equal(r.status, 200, `${path} → 200`);
      return JSON.parse(r.body) as Echo;
    };

    t.test('virtual hosts by domain: exact, with port, *.suffix, prefix.*, *', async (t) => {
      t.equal((await echo('/', {}, 'api.example.com')).server, 'b');
      t.equal((await echo('/', {}, 'API.example.com:8080')).server, 'b', 'case-insensitive, with port');
      t.equal(
        (await echo('/', {}, 'api.example.com:9999')).server,
        'b',
        'port stripped when no domain has it',
      );
      t.equal((await echo('/', {}, 'www.example.com')).server, 'c', 'suffix wildcard');
      const internal = await client({ path: '/', host: 'internal.corp' });
      t.equal(internal.body, 'internal', 'prefix wildcard');
      t.equal((await echo('/', {}, 'elsewhere.test')).server, 'a', 'catch-all');
      const vh = await echo('/', {}, 'api.example.com');
      t.equal(vh.headers['x-vhost'], 'exact', 'virtual host request header');
      t.equal(vh.headers['x-rc'], 'rc', 'route config request header');
    });

    t.test('route matches, first match wins', async (t) => {
      t.equal((await echo('/exact')).server, 'b');
      t.equal((await echo('/exact/more')).server, 'a', 'path match is exact');
      t.equal((await echo('/case/x')).server, 'c', 'case-insensitive prefix');
      t.equal((await echo('/items/42')).server, 'c', 'safe_regex');
      t.equal((await echo('/items/42x')).server, 'a', 'safe_regex matches the whole path');
      t.equal((await echo('/items/42?x=1')).server, 'c', 'query ignored by path matching');
      t.equal((await echo('/sep')).server, 'b');
      t.equal((await echo('/sep/x')).server, 'b');
      t.equal((await echo('/separate')).server, 'a', 'path_separated_prefix stops at a segment');
      t.equal((await echo('/hm', { 'x-canary': 'yes' })).server, 'b', 'header exact');
      t.equal((await echo('/hm')).server, 'c', 'inverted presence = absent');
      t.equal((await echo('/hm', { 'x-canary': 'no' })).server, 'a', 'present but different → falls through');
      t.equal((await echo('/q?v=2')).server, 'b', 'query parameter');
      t.equal((await echo('/q?v=3')).server, 'a');
    });

    t.test('rewrites', async (t) => {
      const rewritten = await echo('/old/thing?x=1');
      t.equal(rewritten.path, '/new/thing?x=1');
      t.equal(rewritten.headers['x-envoy-original-path'], '/old/thing?x=1');
      t.equal((await echo('/rx/one/two')).path, '/two/one');
      t.equal((await echo('/host')).headers.host, 'rewritten.local');
    });

    t.test('redirects and direct responses', async (t) => {
      const r = await client({ path: '/redirect?keep=1' });
      t.equal(r.status, 307);
      t.equal(r.headers.location, 'http://other.example/landing?keep=1');
      const s = await client({ path: '/secure/x', host: 'shop.test:80' });
      t.equal(s.status, 301);
      t.equal(s.headers.location, 'https://shop.test/secure/x');
      const d = await client({ path: '/direct' });
      t.equal(d.status, 418);
      t.equal(d.body, 'teapot');
    });

    t.test('header mutations at route, virtual host and route config level', async (t) => {
      const r = await client({ path: '/headers', headers: { 'x-over': 'old', 'x-remove-me': '1' } });
      const e = JSON.parse(r.body) as Echo;
      t.equal(e.headers['x-added'], 'route');
      t.equal(e.headers['x-over'], 'new');
      t.equal(e.headers['x-remove-me'], undefined);
      t.equal(r.headers['x-route-resp'], 'yes');
      t.equal(r.headers['x-rc-resp'], 'rc');
      t.equal(r.headers['x-upstream'], undefined, 'response header removed');
    });

    t.test('weighted clusters split by relative weight', async (t) => {
      const counts: Record<string, number> = { a: 0, b: 0 };
      const n = 400;
      for (let i = 0; i < n; i++) counts[(await echo('/weighted')).server]!++;
      // expectation 100 / 300; 6 standard deviations of a binomial(400, 0.25) is ±52
      t.ok(Math.abs(counts.a! - 100) < 52, `a got ${counts.a} of ${n} (expected ~100)`);
      t.equal(counts.a! + counts.b!, n);
    });

    t.test('edge headers: x-request-id, x-forwarded-proto, hop-by-hop removed', async (t) => {
      const e = await echo('/', { 'x-request-id': 'given-id' });
      t.equal(e.headers['x-request-id'], 'given-id', 'an internal request keeps its id');
      const fresh = await echo('/');
      t.match(fresh.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'generated when absent');
      t.equal(fresh.headers['x-forwarded-proto'], 'http');
      t.equal(fresh.headers['keep-alive'], undefined);
    });

    t.test('no route → 404 with flag NR', async (t) => {
      const none = await startProxy(
        bootstrap({ clusters: [], virtualHosts: [{ name: 'only', domains: ['only.test'], routes: [] }] }),
      );
      t.teardown(() => none.close());
      const other = connect(none.port);
      t.teardown(() => other.close());
      const miss = await other({ path: '/' });
      t.equal(miss.status, 404);
      t.equal(none.proxy.stats.httpStats('ingress_http').flags.get('NR'), 1);
    });

    t.test('request and response bodies stream through', async (t) => {
      const big = 'x'.repeat(256 * 1024);
      const r = await client({ method: 'POST', path: '/', body: big });
      const e = JSON.parse(r.body) as Echo;
      t.equal(e.body.length, big.length);
      t.equal(e.method, 'POST');
    });
  });
}

t.test('HTTP/1.1 absolute-form (client using the proxy as HTTP_PROXY)', async (t) => {
  const net = await import('node:net');
  const socket = net.connect(proxy.port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  socket.write(
    'GET http://api.example.com/abs?q=1 HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n',
  );
  let data = '';
  for await (const chunk of socket) data += chunk.toString();
  t.match(data, /^HTTP\/1\.1 200/);
  const body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)) as Echo;
  t.equal(body.server, 'b');
  t.equal(body.path, '/abs?q=1');
});
