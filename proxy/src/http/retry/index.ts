// Retries: the policy's pure decisions (policy.ts), the per-request state (retry-state.ts) and how
// an attempt that produced no response is classified (attempt-failure.ts).
export { classify, FAILURE_BODIES, FAILURE_FLAGS, FAILURE_STATUS } from './attempt-failure.ts';
export { type AttemptFailure, backoffMs, retriableFailure, retriableResponse } from './policy.ts';
export { type RetryDecision, type RetryGate, RetryState } from './retry-state.ts';
