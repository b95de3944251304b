// What one fuzz sequence is made of, and the fast-check arbitraries that generate it. Timings are kept
// short so that a few hundred sequences fit in a minute; every bound here is a bound on the test.
import fc from 'fast-check';

/** What the recording upstream does with one attempt (after `failFirst` attempts, it answers 200). */
export type UpstreamKind =
  | 'ok'
  | 'status-503'
  | 'reset-early'
  | 'reset-before-headers'
  | 'reset-mid-body'
  | 'close';

export interface UpstreamScript {
  readonly kind: UpstreamKind;
  /** Attempts of this request that get `kind`; later attempts get a plain 200. 0 = every attempt. */
  readonly failFirst: number;
  readonly responseBytes: number;
  /** HTTP/1.1 upstream: chunked response instead of content-length. */
  readonly responseChunked: boolean;
  /** Delay before the response headers and between its chunks. */
  readonly slowMs: number;
}

/** Where the client gives up on its request. */
export type ClientAbort =
  | { readonly at: 'none' }
  /** The first `eighths`/8 of the request head (HTTP/1.1); HTTP/2 cancels right after HEADERS. */
  | { readonly at: 'headers'; readonly eighths: number }
  | { readonly at: 'body'; readonly afterChunks: number }
  | { readonly at: 'waiting'; readonly afterMs: number }
  | { readonly at: 'response'; readonly afterBytes: number };

export interface RequestStep {
  readonly type: 'request';
  readonly protocol: 'h1' | 'h2';
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Body chunk sizes; empty means no body. */
  readonly chunks: readonly number[];
  /** content-length or chunked (HTTP/1.1); with or without content-length (HTTP/2). */
  readonly framing: 'length' | 'chunked';
  readonly chunkGapMs: number;
  readonly abort: ClientAbort;
  readonly upstream: UpstreamScript;
}

export interface RouteSpec {
  readonly target: 'h1' | 'h2' | 'weighted';
  readonly weights: readonly [number, number];
  /** undefined: Envoy's default (15 s). */
  readonly timeoutMs: number | undefined;
  readonly retry:
    | {
        readonly numRetries: number;
        readonly perTryTimeoutMs: number | undefined;
        readonly retryOn: string;
      }
    | undefined;
  readonly fault:
    | {
        readonly delayMs: number;
        readonly delayPercent: number;
        readonly abortStatus: number;
        readonly abortPercent: number;
      }
    | undefined;
  readonly bufferLimitBytes: number | undefined;
}

export interface BreakerSpec {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

export interface MeshSpec {
  readonly route: RouteSpec;
  /** Per fuzzed cluster (h1, h2); undefined: Envoy's default thresholds. */
  readonly breakers: readonly [BreakerSpec | undefined, BreakerSpec | undefined];
}

export interface PushStep {
  readonly type: 'push';
  readonly mesh: MeshSpec;
}

export interface Pause {
  readonly type: 'pause';
  readonly ms: number;
}

export type Step = RequestStep | PushStep | Pause;

export interface Sequence {
  readonly initial: MeshSpec;
  readonly steps: readonly Step[];
}

const upstreamScript: fc.Arbitrary<UpstreamScript> = fc.record({
  kind: fc.constantFrom<UpstreamKind>(
    'ok',
    'ok',
    'status-503',
    'reset-early',
    'reset-before-headers',
    'reset-mid-body',
    'close',
  ),
  failFirst: fc.nat({ max: 2 }),
  responseBytes: fc.oneof(fc.nat({ max: 64 }), fc.nat({ max: 70_000 })),
  responseChunked: fc.boolean(),
  slowMs: fc.oneof(fc.constant(0), fc.nat({ max: 40 })),
});

const clientAbort: fc.Arbitrary<ClientAbort> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<ClientAbort>({ at: 'none' }) },
  fc.record({ at: fc.constant('headers' as const), eighths: fc.integer({ min: 1, max: 7 }) }),
  fc.record({ at: fc.constant('body' as const), afterChunks: fc.nat({ max: 3 }) }),
  fc.record({ at: fc.constant('waiting' as const), afterMs: fc.nat({ max: 60 }) }),
  fc.record({ at: fc.constant('response' as const), afterBytes: fc.nat({ max: 40_000 }) }),
);

const requestStep: fc.Arbitrary<RequestStep> = fc.record({
  type: fc.constant('request' as const),
  protocol: fc.constantFrom('h1' as const, 'h2' as const),
  method: fc.constantFrom('GET' as const, 'POST' as const, 'PUT' as const),
  chunks: fc.oneof(
    fc.constant<number[]>([]),
    fc.array(fc.oneof(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 40_000 })), {
      minLength: 1,
      maxLength: 4,
    }),
  ),
  framing: fc.constantFrom('length' as const, 'chunked' as const),
  chunkGapMs: fc.oneof(fc.constant(0), fc.nat({ max: 25 })),
  abort: clientAbort,
  upstream: upstreamScript,
});

const routeSpec: fc.Arbitrary<RouteSpec> = fc.record({
  target: fc.constantFrom('h1' as const, 'h2' as const, 'weighted' as const),
  weights: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })),
  timeoutMs: fc.option(fc.integer({ min: 60, max: 400 }), { nil: undefined }),
  retry: fc.option(
    fc.record({
      numRetries: fc.integer({ min: 1, max: 3 }),
      perTryTimeoutMs: fc.option(fc.integer({ min: 30, max: 200 }), { nil: undefined }),
      retryOn: fc.constantFrom(
        '5xx',
        'reset,connect-failure',
        'gateway-error,reset',
        '5xx,reset,refused-stream',
      ),
    }),
    { nil: undefined },
  ),
  fault: fc.option(
    fc.record({
      delayMs: fc.integer({ min: 1, max: 60 }),
      delayPercent: fc.constantFrom(0, 50, 100),
      abortStatus: fc.constantFrom(503, 429, 500),
      abortPercent: fc.constantFrom(0, 30, 100),
    }),
    { nil: undefined },
  ),
  bufferLimitBytes: fc.option(fc.integer({ min: 256, max: 50_000 }), { nil: undefined }),
});

const breakerSpec: fc.Arbitrary<BreakerSpec | undefined> = fc.option(
  fc.record({
    maxConnections: fc.integer({ min: 1, max: 3 }),
    maxPendingRequests: fc.integer({ min: 0, max: 2 }),
    maxRequests: fc.integer({ min: 1, max: 3 }),
    maxRetries: fc.integer({ min: 0, max: 2 }),
  }),
  { nil: undefined },
);

export const meshSpec: fc.Arbitrary<MeshSpec> = fc.record({
  route: routeSpec,
  breakers: fc.tuple(breakerSpec, breakerSpec),
});

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: requestStep },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('push' as const), mesh: meshSpec }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('pause' as const), ms: fc.nat({ max: 30 }) }) },
);

/** A few requests, perhaps a config push between them; small enough for ~200 runs a minute. */
export const sequence: fc.Arbitrary<Sequence> = fc.record({
  initial: meshSpec,
  steps: fc.array(step, { minLength: 1, maxLength: 6 }),
});
