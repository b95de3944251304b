// The Aggregated Discovery Service over gRPC (xDS v3, state of the world). It owns the snapshots (one
// for every proxy under '*', optionally one per node id overriding it) and the open streams; a new
// snapshot is pushed at once to every stream it applies to. Protocol rules live in ads-stream.ts.
import { EventEmitter } from 'node:events';
import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  type AckRecord,
  AdsStream,
  type AnyResource,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type NackRecord,
  type TypeStatus,
} from './ads-stream.ts';
import { adsServiceDefinition, encodeResource } from './protos.ts';
import type { Snapshot, TypeUrl } from './snapshot.ts';

export interface ProxyStatus {
  nodeId: string;
  connectedAt: string;
  types: Record<TypeUrl, TypeStatus>;
}

export interface AdsServerOptions {
  /** How long stop() waits for a graceful shutdown before cancelling what is left. */
  shutdownGraceMs?: number;
  /** How many NACKs `nacks()` remembers (oldest dropped first). */
  nackHistory?: number;
}

export interface AdsServerEvents {
  ack: [AckRecord];
  nack: [NackRecord];
  connect: [{ nodeId: string; metadata: Record<string, string>; userAgent: string }];
  disconnect: [{ nodeId: string }];
}

type AdsCall = ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

const ALL_NODES = '*';

export class AdsServer extends EventEmitter<AdsServerEvents> {
  private server: Server | undefined;
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly streams = new Map<AdsCall, AdsStream>();
  /** Encoded Anys, shared by every stream (1 000 proxies must not mean 1 000 encodings). */
  private readonly encoded = new WeakMap<object, AnyResource>();
  /**
   * Encodings by content, for equal resources in different snapshots (proxies with different
   * labels share most clusters and endpoints; a new version repeats most of the last one). JSON text
   * is several times cheaper to produce than the protobuf. Two generations are kept: the one being
   * filled and the previous, so what a push still uses survives and the rest is dropped.
   */
  private byContent = new Map<string, AnyResource>();
  private previousByContent = new Map<string, AnyResource>();
  private contentGeneration = '';
  private readonly recentNacks: NackRecord[] = [];
  private nonceCounter = 0;
  private readonly shutdownGraceMs: number;
  private readonly nackHistory: number;

  constructor(options: AdsServerOptions = {}) {
    super();
    this.shutdownGraceMs = options.shutdownGraceMs ?? 5_000;
    this.nackHistory = options.nackHistory ?? 100;
  }

  /** Binds and starts serving; resolves with the bound port (useful with port 0). */
  async start({ host, port }: { host: string; port: number }): Promise<number> {
    if (this.server) throw new Error('AdsServer already started');
    const server = new Server();
    // DeltaAggregatedResources is left out: grpc-js answers UNIMPLEMENTED, and clients fall back.
    const implementation: UntypedServiceImplementation = {
      StreamAggregatedResources: (call: AdsCall) => this.onStream(call),
    };
    server.addService(adsServiceDefinition(), implementation);
    const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      );
    });
    this.server = server;
    return bound;
  }

  /**
   * Ends every stream (the proxy sees status OK and reconnects elsewhere or later), waits for a
   * graceful shutdown, and forces it after `shutdownGraceMs`.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const call of [...this.streams.keys()]) {
      this.dropStream(call);
      call.end();
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.shutdownGraceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Sets the snapshot for one node id, or for every node under '*' (a node's own snapshot wins).
   * Every resource is encoded here, so a resource that does not fit its message throws to the caller
   * and no stream sees a half-encodable snapshot.
   */
  setSnapshot(nodeId: string, snapshot: Snapshot): void {
    if (snapshot.version !== this.contentGeneration) {
      this.contentGeneration = snapshot.version;
      this.previousByContent = this.byContent;
      this.byContent = new Map();
    }
    for (const [typeUrl, resources] of snapshot.resources) {
      for (const resource of resources.values()) this.encode(typeUrl, resource);
    }
    this.snapshots.set(nodeId, snapshot);
    for (const stream of this.streams.values()) {
      if (nodeId === ALL_NODES ? !this.snapshots.has(stream.nodeId) : stream.nodeId === nodeId) {
        stream.pushSnapshot(snapshot);
      }
    }
  }

  /** Drops a node's own snapshot; its streams fall back to '*' (pushed if that differs). */
  clearSnapshot(nodeId: string): void {
    if (nodeId === ALL_NODES || !this.snapshots.delete(nodeId)) return;
    const fallback = this.snapshots.get(ALL_NODES);
    if (!fallback) return;
    for (const stream of this.streams.values()) {
      if (stream.nodeId === nodeId) stream.pushSnapshot(fallback);
    }
  }

  /** Per connected proxy: last sent, ACKed and NACKed version per type (backs /debug/syncz). */
  status(): ProxyStatus[] {
    return [...this.streams.values()].map((stream) => ({
      nodeId: stream.nodeId,
      connectedAt: stream.connectedAt.toISOString(),
      types: stream.status(),
    }));
  }

  /** The snapshot a connected node is served (its own, else '*'); undefined when it is not connected. */
  snapshotOf(nodeId: string): Snapshot | undefined {
    for (const stream of this.streams.values()) if (stream.nodeId === nodeId) return this.snapshotFor(nodeId);
    return undefined;
  }

  /** The most recent NACKs, oldest first, across all proxies. */
  nacks(): NackRecord[] {
    return [...this.recentNacks];
  }

  private snapshotFor(nodeId: string): Snapshot | undefined {
    return this.snapshots.get(nodeId) ?? this.snapshots.get(ALL_NODES);
  }

  private encode(typeUrl: TypeUrl, resource: object): AnyResource {
    const cached = this.encoded.get(resource);
    if (cached && cached.type_url === typeUrl) return cached;
    const key = `${typeUrl}\n${JSON.stringify(resource)}`;
    let any = this.byContent.get(key) ?? this.previousByContent.get(key);
    if (!any) any = { type_url: typeUrl, value: encodeResource(typeUrl, resource) };
    this.byContent.set(key, any);
    this.encoded.set(resource, any);
    return any;
  }

  private onStream(call: AdsCall): void {
    let announced = false;
    const stream = new AdsStream({
      encode: (typeUrl, resource) => this.encode(typeUrl, resource),
      nextNonce: () => (++this.nonceCounter).toString(36),
      // Backpressure is not applied: state of the world means the latest response supersedes any
      // queued one, and responses are small compared with the proxy's read rate.
      write: (response) => {
        call.write(response);
      },
      onAck: (record) => this.emit('ack', record),
      onNack: (record) => {
        this.recentNacks.push(record);
        if (this.recentNacks.length > this.nackHistory) this.recentNacks.shift();
        this.emit('nack', record);
      },
    });
    this.streams.set(call, stream);
    call.on('data', (request: DiscoveryRequest) => {
      if (!this.streams.has(call)) return;
      const typeUrl = stream.handleRequest(request);
      if (!announced && stream.nodeId !== '') {
        announced = true;
        const sentBefore = typeUrl && stream.sentVersionOf(typeUrl);
        this.emit('connect', {
          nodeId: stream.nodeId,
          metadata: structStrings(stream.nodeMetadata),
          userAgent: stream.userAgent,
        });
        // A listener that set this node's snapshot has already answered the request.
        if (typeUrl && stream.sentVersionOf(typeUrl) !== sentBefore) return;
      }
      if (!typeUrl) return;
      const snapshot = this.snapshotFor(stream.nodeId);
      if (snapshot) stream.pushType(snapshot, typeUrl);
    });
    call.on('end', () => {
      if (this.dropStream(call)) call.end();
    });
    call.on('error', () => this.dropStream(call));
    call.on('cancelled', () => this.dropStream(call));
    call.on('close', () => this.dropStream(call));
  }

  private dropStream(call: AdsCall): boolean {
    const stream = this.streams.get(call);
    if (!stream) return false;
    this.streams.delete(call);
    // A proxy that reconnects before its old stream is noticed gone has two streams for a while;
    // the node is gone only when its last stream is, or its new stream would lose its snapshot.
    const stillConnected = [...this.streams.values()].some((s) => s.nodeId === stream.nodeId);
    if (!stillConnected) this.emit('disconnect', { nodeId: stream.nodeId });
    return true;
  }
}

/**
 * The string fields of a google.protobuf.Struct as proto-loader delivers it. protobufjs defines the
 * well-known Struct types itself, in camelCase whatever keepCase says, so a value is `stringValue`;
 * `string_value` is kept for a loader that honours keepCase there.
 */
function structStrings(struct: unknown): Record<string, string> {
  type Value = { stringValue?: unknown; string_value?: unknown } | undefined;
  const fields = (struct as { fields?: Record<string, Value> } | undefined)?.fields ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    const text = value?.stringValue ?? value?.string_value;
    if (typeof text === 'string') out[key] = text;
  }
  return out;
}
