// The admin folder's public face: the admin HTTP server (port 15000: /clusters, /stats, /config_dump,
// /ready, /quitquitquit …) over a running WeftProxy.
export { AdminServer } from './server.ts';
