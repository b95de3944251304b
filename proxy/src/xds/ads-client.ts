// The proxy's side of ADS (state of the world): one gRPC stream, per-type version and nonce,
// ACK/NACK, and reconnection with jittered back-off. What to do with resources is the caller's
// (`onResources`). Responses are handled one at a time, in arrival order, and each is ACKed or
// NACKed only once the caller's promise has settled: an ACK means the config is serving. The
// proxy keeps serving whatever it has while the control plane is away.
import {
  type ClientDuplexStream,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoIncludeDirs } from '../config/index.ts';
import type { EncodedAny } from './decode.ts';

export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

export interface NodeIdentity {
  readonly id: string;
  readonly cluster?: string;
  /** Sent as node.metadata (string values): namespace, labels, service account. */
  readonly metadata?: Record<string, string>;
}

interface DiscoveryResponse {
  version_info?: string;
  resources?: EncodedAny[];
  type_url?: string;
  nonce?: string;
}

interface DiscoveryRequest {
  version_info: string;
  node?: unknown;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: { code: number; message: string };
}

type AdsStream = ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;

interface TypeState {
  /** Last accepted version (what an ACK or a NACK reports). */
  version: string;
  nonce: string;
  names: string[];
}

/**
 * What became of one response. `rejected` (error_detail) NACKs it, keeping the type's last accepted
 * version in version_info, even when the response's other resources were applied.
 */
export interface ResourcesOutcome {
  readonly rejected?: string;
}

export interface AdsClientOptions {
  readonly target: string;
  readonly node: NodeIdentity;
  /** Applies one response's resources; resolves (or throws) once done. A throw NACKs the response. */
  readonly onResources: (
    typeUrl: string,
    resources: readonly EncodedAny[],
    version: string,
  ) => Promise<ResourcesOutcome> | ResourcesOutcome;
  readonly onEvent?: (event: {
    kind: 'connected' | 'disconnected' | 'ack' | 'nack';
    typeUrl?: string;
    version?: string;
    error?: string;
  }) => void;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

const GRPC_INVALID_ARGUMENT = 3;
/** Reconnect back-off ceiling: Envoy's xDS default is 30 s; a sidecar that has lost its control plane
 * should find it again within seconds of its return, and the jitter already spreads a fleet's retries. */
const MAX_BACKOFF_MS = 5000;
let adsClientConstructor: ServiceClientConstructor | undefined;

function adsClientClass(): ServiceClientConstructor {
  if (adsClientConstructor) return adsClientConstructor;
  const definition = loadSync('envoy/service/discovery/v3/ads.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: protoIncludeDirs(),
  });
  const pkg = loadPackageDefinition(definition) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: ServiceClientConstructor } } } };
  };
  adsClientConstructor = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService;
  return adsClientConstructor;
}

export class AdsClient {
  private readonly client: InstanceType<ServiceClientConstructor>;
  private stream: AdsStream | undefined;
  private readonly states = new Map<string, TypeState>();
  private closed = false;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private sentNode = false;
  /** The tail of the response queue: each response is handled after the one before it. */
  private handling: Promise<void> = Promise.resolve();

  constructor(private readonly options: AdsClientOptions) {
    const Client = adsClientClass();
    // The channel's own reconnect back-off (gRPC's default grows to 120 s) compounds with the
    // stream's: keep it short so a restarted control plane is found within the stream's back-off.
    this.client = new Client(options.target, credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': MAX_BACKOFF_MS,
    });
    this.backoffMs = options.initialBackoffMs ?? 200;
  }

  /** Subscribes (or changes the names of) one resource type; [] = wildcard for LDS and CDS. */
  subscribe(typeUrl: string, names: string[]): void {
    const state = this.states.get(typeUrl);
    // an empty list is a wildcard subscription; RDS and EDS are only ever asked for by name
    if (!state && names.length === 0 && (typeUrl === ROUTE_TYPE || typeUrl === ENDPOINT_TYPE)) return;
    const sorted = [...names].sort();
    if (state && state.names.join('\0') === sorted.join('\0')) return;
    const next = state ?? { version: '', nonce: '', names: [] };
    next.names = sorted;
    this.states.set(typeUrl, next);
    this.send(typeUrl, next);
  }

  start(): void {
    this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.client.close();
  }

  private connect(): void {
    if (this.closed) return;
    const stream = (
      this.client as unknown as { StreamAggregatedResources(): AdsStream }
    ).StreamAggregatedResources();
    this.stream = stream;
    this.sentNode = false;
    stream.on('data', (response: DiscoveryResponse) => this.onResponse(stream, response));
    // grpc-js always ends a call with 'status' (and 'error' for a non-OK one); 'close' is not reliable
    stream.on('error', () => this.onClosed(stream));
    stream.on('status', () => this.onClosed(stream));
    stream.on('close', () => this.onClosed(stream));
    // resume: every subscription again, with the versions we hold
    for (const [typeUrl, state] of this.states) {
      state.nonce = ''; // the last stream's nonces mean nothing to this one
      this.send(typeUrl, state);
    }
    this.options.onEvent?.({ kind: 'connected' });
  }

  private onClosed(stream: AdsStream): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    if (this.closed) return;
    this.options.onEvent?.({ kind: 'disconnected' });
    const max = this.options.maxBackoffMs ?? MAX_BACKOFF_MS;
    const delay = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
    this.backoffMs = Math.min(max, this.backoffMs * 2);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  private send(typeUrl: string, state: TypeState, error?: string): void {
    const stream = this.stream;
    if (!stream) return;
    const request: DiscoveryRequest = {
      version_info: state.version,
      resource_names: state.names,
      type_url: typeUrl,
      response_nonce: state.nonce,
    };
    if (!this.sentNode) {
      request.node = {
        id: this.options.node.id,
        cluster: this.options.node.cluster ?? '',
        metadata: {
          fields: Object.fromEntries(
            // protobufjs's own Struct types are camelCase even under keepCase: `string_value` is dropped.
            Object.entries(this.options.node.metadata ?? {}).map(([k, v]) => [k, { stringValue: v }]),
          ),
        },
        user_agent_name: 'weft-proxy',
      };
      this.sentNode = true;
    }
    if (error !== undefined) request.error_detail = { code: GRPC_INVALID_ARGUMENT, message: error };
    stream.write(request);
  }

  private onResponse(stream: AdsStream, response: DiscoveryResponse): void {
    this.backoffMs = this.options.initialBackoffMs ?? 200;
    this.handling = this.handling.then(() => this.handle(stream, response));
  }

  private async handle(stream: AdsStream, response: DiscoveryResponse): Promise<void> {
    const typeUrl = response.type_url ?? '';
    const state = this.states.get(typeUrl);
    if (!state || this.closed) return;
    const version = response.version_info ?? '';
    let rejected: string | undefined;
    try {
      ({ rejected } = await this.options.onResources(typeUrl, response.resources ?? [], version));
    } catch (err) {
      rejected = err instanceof Error ? err.message : String(err);
    }
    if (rejected === undefined) state.version = version;
    // A response from a stream that has since closed is applied but not answered: the new stream
    // starts over with the version held, and its nonces are its own.
    if (this.stream !== stream) return;
    // The nonce moves only now: a request carrying it would ACK the response before it is applied.
    state.nonce = response.nonce ?? '';
    this.send(typeUrl, state, rejected);
    if (rejected === undefined) this.options.onEvent?.({ kind: 'ack', typeUrl, version });
    else this.options.onEvent?.({ kind: 'nack', typeUrl, version, error: rejected });
  }
}
