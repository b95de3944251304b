import t from 'tap';
import type { Route, RouteAction, RouteConfiguration, RouteMatch, VirtualHost } from '../config/index.ts';
import { enumName } from '../config/index.ts';
import { compileRouteConfiguration, selectRoute, stripPort } from './routes.ts';
import type { ForwardAction, RequestView, RouteTable, VirtualHostTable } from './types.ts';

const LIMIT = 1 << 20;

function req(path: string, headers: Record<string, string> = {}, authority = 'svc'): RequestView {
  return { method: 'GET', path, authority, scheme: 'http', header: (n) => headers[n] };
}

function table(rc: RouteConfiguration, clusterNames?: ReadonlySet<string>): RouteTable {
  return compileRouteConfiguration(rc, 'route_config', {
    defaultBufferLimitBytes: LIMIT,
    ...(clusterNames ? { clusterNames } : {}),
  });
}

/** One virtual host for `*` with the given routes. */
function routes(list: Route[], vh: VirtualHost = {}): VirtualHostTable {
  return table({ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: list, ...vh }] })
    .virtualHosts[0]!;
}

function pick(vh: VirtualHostTable, r: RequestView): string | undefined {
  return selectRoute(vh, r)?.name;
}

function forward(vh: VirtualHostTable, i = 0): ForwardAction {
  const a = vh.routes[i]!.action;
  if (a.kind !== 'forward') throw new Error(`route ${i} is ${a.kind}`);
  return a;
}

interface Matcher {
  match(found: unknown, wanted: unknown): boolean;
}

/** Asserts that `fn` throws a ConfigError at `path` whose problem matches `message`. */
function throwsConfig(tt: Matcher, fn: () => unknown, path: string, message: RegExp, kind = 'invalid'): void {
  let err: unknown = 'nothing was thrown';
  try {
    fn();
  } catch (e) {
    err = e;
  }
  tt.match(err, { name: 'ConfigError', path, problem: message, kind });
}

const to = (name: string, match: RouteMatch, extra: Route = {}): Route => ({
  name,
  match,
  route: { cluster: 'c' },
  ...extra,
});

t.test('path match kinds, query and fragment ignored', async (t) => {
  const vh = routes([
    to('exact', { path: '/exact' }),
    to('sep', { path_separated_prefix: '/api/dev' }),
    to('regex', { safe_regex: { regex: '/re/[0-9]+' } }),
    to('prefix', { prefix: '/p' }),
  ]);
  t.equal(pick(vh, req('/exact')), 'exact');
  t.equal(pick(vh, req('/exact?x=1')), 'exact');
  t.equal(pick(vh, req('/exact#frag')), 'exact');
  t.equal(pick(vh, req('/exact/')), undefined);
  for (const p of ['/api/dev', '/api/dev/', '/api/dev/v1', '/api/dev?param=true'])
    t.equal(pick(vh, req(p)), 'sep', p);
  t.equal(pick(vh, req('/api/developer')), undefined);
  t.equal(pick(vh, req('/re/123')), 'regex');
  t.equal(pick(vh, req('/re/123?a=b')), 'regex', 'regex sees the path without the query');
  t.equal(pick(vh, req('/re/123x')), undefined, 'regex must match the whole path');
  t.equal(pick(vh, req('/x/re/123')), undefined);
  t.equal(pick(vh, req('/pxyz')), 'prefix');
  t.equal(pick(vh, req('/?p')), undefined, 'a prefix does not match into the query');
  t.equal(vh.routes[3]!.matchedPrefix, '/p');
  t.equal(vh.routes[1]!.matchedPrefix, '/api/dev');
  t.equal(vh.routes[0]!.matchedPath, '/exact');
  t.equal(vh.routes[2]!.matchedPrefix, undefined);
});

t.test('first match wins and case sensitivity', async (t) => {
  const vh = routes([
    to('ci', { prefix: '/Foo', case_sensitive: false }),
    to('first', { prefix: '/a' }),
    to('second', { prefix: '/a' }),
    to('cs', { path: '/Bar' }),
    to('ci-path', { path: '/BAZ', case_sensitive: false }),
    to('ci-sep', { path_separated_prefix: '/Q', case_sensitive: false }),
    to('regex-ignores-flag', { safe_regex: { regex: '/R' }, case_sensitive: false }),
  ]);
  t.equal(pick(vh, req('/a/b')), 'first');
  t.equal(pick(vh, req('/foo')), 'ci');
  t.equal(pick(vh, req('/FOOD')), 'ci');
  t.equal(pick(vh, req('/Bar')), 'cs');
  t.equal(pick(vh, req('/bar')), undefined);
  t.equal(pick(vh, req('/baz')), 'ci-path');
  t.equal(pick(vh, req('/q/x')), 'ci-sep');
  t.equal(pick(vh, req('/r')), undefined, 'case_sensitive does not apply to safe_regex');
  t.equal(pick(vh, req('/R')), 'regex-ignores-flag');
});

t.test('headers, grpc and query parameters', async (t) => {
  const vh = routes([
    to('hdr', {
      prefix: '/',
      headers: [
        { name: 'X-Env', string_match: { exact: 'canary' } },
        { name: 'x-debug', present_match: false },
      ],
    }),
    to('grpc', { prefix: '/', grpc: {} }),
    to('q', {
      prefix: '/',
      query_parameters: [
        { name: 'v', string_match: { exact: 'a b' } },
        { name: 'debug', present_match: true },
      ],
    }),
    to('q-regex', {
      prefix: '/',
      query_parameters: [{ name: 'id', string_match: { safe_regex: { regex: '[0-9]+' } } }],
    }),
  ]);
  t.equal(pick(vh, req('/', { 'x-env': 'canary' })), 'hdr');
  t.equal(pick(vh, req('/', { 'x-env': 'canary', 'x-debug': '1' })), undefined);
  t.equal(pick(vh, req('/', { 'content-type': 'application/grpc' })), 'grpc');
  t.equal(pick(vh, req('/', { 'content-type': 'application/grpc+proto' })), 'grpc');
  t.equal(pick(vh, req('/', { 'content-type': 'application/grpc-web' })), undefined, 'grpc-web is not gRPC');
  t.equal(pick(vh, req('/?v=a%20b&debug')), 'q', 'values are percent-decoded; a bare name is present');
  t.equal(pick(vh, req('/?debug=&v=a%20b')), 'q');
  t.equal(pick(vh, req('/?v=a+b&debug')), undefined, '+ is not a space');
  t.equal(pick(vh, req('/?v=x&v=a%20b&debug')), undefined, 'the first occurrence decides');
  t.equal(pick(vh, req('/?%76=a%20b&debug')), 'q', 'names are decoded too');
  t.equal(pick(vh, req('/?v=a%20b#debug')), undefined, 'the fragment is not part of the query');
  t.equal(pick(vh, req('/?id=42')), 'q-regex');
  t.equal(pick(vh, req('/?id=42x')), undefined);
  t.equal(pick(vh, req('/?xid=1')), undefined);
});

t.test('domains: exact, then longest suffix, then longest prefix, then *', async (t) => {
  const rt = table({
    name: 'rc',
    virtual_hosts: [
      { name: 'any', domains: ['*'] },
      { name: 'exact', domains: ['www.foo.com', 'Mixed.Case.com'] },
      { name: 'suffix', domains: ['*.foo.com'] },
      { name: 'longer-suffix', domains: ['*.bar.foo.com'] },
      { name: 'dash-suffix', domains: ['*-bar.baz.com'] },
      { name: 'prefix', domains: ['foo.*'] },
      { name: 'longer-prefix', domains: ['foo.bar.*'] },
      { name: 'with-port', domains: ['api.com:8080', '*.port.com:8443'] },
      { name: 'no-port', domains: ['api.com'] },
    ],
  });
  const find = (a: string) => rt.findVirtualHost(a)?.name;
  t.equal(find('www.foo.com'), 'exact');
  t.equal(find('WWW.FOO.COM'), 'exact', 'case-insensitive');
  t.equal(find('mixed.case.com'), 'exact', 'configured domains are lower-cased too');
  t.equal(find('a.foo.com'), 'suffix');
  t.equal(find('a.bar.foo.com'), 'longer-suffix');
  t.equal(find('baz-bar.baz.com'), 'dash-suffix');
  t.equal(find('-bar.baz.com'), 'any', 'a wildcard does not match the empty string');
  t.equal(find('foo.com'), 'prefix', 'suffix wildcards come before prefix ones');
  t.equal(find('foo.bar.x'), 'longer-prefix');
  t.equal(find('foo.'), 'any');
  t.equal(find('other'), 'any');
  t.equal(find('api.com:8080'), 'with-port', 'a domain with the port matches first');
  t.equal(find('api.com:9090'), 'no-port', 'then the authority without its port');
  t.equal(find('api.com'), 'no-port');
  t.equal(find('x.port.com:8443'), 'with-port');
  t.equal(find('www.foo.com:80'), 'exact');
  t.equal(find('a.b.foo.com:1'), 'suffix');
  t.equal(find('other:80'), 'any');

  const noWildcard = table({ virtual_hosts: [{ name: 'only', domains: ['a.com'] }] });
  t.equal(noWildcard.findVirtualHost('b.com'), undefined);
  const onlyStar = table({ virtual_hosts: [{ name: 'star', domains: ['*'] }] });
  t.equal(onlyStar.findVirtualHost('anything:1')?.name, 'star');
});

t.test('stripPort', async (t) => {
  t.equal(stripPort('a.com:80'), 'a.com');
  t.equal(stripPort('a.com'), 'a.com');
  t.equal(stripPort('a.com:'), 'a.com:');
  t.equal(stripPort('a.com:x'), 'a.com:x');
  t.equal(stripPort('[::1]:8080'), '[::1]');
  t.equal(stripPort('[::1]'), '[::1]');
  t.equal(stripPort('::1'), '::1', 'a bare IPv6 address has no port');
});

t.test('forward action: timeouts, rewrites, retries, mirrors', async (t) => {
  const vh = routes(
    [
      to('defaults', { prefix: '/d' }),
      {
        name: 'full',
        match: { prefix: '/api/' },
        route: {
          cluster: 'c',
          timeout: '0s',
          idle_timeout: '2.5s',
          prefix_rewrite: '/',
          host_rewrite_literal: 'backend.local',
          retry_policy: { retry_on: '5xx', num_retries: 3 },
          request_mirror_policies: [
            { cluster: 'm1' },
            { cluster: 'm2', runtime_fraction: { default_value: { numerator: 25 } } },
          ],
          cluster_not_found_response_code: 'NOT_FOUND',
        },
      },
      {
        name: 're',
        match: { prefix: '/service/' },
        route: {
          cluster: 'c',
          regex_rewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' },
          auto_host_rewrite: true,
        },
      },
    ],
    { retry_policy: { retry_on: 'connect-failure' } },
  );
  const d = forward(vh, 0);
  t.equal(d.cluster, 'c');
  t.equal(d.timeoutMs, 15_000, 'Envoy default timeout');
  t.equal(d.idleTimeoutMs, undefined);
  t.equal(d.retry?.numRetries, 1, 'inherits the virtual host retry policy');
  t.same(d.mirrors, []);
  t.equal(d.autoHostRewrite, false);
  t.equal(d.clusterNotFoundStatus, undefined);
  const f = forward(vh, 1);
  t.equal(f.timeoutMs, 0, '0 disables');
  t.equal(f.idleTimeoutMs, 2500);
  t.equal(f.prefixRewrite, '/');
  t.equal(f.hostRewriteLiteral, 'backend.local');
  t.equal(f.retry?.numRetries, 3, "the route's policy replaces the virtual host's");
  t.same(f.mirrors, [
    { cluster: 'm1', fraction: 1 },
    { cluster: 'm2', fraction: 0.25 },
  ]);
  t.equal(f.clusterNotFoundStatus, 404);
  const r = forward(vh, 2);
  t.equal(r.autoHostRewrite, true);
  t.equal(
    '/service/foo/v1/api'.replace(r.regexRewrite!.pattern, r.regexRewrite!.substitution),
    '/v1/api/instance/foo',
  );
});

t.test('mirror policies: the most specific non-empty list wins', async (t) => {
  const rt = table({
    request_mirror_policies: [{ cluster: 'rc-m' }],
    virtual_hosts: [
      {
        name: 'a',
        domains: ['a'],
        request_mirror_policies: [{ cluster: 'vh-m' }],
        routes: [to('r', { prefix: '/' })],
      },
      { name: 'b', domains: ['b'], routes: [to('r', { prefix: '/' })] },
    ],
  });
  t.same(forward(rt.virtualHosts[0]!).mirrors, [{ cluster: 'vh-m', fraction: 1 }]);
  t.same(forward(rt.virtualHosts[1]!).mirrors, [{ cluster: 'rc-m', fraction: 1 }]);
});

t.test('weighted clusters', async (t) => {
  const fault = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    abort: { http_status: 503 },
  };
  const vh = routes([
    {
      name: 'w',
      match: { prefix: '/' },
      route: {
        weighted_clusters: {
          clusters: [
            {
              name: 'v1',
              weight: 1,
              request_headers_to_add: [{ header: { key: 'x-v', value: '1' } }],
              host_rewrite_literal: 'v1.local',
            },
            { name: 'v2', weight: 2, typed_per_filter_config: { 'envoy.filters.http.fault': fault } },
          ],
        },
      },
    },
  ]);
  const w = forward(vh).weighted!;
  t.equal(w.totalWeight, 3, 'weights are relative; any total');
  t.equal(w.clusters[0]!.name, 'v1');
  t.equal(w.clusters[0]!.hostRewriteLiteral, 'v1.local');
  t.same(w.clusters[0]!.requestHeaders.set, []);
  t.same(w.clusters[0]!.requestHeaders.append, [['x-v', '1']]);
  t.ok(w.clusters[1]!.responseHeaders.empty);
  t.equal(w.clusters[1]!.faultOverride?.abort?.httpStatus, 503);
  t.equal(forward(vh).cluster, undefined);
  const matching = routes([
    {
      name: 'w',
      match: { prefix: '/' },
      route: {
        weighted_clusters: {
          total_weight: 100,
          clusters: [
            { name: 'a', weight: 40 },
            { name: 'b', weight: 60 },
          ],
        },
      },
    },
  ]);
  t.equal(forward(matching).weighted!.totalWeight, 100);
});

t.test('redirects', async (t) => {
  const vh = routes([
    { name: 'default', match: { prefix: '/a' }, redirect: { host_redirect: 'b.com' } },
    {
      name: 'full',
      match: { prefix: '/old/' },
      redirect: {
        https_redirect: true,
        port_redirect: 8443,
        prefix_rewrite: '/new/',
        response_code: 'PERMANENT_REDIRECT',
        strip_query: true,
      },
    },
    {
      name: 'scheme',
      match: { path: '/s' },
      redirect: { scheme_redirect: 'HTTP', path_redirect: '/t?x=1', response_code: 'FOUND' },
    },
    {
      name: 're',
      match: { safe_regex: { regex: '/r/(.*)' } },
      redirect: {
        regex_rewrite: { pattern: { regex: '^/r/(.*)$' }, substitution: '/q/\\1' },
        response_code: 'SEE_OTHER',
      },
    },
    { name: 'temp', match: { prefix: '/t' }, redirect: { response_code: 'TEMPORARY_REDIRECT' } },
  ]);
  const actions = vh.routes.map((r) => r.action);
  t.match(actions[0], {
    kind: 'redirect',
    hostRedirect: 'b.com',
    responseCode: 301,
    httpsRedirect: false,
    stripQuery: false,
  });
  t.match(actions[1], {
    httpsRedirect: true,
    portRedirect: 8443,
    prefixRewrite: '/new/',
    responseCode: 308,
    stripQuery: true,
  });
  t.match(actions[2], { schemeRedirect: 'http', pathRedirect: '/t?x=1', responseCode: 302 });
  t.match(actions[3], { responseCode: 303 });
  t.equal(actions[4]!.kind === 'redirect' && actions[4].responseCode, 307);
  const re = actions[3]!.kind === 'redirect' ? actions[3].regexRewrite! : undefined;
  t.equal('/r/x/y'.replace(re!.pattern, re!.substitution), '/q/x/y');
});

t.test('direct responses', async (t) => {
  const vh = routes([
    {
      name: 'str',
      match: { prefix: '/s' },
      direct_response: { status: 503, body: { inline_string: 'down' } },
    },
    {
      name: 'bytes',
      match: { prefix: '/b' },
      direct_response: { status: 200, body: { inline_bytes: Buffer.from('hi').toString('base64') } },
    },
    { name: 'none', match: { prefix: '/' }, direct_response: { status: 204 } },
  ]);
  t.match(vh.routes[0]!.action, { kind: 'direct', status: 503 });
  t.equal(vh.routes[0]!.action.kind === 'direct' && vh.routes[0]!.action.body?.toString(), 'down');
  t.equal(vh.routes[1]!.action.kind === 'direct' && vh.routes[1]!.action.body?.toString(), 'hi');
  t.equal(vh.routes[2]!.action.kind === 'direct' && vh.routes[2]!.action.body, undefined);
});

t.test('header mutations at every level', async (t) => {
  const hdr = (key: string, value: string) => [{ header: { key, value } }];
  const rt = table({
    request_headers_to_add: hdr('x-rc', '1'),
    response_headers_to_remove: ['x-rc-gone'],
    virtual_hosts: [
      {
        name: 'vh',
        domains: ['*'],
        request_headers_to_add: hdr('x-vh', '1'),
        response_headers_to_add: hdr('x-vh-resp', '1'),
        routes: [
          to(
            'r',
            { prefix: '/' },
            { request_headers_to_remove: ['x-secret'], response_headers_to_add: hdr('x-r', '1') },
          ),
        ],
      },
    ],
  });
  const vh = rt.virtualHosts[0]!;
  const route = vh.routes[0]!;
  t.same(rt.requestHeaders.append, [['x-rc', '1']]);
  t.same(rt.responseHeaders.remove, ['x-rc-gone']);
  t.same(vh.requestHeaders.append, [['x-vh', '1']]);
  t.same(vh.responseHeaders.append, [['x-vh-resp', '1']]);
  t.same(route.requestHeaders.remove, ['x-secret']);
  t.same(route.responseHeaders.append, [['x-r', '1']]);
  t.ok(rt.responseHeaders.empty === false && route.requestHeaders.empty === false);
});

t.test('per-filter fault config: the most specific wins', async (t) => {
  const fault = (status: number) => ({
    'envoy.filters.http.fault': {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      abort: { http_status: status },
    },
  });
  const vh = routes(
    [to('own', { prefix: '/own' }, { typed_per_filter_config: fault(500) }), to('inherits', { prefix: '/' })],
    {
      typed_per_filter_config: fault(503),
    },
  );
  t.equal(vh.routes[0]!.fault?.abort?.httpStatus, 500);
  t.equal(vh.routes[1]!.fault?.abort?.httpStatus, 503);
  t.equal(routes([to('none', { prefix: '/' })]).routes[0]!.fault, undefined);
});

t.test('buffer limits: route, else virtual host, capped by the listener', async (t) => {
  const vh = routes(
    [
      to('own', { prefix: '/a' }, { per_request_buffer_limit_bytes: 1000 }),
      to('vh', { prefix: '/b' }),
      to('over', { prefix: '/c' }, { per_request_buffer_limit_bytes: LIMIT * 4 }),
    ],
    { per_request_buffer_limit_bytes: 2000 },
  );
  t.same(
    vh.routes.map((r) => r.bufferLimitBytes),
    [1000, 2000, LIMIT],
  );
  t.equal(routes([to('default', { prefix: '/' })]).routes[0]!.bufferLimitBytes, LIMIT);
});

t.test('cluster validation', async (t) => {
  const names = new Set(['c', 'm']);
  const rc = (route: RouteAction): RouteConfiguration => ({
    virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route }] }],
  });
  t.ok(table(rc({ cluster: 'c', request_mirror_policies: [{ cluster: 'm' }] }), names));
  const base = 'route_config.virtual_hosts[0].routes[0].route';
  throwsConfig(t, () => table(rc({ cluster: 'nope' }), names), `${base}.cluster`, /unknown cluster "nope"/);
  throwsConfig(
    t,
    () =>
      table(
        rc({
          weighted_clusters: {
            clusters: [
              { name: 'c', weight: 1 },
              { name: 'x', weight: 1 },
            ],
          },
        }),
        names,
      ),
    `${base}.weighted_clusters.clusters[1].name`,
    /unknown weighted cluster "x"/,
  );
  throwsConfig(
    t,
    () => table(rc({ cluster: 'c', request_mirror_policies: [{ cluster: 'y' }] }), names),
    `${base}.request_mirror_policies[0].cluster`,
    /unknown mirror cluster "y"/,
  );
  t.ok(table(rc({ cluster: 'nope' })), 'no check without cluster names (RDS)');
  t.ok(
    table({ ...rc({ cluster: 'nope' }), validate_clusters: false }, names),
    'validate_clusters: false turns it off',
  );
});

t.test('config errors name the field', async (t) => {
  const vhs = (virtual_hosts: VirtualHost[]) => () => table({ virtual_hosts });
  const one = (route: Route) => vhs([{ name: 'vh', domains: ['*'], routes: [route] }]);
  const r0 = 'route_config.virtual_hosts[0].routes[0]';
  throwsConfig(
    t,
    vhs([
      { name: 'a', domains: ['x.com'] },
      { name: 'b', domains: ['X.com'] },
    ]),
    'route_config.virtual_hosts[1].domains[0]',
    /duplicate domain "x.com": virtual host "a"/,
  );
  throwsConfig(
    t,
    vhs([
      { name: 'a', domains: ['*'] },
      { name: 'b', domains: ['*'] },
    ]),
    'route_config.virtual_hosts[1].domains[0]',
    /only one virtual host may use the wildcard domain/,
  );
  throwsConfig(
    t,
    vhs([{ name: 'a', domains: ['d', 'd'] }]),
    'route_config.virtual_hosts[0].domains[1]',
    /duplicate domain "d"/,
  );
  throwsConfig(
    t,
    vhs([{ name: 'a', domains: [] }]),
    'route_config.virtual_hosts[0].domains',
    /at least one domain/,
  );
  throwsConfig(
    t,
    vhs([{ name: '', domains: ['*'] }]),
    'route_config.virtual_hosts[0].name',
    /name is required/,
  );
  throwsConfig(t, one({ route: { cluster: 'c' } }), `${r0}.match`, /match is required/);
  throwsConfig(
    t,
    one({ match: {}, route: { cluster: 'c' } }),
    `${r0}.match`,
    /one of prefix, path, safe_regex/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/', path: '/' }, route: { cluster: 'c' } }),
    `${r0}.match.path`,
    /only one of prefix, path/,
  );
  throwsConfig(
    t,
    one({ match: { path_separated_prefix: '/a/' }, route: { cluster: 'c' } }),
    `${r0}.match.path_separated_prefix`,
    /nor end with "\/"/,
  );
  throwsConfig(
    t,
    one({ match: { path_separated_prefix: '/a?b' }, route: { cluster: 'c' } }),
    `${r0}.match.path_separated_prefix`,
    /must not contain/,
  );
  throwsConfig(
    t,
    one({ match: { safe_regex: { regex: '/(a' } }, route: { cluster: 'c' } }),
    `${r0}.match.safe_regex.regex`,
    /invalid RE2 regex "\/\(a": missing \)/,
  );
  throwsConfig(
    t,
    one({ match: { safe_regex: { regex: '/a(?=b)' } }, route: { cluster: 'c' } }),
    `${r0}.match.safe_regex.regex`,
    /invalid perl operator/,
  );
  throwsConfig(
    t,
    one({ match: { connect_matcher: {} }, route: { cluster: 'c' } }),
    `${r0}.match.connect_matcher`,
    /not supported/,
    'unsupported',
  );
  throwsConfig(t, one({ match: { prefix: '/' } }), r0, /one of route, redirect or direct_response/);
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { cluster: 'c' }, redirect: {} }),
    `${r0}.redirect`,
    /only one of route, redirect/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: {} }),
    `${r0}.route`,
    /one of cluster or weighted_clusters/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { cluster: '' } }),
    `${r0}.route.cluster`,
    /cluster name is required/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { cluster_header: 'x-c' } }),
    `${r0}.route.cluster_header`,
    /not supported/,
    'unsupported',
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { cluster: 'c', prefix_rewrite: '/', regex_rewrite: {} } }),
    `${r0}.route.regex_rewrite`,
    /only one of prefix_rewrite, regex_rewrite/,
  );
  throwsConfig(
    t,
    one({ match: { safe_regex: { regex: '/.*' } }, route: { cluster: 'c', prefix_rewrite: '/' } }),
    `${r0}.route.prefix_rewrite`,
    /needs a prefix, path or path_separated_prefix match/,
  );
  throwsConfig(
    t,
    one({
      match: { prefix: '/' },
      route: { cluster: 'c', regex_rewrite: { pattern: { regex: '(a)' }, substitution: '\\2' } },
    }),
    `${r0}.route.regex_rewrite.substitution`,
    /refers to \\2 but the pattern has 1 capture group/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [] } } }),
    `${r0}.route.weighted_clusters.clusters`,
    /at least one cluster/,
  );
  throwsConfig(
    t,
    one({
      match: { prefix: '/' },
      route: { weighted_clusters: { clusters: [{ name: 'a' }, { name: 'b', weight: 0 }] } },
    }),
    `${r0}.route.weighted_clusters.clusters`,
    /sum of the cluster weights must be greater than 0/,
  );
  throwsConfig(
    t,
    one({
      match: { prefix: '/' },
      route: { weighted_clusters: { total_weight: 100, clusters: [{ name: 'a', weight: 30 }] } },
    }),
    `${r0}.route.weighted_clusters.total_weight`,
    /is 100 but the cluster weights add up to 30/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: '', weight: 1 }] } } }),
    `${r0}.route.weighted_clusters.clusters[0].name`,
    /cluster name is required/,
  );
  throwsConfig(
    t,
    one({
      match: { prefix: '/' },
      route: { cluster: 'c', request_mirror_policies: [{ cluster: 'm', runtime_fraction: {} }] },
    }),
    `${r0}.route.request_mirror_policies[0].runtime_fraction.default_value`,
    /default_value is required/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { cluster: 'c', timeout: 'soon' } }),
    `${r0}.route.timeout`,
    /invalid duration/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, redirect: { port_redirect: 70000 } }),
    `${r0}.redirect.port_redirect`,
    /must be a port number/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, redirect: { https_redirect: true, scheme_redirect: 'http' } }),
    `${r0}.redirect.scheme_redirect`,
    /only one of https_redirect, scheme_redirect/,
  );
  throwsConfig(
    t,
    one({ match: { safe_regex: { regex: '/.*' } }, redirect: { prefix_rewrite: '/' } }),
    `${r0}.redirect.prefix_rewrite`,
    /needs a prefix/,
  );
  throwsConfig(
    t,
    // The types rule out an unknown response_code (the schema rejects it); the reader still guards.
    () => enumName('GONE', ['MOVED_PERMANENTLY', 'FOUND'], `${r0}.redirect.response_code`),
    `${r0}.redirect.response_code`,
    /expected one of MOVED_PERMANENTLY/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, direct_response: { status: 600 } }),
    `${r0}.direct_response.status`,
    /must be in \[200, 600\)/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, direct_response: { status: 199 } }),
    `${r0}.direct_response.status`,
    /must be in \[200, 600\)/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, direct_response: { status: 200, body: {} } }),
    `${r0}.direct_response.body`,
    /one of inline_string or inline_bytes/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, direct_response: { status: 200, body: { filename: '/etc/x' } } }),
    `${r0}.direct_response.body.filename`,
    /not supported/,
    'unsupported',
  );
  throwsConfig(
    t,
    one({
      match: { prefix: '/' },
      direct_response: { status: 200, body: { inline_string: 'x'.repeat(4097) } },
    }),
    `${r0}.direct_response.body`,
    /4097 bytes; the maximum is 4096/,
  );
  throwsConfig(
    t,
    one({
      match: { prefix: '/' },
      route: { cluster: 'c' },
      typed_per_filter_config: {
        'envoy.filters.http.csrf': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy',
        },
      },
    }),
    `${r0}.typed_per_filter_config["envoy.filters.http.csrf"]`,
    /not supported/,
    'unsupported',
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_remove: [':path'] }),
    `${r0}.request_headers_to_remove[0]`,
    /may not be removed/,
  );
  throwsConfig(
    t,
    one({ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { retry_on: '5xx,sometimes' } } }),
    `${r0}.route.retry_policy.retry_on`,
    /unknown retry_on condition "sometimes"/,
  );
});
