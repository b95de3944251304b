// How an upstream attempt that produced no response is classified, and what the caller sees for
// each kind: the response flag and the body Envoy sends.
import { RF } from '../../metrics/index.ts';
import type { AttemptFailure } from './policy.ts';

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EADDRNOTAVAIL',
]);

export function classify(err: unknown): AttemptFailure {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code && CONNECT_ERRORS.has(code)) return 'connect-failure';
  if (e.message?.includes('REFUSED_STREAM')) return 'refused-stream';
  // undici's parser errors, and its refusal of a 1xx it does not implement ('bad response')
  if (e.name === 'HTTPParserError' || e.message === 'bad response') return 'protocol-error';
  return 'reset';
}

export const FAILURE_FLAGS: Record<AttemptFailure, number> = {
  'connect-failure': RF.UPSTREAM_CONNECT_FAILURE,
  reset: RF.UPSTREAM_CONNECTION_TERMINATION,
  'refused-stream': RF.UPSTREAM_RESET,
  'per-try-timeout': RF.UPSTREAM_REQUEST_TIMEOUT,
  'protocol-error': RF.UPSTREAM_PROTOCOL_ERROR,
};

/** A malformed response is the upstream's fault (502, as Envoy); no response at all is 503. */
export const FAILURE_STATUS: Record<AttemptFailure, number> = {
  'connect-failure': 503,
  reset: 503,
  'refused-stream': 503,
  'per-try-timeout': 504,
  'protocol-error': 502,
};

export const FAILURE_BODIES: Record<AttemptFailure, string> = {
  'connect-failure':
    'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  reset: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  'refused-stream':
    'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset',
  'per-try-timeout': 'upstream request timeout',
  'protocol-error': 'upstream connect error or disconnect/reset before headers. reset reason: protocol error',
};
