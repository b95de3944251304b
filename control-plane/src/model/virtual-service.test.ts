import t from 'tap';
import { doc, load, pick, rejects } from './test-helpers.ts';

// Body line k of these specs is file line 5 + k.
const vs = (body: string) => load(doc('VirtualService', body));
const ROUTE = 'route:\n    - destination: {host: reviews}';

t.test('unknown fields are named with their path and a suggestion', async (t) => {
  rejects(
    t,
    vs(`
hosts: [reviews]
http:
- route:
  - destination: {host: reviews, subset: v1}
    weight: 90
- route:
  - destination: {host: reviews, subset: v2}
    weigth: 10`),
    {
      path: 'spec.http[1].route[0].weigth',
      line: 13,
      message:
        'unknown field "weigth" (did you mean "weight"?): remove it or use one of destination, weight, headers',
    },
  );
  rejects(t, vs(`hosts: [reviews]\nhttp:\n- per_try_timeout: 1s\n  ${ROUTE}`), {
    path: 'spec.http[0].per_try_timeout',
    line: 8,
    message:
      'unknown field "per_try_timeout": remove it or use one of name, match, route, redirect, directResponse, delegate, rewrite, timeout, retries, fault, mirror, mirrorPercentage, mirrorPercent, mirrors, corsPolicy, headers',
  });
});

t.test('types', async (t) => {
  rejects(
    t,
    vs(`hosts: reviews\nhttp:\n- ${ROUTE}`),
    {
      path: 'spec.hosts',
      line: 6,
      message: 'expected a list, got string "reviews"',
    },
    {
      path: 'spec.hosts',
      line: 6,
      message: 'hosts must name at least one host this VirtualService applies to, e.g. reviews',
    },
  );
  rejects(t, vs('hosts: [r]\nhttp:\n- route:\n  - destination: {host: r}\n    weight: "10"'), {
    path: 'spec.http[0].route[0].weight',
    line: 10,
    message: 'expected a whole number, got string "10"',
  });
});

t.test('durations are Istio strings of at least 1ms at ms precision', async (t) => {
  for (const good of ['1ms', '500ms', '1.5s', '1m', '1h', '1h30m']) {
    t.same(pick(vs(`hosts: [r]\nhttp:\n- timeout: ${good}\n  ${ROUTE}`).errors), [], good);
  }
  const cases: [string, string][] = [
    ['0s', 'duration "0s" is below the minimum of 1ms: use at least "1ms"'],
    ['500us', 'duration "500us" is below the minimum of 1ms: use at least "1ms"'],
    ['1.0005s', 'duration "1.0005s" is finer than millisecond precision: round it to whole milliseconds'],
    ['5', 'expected a duration string such as "1s", "500ms" or "1m", got number 5'],
    ['5 sec', 'invalid duration "5 sec": write a number with a unit (h, m, s, ms), e.g. "1.5s" or "500ms"'],
  ];
  for (const [value, message] of cases) {
    rejects(t, vs(`hosts: [r]\nhttp:\n- timeout: ${value}\n  ${ROUTE}`), {
      path: 'spec.http[0].timeout',
      line: 8,
      message,
    });
  }
});

t.test('percentages are 0 or within [0.0001, 100]', async (t) => {
  const fault = (v: number) =>
    vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  fault:\n    abort: {httpStatus: 503, percentage: {value: ${v}}}`);
  t.same(fault(0).errors, []);
  t.same(fault(0.0001).errors, []);
  t.same(fault(100).errors, []);
  for (const v of [0.00001, 100.5, -1]) {
    rejects(t, fault(v), {
      path: 'spec.http[0].fault.abort.percentage.value',
      line: 11,
      message: `percentage ${v} is out of range: use 0 or a value from 0.0001 to 100`,
    });
  }
  rejects(t, vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  mirror: {host: s}\n  mirrorPercentage: {value: 101}`), {
    path: 'spec.http[0].mirrorPercentage.value',
    line: 11,
    message: 'percentage 101 is out of range: use 0 or a value from 0.0001 to 100',
  });
});

t.test('weights are relative, non-negative, with a positive total', async (t) => {
  const two = (a: number, b: number) =>
    vs(
      `hosts: [r]\nhttp:\n- route:\n  - destination: {host: a}\n    weight: ${a}\n  - destination: {host: b}\n    weight: ${b}`,
    );
  t.same(two(1, 3).errors, [], 'any positive total');
  t.same(two(0, 3).errors, [], 'zero for one destination');
  rejects(t, two(0, 0), {
    path: 'spec.http[0].route',
    line: 8,
    message:
      'the weights of these destinations add up to 0, so no request could be routed: give at least one a positive weight',
  });
  rejects(t, two(-1, 3), {
    path: 'spec.http[0].route[0].weight',
    line: 10,
    message: 'weight -1 is negative: weights must be 0 or more',
  });
});

t.test('regexes must compile under RE2', async (t) => {
  rejects(t, vs(`hosts: [r]\nhttp:\n- match:\n  - uri: {regex: "/a(?=b)"}\n  ${ROUTE}`), {
    path: 'spec.http[0].match[0].uri.regex',
    line: 9,
    message:
      'invalid RE2 regex "/a(?=b)": invalid perl operator: (?= (patterns use RE2 syntax: https://github.com/google/re2/wiki/Syntax)',
  });
  rejects(t, vs(`hosts: [r]\nhttp:\n- match:\n  - headers:\n      x-id: {regex: "[a-"}\n  ${ROUTE}`), {
    path: 'spec.http[0].match[0].headers["x-id"].regex',
    line: 10,
    message:
      'invalid RE2 regex "[a-": missing ]: [a- (patterns use RE2 syntax: https://github.com/google/re2/wiki/Syntax)',
  });
  rejects(t, vs(`hosts: [r]\nhttp:\n- match:\n  - uri: {exact: /a, prefix: /b}\n  ${ROUTE}`), {
    path: 'spec.http[0].match[0].uri.prefix',
    line: 9,
    message: 'a string match takes one of exact, prefix and regex, not exact and prefix: keep one',
  });
});

t.test('route, redirect and directResponse are exclusive', async (t) => {
  rejects(t, vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  redirect: {uri: /x}`), {
    path: 'spec.http[0].redirect',
    line: 10,
    message:
      'a route may have only one of route, redirect and directResponse, but this one has route and redirect: keep one',
  });
  rejects(t, vs('hosts: [r]\nhttp:\n- directResponse: {status: 503}\n  fault: {abort: {httpStatus: 500}}'), {
    path: 'spec.http[0].fault',
    line: 9,
    message:
      'fault has no effect with directResponse, which answers without calling a destination: remove fault',
  });
  rejects(t, vs('hosts: [r]\nhttp:\n- name: nothing'), {
    path: 'spec.http[0]',
    line: 8,
    message: 'the route does nothing: add route (destinations), redirect or directResponse',
  });
  rejects(t, vs('hosts: [r]\nhttp:\n- redirect: {redirectCode: 200, uri: /x}'), {
    path: 'spec.http[0].redirect.redirectCode',
    line: 8,
    message: '200 is not a redirect status: use a 3xx code such as 301 or 302',
  });
  t.same(vs('hosts: [r]\nhttp:\n- redirect: {uri: /v2, redirectCode: 301}').errors, []);
});

t.test('retries', async (t) => {
  rejects(
    t,
    vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  retries: {attempts: 2, retryOn: "5xx,gateway_error,503"}`),
    {
      path: 'spec.http[0].retries.retryOn',
      line: 10,
      message:
        '"gateway_error" is not a retry condition: use 5xx, gateway-error, reset, reset-before-request, connect-failure, envoy-ratelimited, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, http3-post-connect-failure, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable or an HTTP status code, separated by commas',
    },
  );
  rejects(t, vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  retries: {attempts: 0, perTryTimeout: 1s}`), {
    path: 'spec.http[0].retries',
    line: 10,
    message:
      'retry settings are given but attempts is 0 (retries disabled): set attempts or remove the settings',
  });
  t.same(
    vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  retries: {attempts: 0}`).errors,
    [],
    'attempts: 0 alone disables retries',
  );
});

t.test('fault abort status and gRPC names', async (t) => {
  const abort = (a: string) => vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  fault:\n    abort: ${a}`);
  t.same(abort('{httpStatus: 600}').errors, [], "600 passes Istio's check");
  t.same(abort('{httpStatus: 200}').errors, []);
  rejects(t, abort('{httpStatus: 199}'), {
    path: 'spec.http[0].fault.abort.httpStatus',
    line: 11,
    message: 'HTTP status 199 is out of range: use a status from 200 to 600',
  });
  t.same(abort('{grpcStatus: UNAVAILABLE}').errors, []);
  rejects(t, abort('{grpcStatus: "14"}'), {
    path: 'spec.http[0].fault.abort.grpcStatus',
    line: 11,
    message: '"14" is not a gRPC status name: use one like UNAVAILABLE or NOT_FOUND',
  });
  rejects(t, vs(`hosts: [r]\nhttp:\n- ${ROUTE}\n  fault: {delay: {percentage: {value: 5}}}`), {
    path: 'spec.http[0].fault.delay',
    line: 10,
    message: 'delay needs fixedDelay, e.g. fixedDelay: 5s',
  });
});

t.test('hosts and destinations', async (t) => {
  rejects(t, vs(`hosts: []\nhttp:\n- ${ROUTE}`), {
    path: 'spec.hosts',
    line: 6,
    message: 'hosts must name at least one host this VirtualService applies to, e.g. reviews',
  });
  rejects(t, vs('hosts: [r]\nhttp:\n- route:\n  - destination: {subset: v1}'), {
    path: 'spec.http[0].route[0].destination',
    line: 9,
    message: 'destination.host is required: name the service, e.g. reviews or reviews.ns.svc.cluster.local',
  });
  rejects(t, vs('hosts: [r]\nhttp:\n- route:\n  - weight: 100'), {
    path: 'spec.http[0].route[0].destination',
    line: 9,
    message: 'destination is required: add destination.host',
  });
});

t.test('warnings: unreachable rules and deprecated fields', async (t) => {
  const r = vs(`
hosts: [r]
http:
- match:
  - uri: {prefix: /}
  ${ROUTE}
- match:
  - uri: {prefix: /api}
  ${ROUTE}
  mirror: {host: shadow}
  mirrorPercent: 10`);
  t.same(r.errors, []);
  t.same(r.resources.length, 1, 'warnings do not reject');
  t.same(pick(r.warnings), [
    {
      path: 'spec.http[1].mirrorPercent',
      line: 17,
      message: '"mirrorPercent" is deprecated: use "mirrorPercentage: {value: N}" instead',
    },
    {
      path: 'spec.http[1]',
      line: 12,
      message:
        'this rule is never used: spec.http[0] before it matches every request; move this rule above it, or remove it',
    },
  ]);
});
