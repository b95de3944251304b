// The cluster folder's public face: the ClusterManager that turns compiled cluster tables into live
// clusters (endpoints, balancer, breakers, outlier detection, health checks, DNS refresh), one Cluster
// as the router and tcp_proxy use it, and the original destination a listener restored for a
// connection (what ORIGINAL_DST clusters connect to).
export { type Cluster, observeRqTime, RQ_TIME_BUCKETS_MS } from './cluster.ts';
export { originalDestinationOf, recordOriginalDestination } from './connection-info.ts';
export type { Endpoint } from './endpoint.ts';
export { ClusterManager } from './manager.ts';
