// Load balancing: the policies of Envoy's Cluster.lb_policy behind one `pick`, the route's hash
// policies that feed the consistent-hash ones, and the priority / panic layer above them.
export {
  compileLbConfig,
  createLoadBalancer,
  DEFAULT_LB_CONFIG,
  DEFAULT_OVERPROVISIONING_FACTOR,
  DEFAULT_PANIC_THRESHOLD,
  type LbConfig,
  type LbPolicy,
} from './config.ts';
export {
  type ConnectionAddresses,
  type CookieSink,
  compileHashPolicy,
  type HashableRequest,
  type HashPolicy,
} from './hash-policy.ts';
export { LeastRequestBalancer, type LeastRequestOptions } from './least-request.ts';
export { MaglevBalancer, type MaglevOptions } from './maglev.ts';
export { computePriorityLoad, PriorityBalancer, type PriorityHealth, type PriorityLoad } from './priority.ts';
export { RandomBalancer } from './random.ts';
export { RingHashBalancer, type RingHashOptions } from './ring-hash.ts';
export { RoundRobinBalancer } from './round-robin.ts';
export {
  DEFAULT_HOST_SELECTION_RETRIES,
  type LbHost,
  type LoadBalancer,
  NO_HASH,
  type OriginalDestinationView,
  type PickContext,
  type Random,
} from './types.ts';
export { xxHash53, xxHash64Hex, xxHash64Into } from './xxhash64.ts';
