import t from 'tap';
import { expectConfigError } from '../../../test/lib/expect-config-error.ts';
import { uint } from '../config/index.ts';
import {
  compileRetryPolicy,
  parseRetryOn,
  RETRY_ON_5XX,
  RETRY_ON_CONNECT_FAILURE,
  RETRY_ON_GATEWAY_ERROR,
  RETRY_ON_GRPC_CANCELLED,
  RETRY_ON_GRPC_DEADLINE_EXCEEDED,
  RETRY_ON_GRPC_INTERNAL,
  RETRY_ON_GRPC_RESOURCE_EXHAUSTED,
  RETRY_ON_GRPC_UNAVAILABLE,
  RETRY_ON_REFUSED_STREAM,
  RETRY_ON_RESET,
  RETRY_ON_RETRIABLE_4XX,
  RETRY_ON_RETRIABLE_HEADERS,
  RETRY_ON_RETRIABLE_STATUS_CODES,
  retryOnFlag,
} from './retry.ts';

t.test('retry_on parsing', async (t) => {
  t.equal(parseRetryOn('', 'r'), 0);
  t.equal(parseRetryOn('5xx', 'r'), RETRY_ON_5XX);
  t.equal(
    parseRetryOn(
      '5xx,gateway-error,reset,connect-failure,refused-stream,retriable-4xx,retriable-status-codes,retriable-headers',
      'r',
    ),
    RETRY_ON_5XX |
      RETRY_ON_GATEWAY_ERROR |
      RETRY_ON_RESET |
      RETRY_ON_CONNECT_FAILURE |
      RETRY_ON_REFUSED_STREAM |
      RETRY_ON_RETRIABLE_4XX |
      RETRY_ON_RETRIABLE_STATUS_CODES |
      RETRY_ON_RETRIABLE_HEADERS,
  );
  // Istio's default policy mixes HTTP and gRPC conditions.
  t.equal(
    parseRetryOn('connect-failure, refused-stream ,unavailable,cancelled,retriable-status-codes', 'r'),
    RETRY_ON_CONNECT_FAILURE |
      RETRY_ON_REFUSED_STREAM |
      RETRY_ON_GRPC_UNAVAILABLE |
      RETRY_ON_GRPC_CANCELLED |
      RETRY_ON_RETRIABLE_STATUS_CODES,
  );
  t.equal(
    parseRetryOn('deadline-exceeded,internal,resource-exhausted', 'r'),
    RETRY_ON_GRPC_DEADLINE_EXCEEDED | RETRY_ON_GRPC_INTERNAL | RETRY_ON_GRPC_RESOURCE_EXHAUSTED,
  );
  t.equal(
    new Set([
      RETRY_ON_5XX,
      RETRY_ON_GATEWAY_ERROR,
      RETRY_ON_RESET,
      RETRY_ON_GRPC_UNAVAILABLE,
      RETRY_ON_RETRIABLE_HEADERS,
    ]).size,
    5,
    'distinct bits',
  );
  expectConfigError(t, () => parseRetryOn('5xx,4xx', 'rp.retry_on'), {
    path: 'rp.retry_on',
    problem: /unknown retry_on condition "4xx"/,
  });
  t.equal(retryOnFlag('5xx'), RETRY_ON_5XX);
  t.equal(retryOnFlag('nope'), 0, 'runtime lookups do not throw');
});

t.test("Envoy's defaults", async (t) => {
  const p = compileRetryPolicy({ retry_on: '5xx' }, 'rp');
  t.same(
    { ...p, retriableStatusCodes: [...p.retriableStatusCodes] },
    {
      retryOn: RETRY_ON_5XX,
      numRetries: 1,
      perTryTimeoutMs: 0,
      baseIntervalMs: 25,
      maxIntervalMs: 250,
      retriableStatusCodes: [],
      retriableHeaders: [],
      avoidPreviousHosts: false,
      hostSelectionRetryMaxAttempts: 1,
    },
  );
});

t.test('every field', async (t) => {
  const p = compileRetryPolicy(
    {
      retry_on: 'retriable-status-codes,retriable-headers',
      num_retries: 0,
      per_try_timeout: '0.5s',
      retry_back_off: { base_interval: '0.0001s', max_interval: '1s' },
      retry_host_predicate: [
        {
          name: 'envoy.retry_host_predicates.previous_hosts',
          typed_config: {
            '@type':
              'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
          },
        },
      ],
      host_selection_retry_max_attempts: 5,
      retriable_status_codes: [503, 429],
      retriable_headers: [{ name: 'X-Retry', present_match: true }],
    },
    'rp',
  );
  t.equal(p.numRetries, 0);
  t.equal(p.perTryTimeoutMs, 500);
  t.equal(p.baseIntervalMs, 1, 'sub-millisecond intervals round up to 1 ms');
  t.equal(p.maxIntervalMs, 1000);
  t.equal(p.avoidPreviousHosts, true);
  t.equal(p.hostSelectionRetryMaxAttempts, 5);
  t.same([...p.retriableStatusCodes], [503, 429]);
  t.equal(p.retriableHeaders[0]!.name, 'x-retry');
  t.ok(p.retriableHeaders[0]!.matches(''));
  t.equal(
    compileRetryPolicy({ retry_back_off: { base_interval: '0.1s' } }, 'rp').maxIntervalMs,
    1000,
    'max defaults to 10x base',
  );
});

t.test('errors', async (t) => {
  expectConfigError(t, () => compileRetryPolicy({ retry_back_off: {} }, 'rp'), {
    path: 'rp.retry_back_off.base_interval',
    problem: /required/,
  });
  expectConfigError(t, () => compileRetryPolicy({ retry_back_off: { base_interval: '0s' } }, 'rp'), {
    path: 'rp.retry_back_off.base_interval',
    problem: /greater than 0/,
  });
  expectConfigError(
    t,
    () => compileRetryPolicy({ retry_back_off: { base_interval: '1s', max_interval: '0.5s' } }, 'rp'),
    {
      path: 'rp.retry_back_off.max_interval',
      problem: /greater than or equal to base_interval/,
    },
  );
  expectConfigError(
    t,
    () =>
      compileRetryPolicy(
        { retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_canary_hosts' }] },
        'rp',
      ),
    {
      path: 'rp.retry_host_predicate[0]',
      kind: 'unsupported',
    },
  );
  expectConfigError(t, () => compileRetryPolicy({ num_retries: -1 }, 'rp'), { path: 'rp.num_retries' });
  // The types rule out a non-numeric status code; the reader still guards against it.
  expectConfigError(t, () => uint('x', 'rp.retriable_status_codes[1]'), {
    path: 'rp.retriable_status_codes[1]',
  });
});
