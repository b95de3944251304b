// Envoy's response flags: every locally generated or failed response says why, in the access log
// and in stats. Kept as a bit set on the hot path; turned into Envoy's short codes only when read.

export const RF = {
  NO_ROUTE: 1 << 0, // NR
  NO_CLUSTER: 1 << 1, // NC
  NO_HEALTHY_UPSTREAM: 1 << 2, // UH
  UPSTREAM_CONNECT_FAILURE: 1 << 3, // UF
  UPSTREAM_CONNECTION_TERMINATION: 1 << 4, // UC
  UPSTREAM_REQUEST_TIMEOUT: 1 << 5, // UT
  UPSTREAM_RETRY_LIMIT_EXCEEDED: 1 << 6, // URX
  DELAY_INJECTED: 1 << 7, // DI
  FAULT_INJECTED: 1 << 8, // FI
  DOWNSTREAM_CONNECTION_TERMINATION: 1 << 9, // DC
  STREAM_IDLE_TIMEOUT: 1 << 10, // SI
  UPSTREAM_RESET: 1 << 11, // UR (stream reset after connection)
  DOWNSTREAM_PROTOCOL_ERROR: 1 << 12, // DPE
  UPSTREAM_OVERFLOW: 1 << 13, // UO
  DURATION_TIMEOUT: 1 << 14, // DT (request_timeout)
  UPSTREAM_PROTOCOL_ERROR: 1 << 15, // UPE (malformed upstream response)
} as const;

const CODES: ReadonlyArray<readonly [number, string]> = [
  [RF.NO_ROUTE, 'NR'],
  [RF.NO_CLUSTER, 'NC'],
  [RF.NO_HEALTHY_UPSTREAM, 'UH'],
  [RF.UPSTREAM_CONNECT_FAILURE, 'UF'],
  [RF.UPSTREAM_CONNECTION_TERMINATION, 'UC'],
  [RF.UPSTREAM_REQUEST_TIMEOUT, 'UT'],
  [RF.UPSTREAM_RETRY_LIMIT_EXCEEDED, 'URX'],
  [RF.DELAY_INJECTED, 'DI'],
  [RF.FAULT_INJECTED, 'FI'],
  [RF.DOWNSTREAM_CONNECTION_TERMINATION, 'DC'],
  [RF.STREAM_IDLE_TIMEOUT, 'SI'],
  [RF.UPSTREAM_RESET, 'UR'],
  [RF.DOWNSTREAM_PROTOCOL_ERROR, 'DPE'],
  [RF.UPSTREAM_OVERFLOW, 'UO'],
  [RF.DURATION_TIMEOUT, 'DT'],
  [RF.UPSTREAM_PROTOCOL_ERROR, 'UPE'],
];

export const ALL_FLAG_CODES: readonly string[] = CODES.map(([, code]) => code);

/** `UF,URX` as Envoy prints %RESPONSE_FLAGS%, or `-` when none. */
export function formatFlags(flags: number): string {
  if (flags === 0) return '-';
  let out = '';
  for (const [bit, code] of CODES) {
    if (flags & bit) out = out ? `${out},${code}` : code;
  }
  return out;
}

/** Calls `fn` for each flag set, with its short code. */
export function forEachFlag(flags: number, fn: (code: string) => void): void {
  if (flags === 0) return;
  for (const [bit, code] of CODES) if (flags & bit) fn(code);
}
