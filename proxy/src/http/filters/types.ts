// The HTTP filter contract (Envoy's decoder filters, reduced to what Weft's filters need): each
// filter sees the request once, in config order, and answers CONTINUE (the next filter runs) or
// STOP (it has answered or ended the stream; nothing after it runs). A filter that must wait (a
// fault delay, a buffered body) returns a promise of its answer. A filter object is built once per
// config version and shared by every request; per-request state lives on the Stream.
import type { Stream } from '../stream/index.ts';

export const CONTINUE = 0;
export const STOP = 1;
export type FilterStatus = typeof CONTINUE | typeof STOP;

export interface HttpFilter {
  /** The filter's name in the config, for logs and /config_dump. */
  readonly name: string;
  onRequest(s: Stream): FilterStatus | Promise<FilterStatus>;
}
