// The CORS filter (envoy.filters.http.cors) end to end through the real proxy, over HTTP/1.1 and
// HTTP/2: preflights answered by the proxy, actual requests get the allow-origin headers on the
// upstream's response, other origins get none, and policies merge route over virtual host.
import t from 'tap';
import { anyHost, bootstrap, staticCluster } from './lib/bootstrap.ts';
import { PROTOCOLS } from './lib/client.ts';
import { startProxy } from './lib/proxy.ts';
import { startUpstream } from './lib/upstream.ts';

const CORS_FILTER = {
  name: 'envoy.filters.http.cors',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' },
};
const policy = (fields: Record<string, unknown>) => ({
  typed_per_filter_config: {
    'envoy.filters.http.cors': {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      ...fields,
    },
  },
});

const up = await startUpstream({ name: 'app' });
t.teardown(() => up.close());

const proxy = await startProxy(
  bootstrap({
    clusters: [staticCluster('app', [up.port])],
    httpFilters: [CORS_FILTER],
    virtualHosts: [
      anyHost(
        [
          {
            name: 'api',
            match: { prefix: '/api' },
            route: { cluster: 'app' },
            // As Istio translates allowOrigins / allowMethods / allowHeaders / exposeHeaders / maxAge.
            ...policy({
              allow_origin_string_match: [{ exact: 'https://example.com' }, { prefix: 'https://app.' }],
              allow_methods: 'GET,POST',
              allow_headers: 'authorization,content-type',
              expose_headers: 'x-request-id',
              max_age: '86400',
              allow_credentials: true,
              filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
            }),
          },
          {
            name: 'strict',
            match: { prefix: '/strict' },
            route: { cluster: 'app' },
            ...policy({
              allow_origin_string_match: [{ exact: 'https://example.com' }],
              forward_not_matching_preflights: false,
            }),
          },
          {
            name: 'echo',
            match: { prefix: '/echo' },
            route: { cluster: 'app' },
            ...policy({
              allow_origin_string_match: [{ exact: '*' }],
              allow_methods: '*',
              allow_headers: '*',
            }),
          },
          {
            name: 'disabled',
            match: { prefix: '/off' },
            route: { cluster: 'app' },
            ...policy({ filter_enabled: { default_value: { numerator: 0 } } }),
          },
          // No policy of its own: the virtual host's applies.
          { name: 'inherits', match: { prefix: '/' }, route: { cluster: 'app' } },
        ],
        policy({
          allow_origin_string_match: [{ exact: 'https://vhost.example' }],
          expose_headers: 'x-vhost',
        }),
      ),
    ],
  }),
);
t.teardown(() => proxy.close());
const stats = () => proxy.proxy.stats.httpStats('ingress_http');

const preflight = (path: string, origin: string, extra: Record<string, string> = {}) => ({
  method: 'OPTIONS',
  path,
  headers: { origin, 'access-control-request-method': 'POST', ...extra },
});

for (const { name, connect } of PROTOCOLS) {
  t.test(name, async (t) => {
    const client = connect(proxy.port);
    t.teardown(() => client.close());

    t.test('a preflight from an allowed origin is answered by the proxy', async (t) => {
      const seen = up.seen.length;
      const r = await client(preflight('/api/items', 'https://example.com'));
      t.equal(r.status, 200);
      t.equal(r.body, '');
      t.equal(r.headers['access-control-allow-origin'], 'https://example.com');
      t.equal(r.headers['access-control-allow-methods'], 'GET,POST');
      t.equal(r.headers['access-control-allow-headers'], 'authorization,content-type');
      t.equal(r.headers['access-control-max-age'], '86400');
      t.equal(r.headers['access-control-allow-credentials'], 'true');
      t.equal(
        r.headers['access-control-expose-headers'],
        undefined,
        'expose-headers is for actual responses',
      );
      t.equal(up.seen.length, seen, 'the upstream never sees it');
    });

    t.test('an actual request from an allowed origin gets the CORS response headers', async (t) => {
      const r = await client({ path: '/api/items', headers: { origin: 'https://app.example.org' } });
      t.equal(r.status, 200);
      t.equal(r.headers['x-upstream'], 'app');
      t.equal(r.headers['access-control-allow-origin'], 'https://app.example.org');
      t.equal(r.headers['access-control-allow-credentials'], 'true');
      t.equal(r.headers['access-control-expose-headers'], 'x-request-id');
      t.equal(r.headers['access-control-allow-methods'], undefined, 'methods belong to preflights');
    });

    t.test('an origin that is not allowed gets no CORS headers', async (t) => {
      const before = stats().corsOriginInvalid;
      const r = await client({ path: '/api/items', headers: { origin: 'https://evil.example' } });
      t.equal(r.status, 200);
      t.equal(r.headers['access-control-allow-origin'], undefined);
      t.equal(r.headers['access-control-allow-credentials'], undefined);
      t.equal(stats().corsOriginInvalid, before + 1);
    });

    t.test(
      'its preflight goes to the upstream (forward_not_matching_preflights defaults to true)',
      async (t) => {
        const seen = up.seen.length;
        const r = await client(preflight('/api/items', 'https://evil.example'));
        t.equal(r.headers['x-upstream'], 'app');
        t.equal(r.headers['access-control-allow-origin'], undefined);
        t.equal(up.seen.length, seen + 1);
        t.equal(up.seen.at(-1)?.method, 'OPTIONS');
      },
    );

    t.test('unless the policy keeps such preflights: answered without allow-origin', async (t) => {
      const seen = up.seen.length;
      const r = await client(preflight('/strict', 'https://evil.example'));
      t.equal(r.status, 200);
      t.equal(r.headers['x-upstream'], undefined);
      t.equal(r.headers['access-control-allow-origin'], undefined);
      t.equal(up.seen.length, seen);
    });

    t.test('requests without Origin are not CORS requests', async (t) => {
      const valid = stats().corsOriginValid;
      const r = await client({ path: '/api/items' });
      t.equal(r.headers['access-control-allow-origin'], undefined);
      const options = await client({ method: 'OPTIONS', path: '/api/items' });
      t.equal(options.headers['x-upstream'], 'app', 'a plain OPTIONS is forwarded');
      t.equal(stats().corsOriginValid, valid);
    });

    t.test('OPTIONS without Access-Control-Request-Method is an actual request', async (t) => {
      const r = await client({
        method: 'OPTIONS',
        path: '/api/x',
        headers: { origin: 'https://example.com' },
      });
      t.equal(r.headers['x-upstream'], 'app');
      t.equal(r.headers['access-control-allow-origin'], 'https://example.com');
    });

    t.test('"*" origins and echoed methods and headers', async (t) => {
      const r = await client(
        preflight('/echo', 'https://anyone.example', { 'access-control-request-headers': 'x-a,x-b' }),
      );
      t.equal(r.headers['access-control-allow-origin'], 'https://anyone.example');
      t.equal(r.headers['access-control-allow-methods'], 'POST');
      t.equal(r.headers['access-control-allow-headers'], 'x-a,x-b');
    });

    t.test("a route without a policy uses its virtual host's", async (t) => {
      const r = await client({ path: '/other', headers: { origin: 'https://vhost.example' } });
      t.equal(r.headers['access-control-allow-origin'], 'https://vhost.example');
      t.equal(r.headers['access-control-expose-headers'], 'x-vhost');
    });

    t.test('a route policy fills the fields it leaves unset from the virtual host', async (t) => {
      const r = await client({ path: '/off', headers: { origin: 'https://vhost.example' } });
      t.equal(r.headers['access-control-allow-origin'], undefined, 'filter_enabled 0% on the route');
      const strict = await client({ path: '/strict', headers: { origin: 'https://example.com' } });
      t.equal(
        strict.headers['access-control-expose-headers'],
        'x-vhost',
        'expose_headers from the virtual host',
      );
    });
  });
}

t.test('valid and invalid origins are counted as Envoy does', async (t) => {
  t.ok(stats().corsOriginValid > 0);
  t.ok(stats().corsOriginInvalid > 0);
});
