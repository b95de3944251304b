// The contract between the load-balancing policies and whoever owns the endpoints. Policies are
// built once per host-set change over an immutable host list and then only `pick` per request, so
// everything a pick needs is either precomputed or read from the host (its active request count).

/** What a policy needs to know about an upstream host. The cluster's Endpoint class fits this. */
export interface LbHost {
  /** `address:port`: what RING_HASH and MAGLEV hash to place the host. */
  readonly id: string;
  /** Endpoint.hostname; hashed instead of `id` when use_hostname_for_hashing is set and it is non-empty. */
  readonly hostname?: string | undefined;
  /** load_balancing_weight, ≥ 1. Read when the policy is built, not per pick. */
  readonly weight: number;
  /** Read by the priority layer when it is refreshed (health checks, outlier ejection), not per pick. */
  readonly healthy: boolean;
  /** Requests in flight to this host right now; LEAST_REQUEST reads it per pick. */
  activeRequests(): number;
}

/** Per-request input to a pick. One object can be reused across a request's attempts. */
export interface PickContext<H> {
  /**
   * The request's hash from hash-policy.ts: an unsigned integer below 2^53 (the top 53 bits of the
   * 64-bit hash, so that it stays exact in a double and allocates no BigInt). Absent or negative:
   * no hash; RING_HASH and MAGLEV then use a random one, as Envoy does.
   */
  readonly hash?: number | undefined;
  /** Hosts this request already tried (retry_host_predicate previous_hosts). */
  readonly avoid?: ReadonlySet<H> | undefined;
  /**
   * host_selection_retry_max_attempts: how many times to pick again when the pick is in `avoid`,
   * after which the last pick is used anyway. Envoy's default is 1.
   */
  readonly hostSelectionRetries?: number | undefined;
  /** ORIGINAL_DST clusters: where the downstream connection was originally going. */
  readonly originalDestination?: OriginalDestinationView | undefined;
  /** ORIGINAL_DST clusters with use_http_header: the request whose header may name the host. */
  readonly request?: { header(name: string): string | undefined } | undefined;
}

/** The original destination of a downstream connection, as an ORIGINAL_DST cluster reads it. */
export interface OriginalDestinationView {
  readonly address: string;
  readonly port: number;
  /** Not redirected: the destination is the proxy's own listening socket, never an upstream. */
  readonly selfAddressed: boolean;
}

export interface LoadBalancer<H> {
  /** The host for this request, or undefined when the policy has no hosts. */
  pick(ctx?: PickContext<H>): H | undefined;
}

/** A uniform double in [0, 1). Injected so that tests are reproducible; Math.random otherwise. */
export type Random = () => number;

export const NO_HASH = -1;

/** Envoy's default host_selection_retry_max_attempts. */
export const DEFAULT_HOST_SELECTION_RETRIES = 1;

const TWO_POW_53 = 2 ** 53;

/** A random 53-bit hash, for hash policies that produced none. */
export function randomHash(random: Random): number {
  return Math.floor(random() * TWO_POW_53);
}

/**
 * The pick loop every policy shares: choose once, and while the choice is one the request must
 * avoid, choose again up to the retry budget. Hash policies get `avoid` themselves and walk their
 * ring or table to the next host not in it, which is deterministic: one such walk is enough.
 */
export abstract class BaseLoadBalancer<H> implements LoadBalancer<H> {
  /** True when choose() already skips `avoid` (so choosing again would give the same answer). */
  protected readonly walksPastAvoided: boolean = false;

  constructor(readonly hosts: readonly H[]) {}

  pick(ctx?: PickContext<H>): H | undefined {
    if (this.hosts.length === 0) return undefined;
    const hash = ctx?.hash ?? NO_HASH;
    let host = this.choose(hash, undefined);
    const avoid = ctx?.avoid;
    if (avoid === undefined || avoid.size === 0 || this.hosts.length === 1) return host;
    let retries = ctx?.hostSelectionRetries ?? DEFAULT_HOST_SELECTION_RETRIES;
    if (this.walksPastAvoided) retries = Math.min(retries, 1);
    for (let attempt = 1; attempt <= retries && avoid.has(host); attempt++) host = this.choose(hash, avoid);
    return host;
  }

  /**
   * One choice; `hosts` is not empty. `hash` is NO_HASH when the request has none; `avoid` is set
   * on re-picks only, for the policies that can skip those hosts themselves.
   */
  protected abstract choose(hash: number, avoid: ReadonlySet<H> | undefined): H;
}
