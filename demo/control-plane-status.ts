// What the demo asks the control plane's monitoring listener: is it ready, and has a given proxy
// ACKed every resource type of the version it is serving (/debug/syncz)?
interface Syncz {
  version: string;
  proxies: Array<{ nodeId: string; types: Record<string, { sent?: string; acked?: string }> }>;
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

export class ControlPlaneStatus {
  constructor(private readonly monitoringPort: number) {}

  async ready(): Promise<boolean> {
    return (await getJson(`http://127.0.0.1:${this.monitoringPort}/ready`)) !== undefined;
  }

  /** The version the control plane serves, if `nodeId` has ACKed all of it (every type it subscribed to). */
  async appliedVersion(nodeId: string): Promise<string | undefined> {
    const syncz = await getJson<Syncz>(`http://127.0.0.1:${this.monitoringPort}/debug/syncz`);
    const proxy = syncz?.proxies.find((p) => p.nodeId === nodeId);
    if (!syncz || !proxy) return undefined;
    const types = Object.values(proxy.types);
    const all = types.length >= 4 && types.every((t) => t.acked === syncz.version);
    return all ? syncz.version : undefined;
  }

  /**
   * Polls until `nodeId` has applied a version other than `previous` (any version when undefined);
   * returns it, or undefined after `timeoutMs`.
   */
  async waitApplied(
    nodeId: string,
    previous: string | undefined,
    timeoutMs: number,
  ): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const version = await this.appliedVersion(nodeId);
      if (version !== undefined && version !== previous) return version;
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
