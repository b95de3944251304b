// The listeners folder's public face: the registry that binds (and re-binds on update) the configured
// listeners, each one's ProxyListener (listener filters, filter chain match, hand-off to HTTP or TCP),
// and what a listener version needs from the proxy.
export { ListenerRegistry } from './listener-registry.ts';
export type { ListenerDeps } from './listener-version.ts';
export { ProxyListener } from './proxy-listener.ts';
