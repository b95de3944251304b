// The ADS server's public face: other folders import from here only (DESIGN §3).
export type { AdsServerEvents, AdsServerOptions, ProxyStatus } from './ads-server.ts';
export { AdsServer } from './ads-server.ts';
export type {
  AckRecord,
  AnyResource,
  DiscoveryRequest,
  DiscoveryResponse,
  NackRecord,
  TypeStatus,
} from './ads-stream.ts';
// A real gRPC ADS client for tests and benches (e.g. the 1 000-proxy ACK-latency bench).
export { type ReceivedResponse, TestAdsClient } from './ads-test-client.ts';
export { adsServiceDefinition, decodeResource, encodeResource, PROTO_LOADER_OPTIONS } from './protos.ts';
export {
  CLUSTER_TYPE,
  createSnapshot,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  type ResourceName,
  ROUTE_TYPE,
  resourceName,
  resourcesOf,
  type Snapshot,
  type SnapshotResources,
  selectResources,
  type TypeUrl,
  WILDCARD_TYPES,
} from './snapshot.ts';
