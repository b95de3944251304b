// The metrics folder's public face: the stats the request path counts into (per listener, HTTP
// connection manager and TCP proxy), Envoy's response flags that every failure carries into stats and
// access logs, and the Prometheus rendering the admin server serves.
export { renderPrometheus } from './prometheus.ts';
export { formatFlags, RF } from './response-flags.ts';
export { countResponse, type HttpStats, type ListenerStats, StatsStore, type TcpStats } from './stats.ts';
