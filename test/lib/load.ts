// Drives many requests through a client with bounded concurrency, for distribution and churn tests.
import type { Client, Reply, Req } from './client.ts';

export async function blast(
  client: Client,
  total: number,
  concurrency: number,
  req: (i: number) => Req,
): Promise<Reply[]> {
  const replies: Reply[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      replies[i] = await client(req(i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return replies;
}

/** Counts replies by the `x-upstream` header the test upstreams set. */
export function countByUpstream(replies: readonly Reply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) {
    const name = String(r.headers['x-upstream'] ?? `status-${r.status}`);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
