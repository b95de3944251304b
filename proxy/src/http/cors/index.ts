// The CORS filter's public face: config compilation (per-route policies merged once) and the
// request-time decision.
export {
  CORS_FILTER_TYPE_URL,
  CORS_POLICY_TYPE_URL,
  type CorsPolicyConfig,
  type CorsTable,
  corsPolicyOf,
  mergeCors,
} from './config.ts';
export { type CorsDecision, type CorsStats, decideCors } from './filter.ts';
