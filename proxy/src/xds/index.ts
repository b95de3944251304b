// The proxy's xDS mode: an ADS stream to the control plane feeding the same compile → apply path a
// bootstrap file does. Updates are applied one at a time, in arrival order.
import type { WeftProxy } from '../proxy.ts';
import {
  AdsClient,
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  type NodeIdentity,
  ROUTE_TYPE,
} from './ads-client.ts';
import { XdsConfig } from './xds-config.ts';

export { AdsClient, CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './ads-client.ts';
export { decodeAny } from './decode.ts';
export { XdsConfig } from './xds-config.ts';

export interface XdsEvents {
  onEvent?: (event: { kind: string; typeUrl?: string; version?: string; error?: string }) => void;
  onApplyError?: (err: Error) => void;
}

export interface XdsConnection {
  close(): void;
}

export function connectXds(
  proxy: WeftProxy,
  target: string,
  node: NodeIdentity,
  events: XdsEvents = {},
): XdsConnection {
  const state = new XdsConfig();
  let applying: Promise<void> = Promise.resolve();
  const client: AdsClient = new AdsClient({
    target,
    node,
    ...(events.onEvent ? { onEvent: events.onEvent } : {}),
    onResources: (typeUrl, resources, version) => {
      const { config, subscriptions } = state.accept(typeUrl, resources, version);
      applying = applying
        .then(() => proxy.apply(config))
        .catch((err: unknown) => events.onApplyError?.(err as Error));
      client.subscribe(ROUTE_TYPE, subscriptions.routeNames);
      client.subscribe(ENDPOINT_TYPE, subscriptions.edsNames);
    },
  });
  client.subscribe(CLUSTER_TYPE, []);
  client.subscribe(LISTENER_TYPE, []);
  client.start();
  return { close: () => client.close() };
}
