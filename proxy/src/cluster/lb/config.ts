// envoy.config.cluster.v3.Cluster load-balancing fields → LbConfig, and the factory that builds a
// policy from it. Schema validation has already run (types, enums by name, proto ranges); this adds
// Envoy's own checks (ring sizes in order, a prime Maglev table) and says where each problem is.

import type { Cluster } from '../../config/index.ts';
import { bool, ConfigError, enumName, joinPath, message, obj, optionalUint } from '../../config/index.ts';
import { DEFAULT_LEAST_REQUEST, LeastRequestBalancer, type LeastRequestOptions } from './least-request.ts';
import { DEFAULT_MAGLEV, MAX_MAGLEV_TABLE_SIZE, MaglevBalancer, type MaglevOptions } from './maglev.ts';
import { RandomBalancer } from './random.ts';
import { DEFAULT_RING_HASH, MAX_RING_SIZE, RingHashBalancer, type RingHashOptions } from './ring-hash.ts';
import { RoundRobinBalancer } from './round-robin.ts';
import type { LbHost, LoadBalancer, Random } from './types.ts';

export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV';

export interface LbConfig {
  readonly policy: LbPolicy;
  readonly leastRequest: LeastRequestOptions;
  readonly ringHash: RingHashOptions;
  readonly maglev: MaglevOptions;
  /** common_lb_config.healthy_panic_threshold in percent; 0 disables panic mode. */
  readonly healthyPanicThreshold: number;
  /** load_assignment.policy.overprovisioning_factor in percent: 140 means 1.4. */
  readonly overprovisioningFactor: number;
}

export const DEFAULT_PANIC_THRESHOLD = 50;
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;

export const DEFAULT_LB_CONFIG: LbConfig = {
  policy: 'ROUND_ROBIN',
  leastRequest: DEFAULT_LEAST_REQUEST,
  ringHash: DEFAULT_RING_HASH,
  maglev: DEFAULT_MAGLEV,
  healthyPanicThreshold: DEFAULT_PANIC_THRESHOLD,
  overprovisioningFactor: DEFAULT_OVERPROVISIONING_FACTOR,
};

// Cluster.LbPolicy by number; 4 is the removed ORIGINAL_DST_LB.
const LB_POLICY_NAMES = [
  'ROUND_ROBIN',
  'LEAST_REQUEST',
  'RING_HASH',
  'RANDOM',
  'ORIGINAL_DST_LB',
  'MAGLEV',
  'CLUSTER_PROVIDED',
  'LOAD_BALANCING_POLICY_CONFIG',
];
const IMPLEMENTED: readonly string[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];

export function isPrime(n: number): boolean {
  if (n < 2 || !Number.isInteger(n)) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** A `{value: number}` wrapper (Percent, RuntimeDouble.default_value) or a bare number. */
function double(value: unknown, path: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const raw = typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new ConfigError(path, `expected a number, got ${JSON.stringify(value)}`);
  return n;
}

/** The load-balancing part of a Cluster (proto3 JSON, snake_case, as the schema normalizes it). */
export function compileLbConfig(c: Cluster, path: string): LbConfig {
  const policyPath = joinPath(path, 'lb_policy');
  const policy = enumName(c.lb_policy, LB_POLICY_NAMES, policyPath);
  if (!IMPLEMENTED.includes(policy)) {
    throw new ConfigError(
      policyPath,
      `lb_policy ${policy} is not supported; use one of ${IMPLEMENTED.join(', ')}`,
      'unsupported',
    );
  }

  const lrPath = joinPath(path, 'least_request_lb_config');
  const lr = message(c.least_request_lb_config, lrPath);
  const choiceCount = optionalUint(lr.choice_count, joinPath(lrPath, 'choice_count'), 2);
  if (choiceCount < 2)
    throw new ConfigError(joinPath(lrPath, 'choice_count'), `must be at least 2, got ${choiceCount}`);
  const biasPath = joinPath(lrPath, 'active_request_bias');
  const bias = obj(lr.active_request_bias, biasPath);
  const activeRequestBias = double(bias.default_value, joinPath(biasPath, 'default_value'), 1);
  if (activeRequestBias < 0)
    throw new ConfigError(
      joinPath(biasPath, 'default_value'),
      `must be at least 0.0, got ${activeRequestBias}`,
    );

  const rhPath = joinPath(path, 'ring_hash_lb_config');
  const rh = message(c.ring_hash_lb_config, rhPath);
  const minimumRingSize = optionalUint(rh.minimum_ring_size, joinPath(rhPath, 'minimum_ring_size'), 1024);
  const maximumRingSize = optionalUint(
    rh.maximum_ring_size,
    joinPath(rhPath, 'maximum_ring_size'),
    MAX_RING_SIZE,
  );
  for (const [name, size] of [
    ['minimum_ring_size', minimumRingSize],
    ['maximum_ring_size', maximumRingSize],
  ] as const) {
    if (size > MAX_RING_SIZE)
      throw new ConfigError(joinPath(rhPath, name), `must be at most ${MAX_RING_SIZE} (8M), got ${size}`);
  }
  if (minimumRingSize > maximumRingSize) {
    throw new ConfigError(
      joinPath(rhPath, 'minimum_ring_size'),
      `minimum_ring_size (${minimumRingSize}) is greater than maximum_ring_size (${maximumRingSize})`,
    );
  }
  const hashFunction = enumName(
    rh.hash_function,
    ['XX_HASH', 'MURMUR_HASH_2'],
    joinPath(rhPath, 'hash_function'),
  );
  if (hashFunction !== 'XX_HASH') {
    throw new ConfigError(
      joinPath(rhPath, 'hash_function'),
      `hash_function ${hashFunction} is not supported; use XX_HASH (the default)`,
      'unsupported',
    );
  }

  const mgPath = joinPath(path, 'maglev_lb_config');
  const tablePath = joinPath(mgPath, 'table_size');
  const tableSize = optionalUint(message(c.maglev_lb_config, mgPath).table_size, tablePath, 65537);
  if (tableSize > MAX_MAGLEV_TABLE_SIZE)
    throw new ConfigError(tablePath, `must be at most ${MAX_MAGLEV_TABLE_SIZE}, got ${tableSize}`);
  if (!isPrime(tableSize))
    throw new ConfigError(tablePath, `must be a prime number (e.g. 65537), got ${tableSize}`);

  const commonPath = joinPath(path, 'common_lb_config');
  const common = message(c.common_lb_config, commonPath);
  const panicPath = joinPath(commonPath, 'healthy_panic_threshold');
  const healthyPanicThreshold = double(common.healthy_panic_threshold, panicPath, DEFAULT_PANIC_THRESHOLD);
  if (healthyPanicThreshold < 0 || healthyPanicThreshold > 100)
    throw new ConfigError(panicPath, `must be a percentage from 0 to 100, got ${healthyPanicThreshold}`);
  const chPath = joinPath(commonPath, 'consistent_hashing_lb_config');
  const useHostnameForHashing = bool(
    obj(common.consistent_hashing_lb_config, chPath).use_hostname_for_hashing,
    joinPath(chPath, 'use_hostname_for_hashing'),
    false,
  );

  const laPath = joinPath(path, 'load_assignment');
  const opPath = joinPath(joinPath(laPath, 'policy'), 'overprovisioning_factor');
  const la = message(c.load_assignment, laPath);
  const overprovisioningFactor = optionalUint(
    obj(la.policy, joinPath(laPath, 'policy')).overprovisioning_factor,
    opPath,
    DEFAULT_OVERPROVISIONING_FACTOR,
  );
  if (overprovisioningFactor < 1) throw new ConfigError(opPath, 'must be greater than 0');

  return {
    policy: policy as LbPolicy,
    leastRequest: { choiceCount, activeRequestBias },
    ringHash: { minimumRingSize, maximumRingSize, useHostnameForHashing },
    maglev: { tableSize, useHostnameForHashing },
    healthyPanicThreshold,
    overprovisioningFactor,
  };
}

/** The policy `config` names, over `hosts` (build again when the hosts or their weights change). */
export function createLoadBalancer<H extends LbHost>(
  config: LbConfig,
  hosts: readonly H[],
  random: Random = Math.random,
): LoadBalancer<H> {
  switch (config.policy) {
    case 'ROUND_ROBIN':
      return new RoundRobinBalancer(hosts);
    case 'LEAST_REQUEST':
      return new LeastRequestBalancer(hosts, config.leastRequest, random);
    case 'RANDOM':
      return new RandomBalancer(hosts, random);
    case 'RING_HASH':
      return new RingHashBalancer(hosts, config.ringHash, random);
    case 'MAGLEV':
      return new MaglevBalancer(hosts, config.maglev, random);
  }
}
