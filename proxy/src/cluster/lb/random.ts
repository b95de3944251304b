// RANDOM: a uniformly random host. Envoy's random balancer ignores endpoint weights (it only
// applies locality weights), so this does too.
import { BaseLoadBalancer, type LbHost, type Random } from './types.ts';

export class RandomBalancer<H extends LbHost> extends BaseLoadBalancer<H> {
  constructor(
    hosts: readonly H[],
    private readonly random: Random = Math.random,
  ) {
    super(hosts);
  }

  protected choose(): H {
    return this.hosts[Math.floor(this.random() * this.hosts.length)]!;
  }
}
