// The CORS filter's public face: the request-time decision. Its config (per-route policies merged
// once) is compiled in compile/cors.ts, and the result read from the route's table (RouteTable.cors).
export { type CorsDecision, type CorsStats, decideCors } from './filter.ts';
