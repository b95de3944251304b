// The tcp folder's public face: envoy.filters.network.tcp_proxy, one session per downstream connection.
export { type TcpProxyChain, TcpProxySession } from './tcp-proxy.ts';
