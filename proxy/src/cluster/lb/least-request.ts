// LEAST_REQUEST, as Envoy documents it:
// - all weights equal: sample `choice_count` hosts at random (with replacement) and take the one
//   with the fewest active requests (P2C with the default of 2): O(1), and no herding because
//   proxies that see the same counts still sample differently;
// - weights differ: an earliest-deadline-first schedule whose weights are recomputed for the picked
//   host at pick time as weight / (active_requests + 1)^active_request_bias. Bias 0 makes it plain
//   weighted round robin. A loaded host is not drained, only picked less often.
import { BaseLoadBalancer, type LbHost, type Random } from './types.ts';

export interface LeastRequestOptions {
  /** least_request_lb_config.choice_count; Envoy's default 2, at least 2. */
  readonly choiceCount: number;
  /** least_request_lb_config.active_request_bias; Envoy's default 1.0, at least 0. */
  readonly activeRequestBias: number;
}

export const DEFAULT_LEAST_REQUEST: LeastRequestOptions = { choiceCount: 2, activeRequestBias: 1 };

export class LeastRequestBalancer<H extends LbHost> extends BaseLoadBalancer<H> {
  private readonly choiceCount: number;
  private readonly bias: number;
  private readonly weighted: boolean;
  private readonly weights: Float64Array;
  // EDF state (weighted mode): per host its deadline and a tie-break sequence (FIFO among equal
  // deadlines, so equal hosts alternate), and a binary min-heap of host indices.
  private readonly deadline: Float64Array;
  private readonly order: Float64Array;
  private readonly heap: Int32Array;
  private seq: number;

  constructor(
    hosts: readonly H[],
    options: LeastRequestOptions = DEFAULT_LEAST_REQUEST,
    private readonly random: Random = Math.random,
  ) {
    super(hosts);
    this.choiceCount = Math.max(1, options.choiceCount);
    this.bias = options.activeRequestBias;
    const n = hosts.length;
    this.weights = Float64Array.from(hosts, (h) => h.weight);
    this.weighted = this.weights.some((w) => w !== this.weights[0]);
    this.deadline = new Float64Array(this.weighted ? n : 0);
    this.order = new Float64Array(this.weighted ? n : 0);
    this.heap = new Int32Array(this.weighted ? n : 0);
    this.seq = n;
    if (this.weighted) {
      for (let i = 0; i < n; i++) {
        this.deadline[i] = 1 / this.effectiveWeight(i);
        this.order[i] = i;
        this.heap[i] = i;
      }
      for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
    }
  }

  protected choose(): H {
    return this.weighted ? this.chooseWeighted() : this.chooseFewest();
  }

  private chooseFewest(): H {
    const hosts = this.hosts;
    const n = hosts.length;
    let best = hosts[Math.floor(this.random() * n)]!;
    let bestActive = best.activeRequests();
    for (let c = 1; c < this.choiceCount; c++) {
      const h = hosts[Math.floor(this.random() * n)]!;
      const active = h.activeRequests();
      if (active < bestActive) {
        best = h;
        bestActive = active;
      }
    }
    return best;
  }

  private chooseWeighted(): H {
    const top = this.heap[0]!;
    // The picked host goes back one period of its *current* effective weight later.
    this.deadline[top] = this.deadline[top]! + 1 / this.effectiveWeight(top);
    this.order[top] = this.seq++;
    this.siftDown(0);
    return this.hosts[top]!;
  }

  private effectiveWeight(i: number): number {
    const w = this.weights[i]!;
    const bias = this.bias;
    if (bias === 0) return w;
    const active = this.hosts[i]!.activeRequests() + 1;
    return bias === 1 ? w / active : w / active ** bias;
  }

  private before(a: number, b: number): boolean {
    const da = this.deadline[a]!;
    const db = this.deadline[b]!;
    return da < db || (da === db && this.order[a]! < this.order[b]!);
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }
}
