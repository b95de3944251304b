// ROUND_ROBIN: Envoy's weighted round robin. Equal weights rotate through the hosts; different
// weights use the smooth weighted schedule the cluster used before (each pick adds every host's
// weight to its credit, takes the host with the most credit and charges it the total), which
// spreads a heavy host's picks out instead of sending them in a burst. Deterministic by design:
// tests and benchmarks can predict it, and a fresh balancer starts at the first host.
import { BaseLoadBalancer, type LbHost } from './types.ts';

export class RoundRobinBalancer<H extends LbHost> extends BaseLoadBalancer<H> {
  private readonly weights: Float64Array;
  private readonly credit: Float64Array;
  private readonly totalWeight: number;
  private readonly weighted: boolean;
  private next = 0;

  constructor(hosts: readonly H[]) {
    super(hosts);
    this.weights = Float64Array.from(hosts, (h) => h.weight);
    this.credit = new Float64Array(hosts.length);
    this.totalWeight = this.weights.reduce((sum, w) => sum + w, 0);
    this.weighted = this.weights.some((w) => w !== this.weights[0]);
  }

  protected choose(): H {
    const hosts = this.hosts;
    if (!this.weighted) {
      const i = this.next;
      this.next = i + 1 === hosts.length ? 0 : i + 1;
      return hosts[i]!;
    }
    const credit = this.credit;
    const weights = this.weights;
    let best = 0;
    for (let i = 0; i < credit.length; i++) {
      credit[i]! += weights[i]!;
      if (credit[i]! > credit[best]!) best = i;
    }
    credit[best]! -= this.totalWeight;
    return hosts[best]!;
  }
}
