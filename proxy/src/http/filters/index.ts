// HTTP filters: the contract (types.ts), the built-in filters, and the chain builder.
export { buildFilterChain } from './chain.ts';
export { CONTINUE, type FilterStatus, type HttpFilter, STOP } from './types.ts';
