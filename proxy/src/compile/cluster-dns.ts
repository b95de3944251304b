// STRICT_DNS and LOGICAL_DNS clusters (already schema-validated) → DnsClusterConfig: the names to
// resolve, taken from load_assignment, and how to resolve them, with Envoy's defaults as data.
import {
  type Cluster,
  ConfigError,
  enumName,
  joinPath,
  optionalDurationMs,
  optionalObj,
} from '../config/index.ts';
import type { EndpointTable } from './types.ts';

/** Envoy's Cluster.DnsLookupFamily, in enum order (AUTO is proto3's default). */
export const DNS_LOOKUP_FAMILIES = ['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'] as const;
export type DnsLookupFamily = (typeof DNS_LOOKUP_FAMILIES)[number];

/** Envoy's dns_refresh_rate default. */
const DEFAULT_REFRESH_MS = 5000;

/** One name to resolve: every address it resolves to becomes a host with this port and weight. */
export interface DnsTarget {
  readonly hostname: string;
  readonly port: number;
  readonly weight: number;
  readonly priority: number;
}

export interface DnsClusterConfig {
  /** LOGICAL_DNS: one target, and only the first address it resolves to is used. */
  readonly logical: boolean;
  readonly targets: readonly DnsTarget[];
  readonly lookupFamily: DnsLookupFamily;
  readonly refreshMs: number;
  /** dns_failure_refresh_rate: retries after a failed resolution back off from base to max. */
  readonly failureBaseMs: number;
  readonly failureMaxMs: number;
  /** respect_dns_ttl: the records' TTL replaces refreshMs when the resolver reports one. */
  readonly respectTtl: boolean;
}

/**
 * The DNS settings of cluster `c`, or undefined when it is not a DNS cluster. `endpoints` are its
 * load_assignment endpoints as compiled (address = the name to resolve).
 */
export function compileDnsConfig(
  c: Cluster,
  path: string,
  endpoints: readonly EndpointTable[],
): DnsClusterConfig | undefined {
  if (c.type !== 'STRICT_DNS' && c.type !== 'LOGICAL_DNS') return undefined;
  const logical = c.type === 'LOGICAL_DNS';
  if (logical && endpoints.length !== 1) {
    throw new ConfigError(
      joinPath(path, 'load_assignment'),
      `a LOGICAL_DNS cluster connects through exactly one name: give it one endpoint (it has ${endpoints.length})`,
    );
  }
  const refreshMs = optionalDurationMs(
    c.dns_refresh_rate,
    joinPath(path, 'dns_refresh_rate'),
    DEFAULT_REFRESH_MS,
  );
  const failure = optionalObj(c.dns_failure_refresh_rate);
  const failurePath = joinPath(path, 'dns_failure_refresh_rate');
  // Without dns_failure_refresh_rate a failed resolution is retried at the ordinary refresh rate.
  const failureBaseMs = optionalDurationMs(
    failure.base_interval,
    joinPath(failurePath, 'base_interval'),
    refreshMs,
  );
  const failureMaxMs = optionalDurationMs(
    failure.max_interval,
    joinPath(failurePath, 'max_interval'),
    failureBaseMs * 10,
  );
  if (failureMaxMs < failureBaseMs) {
    throw new ConfigError(
      joinPath(failurePath, 'max_interval'),
      'max_interval must not be below base_interval',
    );
  }
  return {
    logical,
    targets: endpoints.map((e) => ({
      hostname: e.address,
      port: e.port,
      weight: e.weight,
      priority: e.priority,
    })),
    lookupFamily: enumName(
      c.dns_lookup_family,
      DNS_LOOKUP_FAMILIES,
      joinPath(path, 'dns_lookup_family'),
    ) as DnsLookupFamily,
    refreshMs,
    failureBaseMs,
    failureMaxMs,
    respectTtl: c.respect_dns_ttl === true,
  };
}
