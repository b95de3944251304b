import t from 'tap';
import { doc, load, pick, rejects } from './test-helpers.ts';

// Body line k of these specs is file line 5 + k; the corsPolicy's first field is on line 11.
const withCors = (cors: string) =>
  load(
    doc(
      'VirtualService',
      `hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews}\n  corsPolicy:\n${cors
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}`,
    ),
  );

t.test('a full corsPolicy is valid', async (t) => {
  const r = withCors(`allowOrigins:
- exact: https://example.com
- prefix: https://app.
- regex: "https://.*[.]example[.]org"
allowMethods: [GET, POST, OPTIONS]
allowHeaders: [authorization, x-custom_header]
exposeHeaders: ["*"]
maxAge: 24h
allowCredentials: true
unmatchedPreflights: IGNORE`);
  t.same(pick(r.errors), []);
  t.same(pick(r.warnings), []);
});

t.test('allowOrigins: one non-empty match each, regexes in RE2', async (t) => {
  rejects(
    t,
    withCors('allowOrigins:\n- {}\n- {exact: ""}\n- {exact: a, prefix: b}'),
    {
      path: 'spec.http[0].corsPolicy.allowOrigins[0]',
      line: 12,
      message: 'empty string match: set exact, prefix or regex',
    },
    {
      path: 'spec.http[0].corsPolicy.allowOrigins[1].exact',
      line: 13,
      message: 'an empty exact matches no origin: write the origin, e.g. https://example.com',
    },
    {
      path: 'spec.http[0].corsPolicy.allowOrigins[2].prefix',
      line: 14,
      message: 'a string match takes one of exact, prefix and regex, not exact and prefix: keep one',
    },
  );
  const re = withCors('allowOrigins:\n- {regex: "(?=x)"}');
  t.equal(re.errors.length, 1);
  t.equal(re.errors[0]?.path, 'spec.http[0].corsPolicy.allowOrigins[0].regex');
});

t.test("allowMethods are Istio's HTTP methods", async (t) => {
  rejects(
    t,
    withCors('allowMethods: [GET, get, "*"]'),
    {
      path: 'spec.http[0].corsPolicy.allowMethods[1]',
      line: 11,
      message:
        '"get" is not an HTTP method: use one of GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE',
    },
    {
      path: 'spec.http[0].corsPolicy.allowMethods[2]',
      line: 11,
      message:
        '"*" is not an HTTP method: use one of GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE',
    },
  );
});

t.test('allowHeaders and exposeHeaders are header names or *', async (t) => {
  rejects(
    t,
    withCors('allowHeaders: ["x-ok", "x bad"]\nexposeHeaders: [""]'),
    {
      path: 'spec.http[0].corsPolicy.allowHeaders[1]',
      line: 11,
      message: '"x bad" is not a header name: use letters, digits, "-" and "_", or "*"',
    },
    { path: 'spec.http[0].corsPolicy.exposeHeaders[0]', line: 12, message: 'a header name cannot be empty' },
  );
});

t.test('maxAge is whole seconds; unmatchedPreflights is FORWARD or IGNORE', async (t) => {
  rejects(
    t,
    withCors('maxAge: 1500ms\nunmatchedPreflights: DROP'),
    {
      path: 'spec.http[0].corsPolicy.unmatchedPreflights',
      line: 12,
      message: 'string "DROP" is not allowed: use one of UNSPECIFIED, FORWARD, IGNORE',
    },
    {
      path: 'spec.http[0].corsPolicy.maxAge',
      line: 11,
      message: 'maxAge is sent in whole seconds: round it to seconds, e.g. "24h" or "600s"',
    },
  );
});

t.test('allowOrigin is deprecated in favour of allowOrigins', async (t) => {
  const r = withCors('allowOrigin: ["https://example.com"]');
  t.same(pick(r.errors), []);
  t.same(pick(r.warnings), [
    {
      path: 'spec.http[0].corsPolicy.allowOrigin',
      line: 11,
      message: '"allowOrigin" is deprecated: use "allowOrigins" with exact/prefix/regex matches instead',
    },
  ]);
});
