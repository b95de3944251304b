// One simulated proxy: a real ADS stream (@grpc/grpc-js, its own HTTP/2 connection) that subscribes
// as Envoy and weft-proxy do — CDS and LDS by wildcard, then EDS for every EDS cluster and RDS for
// every route configuration its listeners name — and ACKs each response with its version and nonce.
// It records when it has ACKed every subscribed type at one version: that is when the proxy holds
// that snapshot whole, the moment the bench measures.
import { Client, type ClientDuplexStream, credentials } from '@grpc/grpc-js';
import {
  decodeDiscoveryResponse,
  edsNameOf,
  encodeDiscoveryRequest,
  type LeanNode,
  type LeanResponse,
  routeNamesOf,
} from './xds-wire.ts';

export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

const ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
/** How many converged versions a proxy remembers (the bench asks about the latest few only). */
const VERSIONS_KEPT = 16;

/** Wall-clock milliseconds with sub-ms precision, comparable between processes on one machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

export interface SimProxyEvents {
  /** The first response arrived, or the stream failed before one did. */
  onOpened(proxy: SimProxy): void;
  onConverged(proxy: SimProxy, version: string): void;
}

interface TypeState {
  names: string[];
  version: string;
  nonce: string;
}

export class SimProxy {
  /** When the stream was opened (wall ms). */
  startedAt = 0;
  /** When the first response arrived (wall ms), 0 before. */
  firstResponseAt = 0;
  /** Version → when every subscribed type had been ACKed at it (wall ms). */
  readonly converged = new Map<string, number>();
  /** Why the stream ended, if it did. */
  failure: string | undefined;
  responses = 0;
  private readonly client: Client;
  private call: ClientDuplexStream<Buffer, LeanResponse> | undefined;
  private readonly types = new Map<string, TypeState>();
  private sentNode = false;
  private closing = false;

  constructor(
    address: string,
    private readonly node: LeanNode,
    private readonly events: SimProxyEvents,
  ) {
    // A local subchannel pool gives every simulated proxy its own TCP connection, as real proxies
    // have; grpc-js would otherwise multiplex all of one process's streams over one connection.
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
  }

  start(): void {
    this.startedAt = wallMs();
    const call = this.client.makeBidiStreamRequest<Buffer, LeanResponse>(
      ADS_METHOD,
      (request) => request,
      (bytes) => decodeDiscoveryResponse(bytes),
    );
    this.call = call;
    call.on('data', (response: LeanResponse) => this.onResponse(response));
    call.on('error', (err: Error) => this.fail(err.message));
    call.on('status', (status: { code: number; details: string }) =>
      this.fail(`stream ended: ${status.code} ${status.details}`),
    );
    this.subscribe(CLUSTER_TYPE, []);
    this.subscribe(LISTENER_TYPE, []);
  }

  close(): void {
    this.closing = true;
    this.call?.cancel();
    this.client.close();
  }

  private fail(reason: string): void {
    if (this.closing || this.failure !== undefined) return;
    this.failure = reason;
    if (this.firstResponseAt === 0) this.events.onOpened(this);
  }

  /** Subscribes (or changes names); [] is a wildcard for CDS and LDS. Unchanged names send nothing. */
  private subscribe(typeUrl: string, names: string[]): void {
    const state = this.types.get(typeUrl);
    if (!state && names.length === 0 && (typeUrl === ROUTE_TYPE || typeUrl === ENDPOINT_TYPE)) return;
    const sorted = [...names].sort();
    if (state && state.names.join('\0') === sorted.join('\0')) return;
    const next = state ?? { names: [], version: '', nonce: '' };
    next.names = sorted;
    this.types.set(typeUrl, next);
    this.send(typeUrl, next);
  }

  private send(typeUrl: string, state: TypeState): void {
    const request = encodeDiscoveryRequest({
      versionInfo: state.version,
      resourceNames: state.names,
      typeUrl,
      responseNonce: state.nonce,
      ...(this.sentNode ? {} : { node: this.node }),
    });
    this.sentNode = true;
    this.call?.write(request);
  }

  private onResponse(response: LeanResponse): void {
    this.responses++;
    if (this.firstResponseAt === 0) {
      this.firstResponseAt = wallMs();
      this.events.onOpened(this);
    }
    const state = this.types.get(response.typeUrl);
    if (!state) return;
    state.nonce = response.nonce;
    state.version = response.versionInfo;
    // Like weft-proxy: learn the names the new resources refer to, then ACK.
    if (response.typeUrl === CLUSTER_TYPE) {
      const names = response.resources.map(edsNameOf).filter((n): n is string => n !== undefined);
      this.send(CLUSTER_TYPE, state);
      this.subscribe(ENDPOINT_TYPE, names);
    } else if (response.typeUrl === LISTENER_TYPE) {
      const names = new Set(response.resources.flatMap(routeNamesOf));
      this.send(LISTENER_TYPE, state);
      this.subscribe(ROUTE_TYPE, [...names]);
    } else {
      this.send(response.typeUrl, state);
    }
    this.checkConverged(response.versionInfo);
  }

  private checkConverged(version: string): void {
    if (this.converged.has(version)) return;
    for (const state of this.types.values()) if (state.version !== version) return;
    this.converged.set(version, wallMs());
    if (this.converged.size > VERSIONS_KEPT) {
      const oldest = this.converged.keys().next().value;
      if (oldest !== undefined) this.converged.delete(oldest);
    }
    this.events.onConverged(this, version);
  }
}
