import t from 'tap';
import { ConfigError } from '../config/errors.ts';
import {
  compileHcmProtocolOptions,
  DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_HEADERS_COUNT,
  DEFAULT_REQUEST_HEADERS_TIMEOUT_MS,
} from './hcm-protocol-options.ts';

t.test('unset fields take the defaults, bounded where Envoy has none', async (t) => {
  t.same(compileHcmProtocolOptions({}, 'hcm'), {
    requestHeadersTimeoutMs: DEFAULT_REQUEST_HEADERS_TIMEOUT_MS,
    maxHeadersCount: DEFAULT_MAX_HEADERS_COUNT,
    http2MaxConcurrentStreams: DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS,
  });
  t.equal(DEFAULT_REQUEST_HEADERS_TIMEOUT_MS, 10_000);
  t.equal(DEFAULT_MAX_HEADERS_COUNT, 100, "Envoy's default");
  t.equal(DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS, 100);
});

t.test('the config overrides each one; 0 disables the timeout', async (t) => {
  const options = compileHcmProtocolOptions(
    {
      request_headers_timeout: '0s',
      common_http_protocol_options: { max_headers_count: 250 },
      http2_protocol_options: { max_concurrent_streams: 7 },
    },
    'hcm',
  );
  t.same(options, { requestHeadersTimeoutMs: 0, maxHeadersCount: 250, http2MaxConcurrentStreams: 7 });
  t.equal(
    compileHcmProtocolOptions({ request_headers_timeout: '0.25s' }, 'hcm').requestHeadersTimeoutMs,
    250,
  );
});

t.test('a bad value names its field', async (t) => {
  t.throws(() => compileHcmProtocolOptions({ request_headers_timeout: 'soon' }, 'hcm'), ConfigError);
  try {
    compileHcmProtocolOptions({ common_http_protocol_options: { max_headers_count: -1 } }, 'hcm');
    t.fail('accepted a negative count');
  } catch (err) {
    t.equal((err as ConfigError).path, 'hcm.common_http_protocol_options.max_headers_count');
  }
});
