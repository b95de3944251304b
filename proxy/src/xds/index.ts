// The proxy's xDS mode: an ADS stream to the control plane feeding the same compile → apply path a
// bootstrap file does. One response at a time, in arrival order:
//   1. decode and validate each resource; compile what changed (xds-config.ts);
//   2. apply the candidate config atomically (WeftProxy.apply: build, bind, swap, then close);
//   3. only then commit the candidate and ACK — or NACK: the resources that failed by name (the
//      others are applied), or the whole response when the apply failed (nothing of it is kept).
import type { WeftProxy } from '../proxy.ts';
import {
  AdsClient,
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  type NodeIdentity,
  type ResourcesOutcome,
  ROUTE_TYPE,
} from './ads-client.ts';
import type { EncodedAny } from './decode.ts';
import { XdsConfig, type XdsConfigCounters } from './xds-config.ts';

export { AdsClient, CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './ads-client.ts';
export { decodeAny } from './decode.ts';
export { XdsConfig } from './xds-config.ts';

export interface XdsEvents {
  onEvent?: (event: { kind: string; typeUrl?: string; version?: string; error?: string }) => void;
  onApplyError?: (err: Error) => void;
}

/** What the xDS client has done since it started (an observable for tests and debugging). */
export interface XdsStats extends XdsConfigCounters {
  /** Responses whose config was applied (whole or in part). */
  applied: number;
  /** Responses that changed nothing held: ACKed or NACKed without an apply. */
  unchanged: number;
  /** Responses whose apply failed and was rolled back. */
  applyFailed: number;
}

export interface XdsConnection {
  readonly stats: Readonly<XdsStats>;
  close(): void;
}

export function connectXds(
  proxy: WeftProxy,
  target: string,
  node: NodeIdentity,
  events: XdsEvents = {},
): XdsConnection {
  const state = new XdsConfig();
  const counts = { applied: 0, unchanged: 0, applyFailed: 0 };
  const stats: XdsStats = {
    get validated() {
      return state.counters.validated;
    },
    get clustersCompiled() {
      return state.counters.clustersCompiled;
    },
    get listenersCompiled() {
      return state.counters.listenersCompiled;
    },
    get applied() {
      return counts.applied;
    },
    get unchanged() {
      return counts.unchanged;
    },
    get applyFailed() {
      return counts.applyFailed;
    },
  };
  const onResources = async (
    typeUrl: string,
    resources: readonly EncodedAny[],
    version: string,
  ): Promise<ResourcesOutcome> => {
    const update = state.prepare(typeUrl, resources, version);
    if (update.changed || !proxy.config) {
      try {
        await proxy.apply(update.config);
      } catch (err) {
        counts.applyFailed++;
        events.onApplyError?.(err as Error);
        // nothing of this response is kept: the proxy and the held state are as they were
        throw new Error(`cannot apply version ${version}: ${(err as Error).message}`);
      }
      counts.applied++;
    } else counts.unchanged++;
    update.commit();
    client.subscribe(ROUTE_TYPE, update.subscriptions.routeNames);
    client.subscribe(ENDPOINT_TYPE, update.subscriptions.edsNames);
    return update.errorDetail === '' ? {} : { rejected: update.errorDetail };
  };
  const client: AdsClient = new AdsClient({
    target,
    node,
    ...(events.onEvent ? { onEvent: events.onEvent } : {}),
    onResources,
  });
  client.subscribe(CLUSTER_TYPE, []);
  client.subscribe(LISTENER_TYPE, []);
  client.start();
  return { stats, close: () => client.close() };
}
