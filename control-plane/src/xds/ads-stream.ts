// One proxy's ADS stream, state of the world: per type URL, what the proxy subscribed to, what was
// last sent (version, nonce, names) and what it last ACKed or NACKed. The protocol rules follow the
// xDS REST and gRPC protocol document:
// - a request whose response_nonce is not the last nonce sent for its type is stale (a newer response
//   is already on its way) and is ignored entirely;
// - a request carrying the last nonce ACKs that response, or NACKs it when error_detail is set; a NACK
//   keeps the last ACKed version, and the rejected version is not sent again (only a new snapshot or a
//   new subscription causes another response, so a proxy that cannot take a config is not spammed);
// - a request with an empty nonce (first request of a type, or after reconnect) is always answered;
// - a changed resource_names list is a new subscription and is answered with the current snapshot.
import {
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
  type Snapshot,
  selectResources,
  type TypeUrl,
  WILDCARD_TYPES,
} from './snapshot.ts';

/** A DiscoveryRequest as proto-loader delivers it (keepCase, defaults: false, so fields may be absent). */
export interface DiscoveryRequest {
  version_info?: string;
  node?: { id?: string; cluster?: string; metadata?: unknown; user_agent_name?: string };
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string; details?: unknown[] } | null;
}

export interface AnyResource {
  type_url: string;
  value: Buffer;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: AnyResource[];
  type_url: string;
  nonce: string;
}

export interface NackRecord {
  nodeId: string;
  typeUrl: string;
  version: string;
  nonce: string;
  message: string;
}

export interface AckRecord {
  nodeId: string;
  typeUrl: string;
  version: string;
  nonce: string;
}

export interface TypeStatus {
  sent?: string;
  acked?: string;
  nacked?: { version: string; message: string };
}

interface TypeState {
  names: Set<string> | 'wildcard';
  sentVersion?: string;
  nonce?: string;
  ackedVersion?: string;
  nacked?: NackRecord;
  /** What the proxy holds after the last response, by name; kept to hold removed clusters (below). */
  sent: Map<string, AnyResource>;
}

/** Hooks the stream needs from its server: encoding (cached and shared) and reporting. */
export interface StreamHooks {
  encode(typeUrl: TypeUrl, resource: object): AnyResource;
  nextNonce(): string;
  write(response: DiscoveryResponse): void;
  onAck(record: AckRecord): void;
  onNack(record: NackRecord): void;
}

/** Additions are safe in this order: a cluster (and its endpoints) exists before a route uses it. */
const ADD_ORDER: readonly TypeUrl[] = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE];

export class AdsStream {
  nodeId = '';
  /** The node's metadata Struct as it arrived (proto-loader form), for per-proxy translation. */
  nodeMetadata: unknown;
  /** node.user_agent_name: `envoy`, `weft-proxy`, `gRPC Node Pure JS`, `gRPC Go`, ... */
  userAgent = '';
  readonly connectedAt = new Date();
  private readonly types = new Map<TypeUrl, TypeState>();

  constructor(private readonly hooks: StreamHooks) {}

  /**
   * Handles one DiscoveryRequest. Returns the type URL when that type needs a response now (the
   * caller sends it with `pushType`), undefined for plain ACKs, NACKs and stale requests.
   */
  handleRequest(request: DiscoveryRequest): TypeUrl | undefined {
    if (this.nodeId === '' && request.node?.id) {
      this.nodeId = request.node.id;
      this.nodeMetadata = request.node.metadata;
      this.userAgent = request.node.user_agent_name ?? '';
    }
    const typeUrl = request.type_url;
    if (!typeUrl) return undefined;
    const nonce = request.response_nonce ?? '';
    let state = this.types.get(typeUrl);
    if (state && nonce !== '' && nonce !== state.nonce) return undefined;
    const names = parseNames(typeUrl, request.resource_names);
    if (!state) {
      state = { names, sent: new Map() };
      this.types.set(typeUrl, state);
      return typeUrl;
    }
    const changed = !sameNames(state.names, names);
    state.names = names;
    if (nonce === '') return typeUrl;
    const version = request.version_info ?? '';
    if (request.error_detail) {
      const record: NackRecord = {
        nodeId: this.nodeId,
        typeUrl,
        version: state.sentVersion ?? '',
        nonce,
        message: request.error_detail.message ?? '',
      };
      state.nacked = record;
      this.hooks.onNack(record);
    } else {
      state.ackedVersion = version;
      state.nacked = undefined;
      this.hooks.onAck({ nodeId: this.nodeId, typeUrl, version, nonce });
    }
    return changed ? typeUrl : undefined;
  }

  /** Answers one type's request from the snapshot, even if that version was already sent. */
  pushType(snapshot: Snapshot, typeUrl: TypeUrl): void {
    const state = this.types.get(typeUrl);
    if (!state) return;
    if (state.names !== 'wildcard' && state.names.size === 0) return;
    this.send(typeUrl, state, snapshot.version, this.selected(snapshot, typeUrl, state));
  }

  /**
   * Sends every subscribed type whose last sent version is not the snapshot's, make-before-break:
   * - additions go CDS, EDS, LDS, RDS, so a route never names a cluster the proxy lacks (EDS for a new
   *   cluster follows once the proxy subscribes to it; a cluster warms until its endpoints arrive);
   * - removed clusters are kept in a first CDS response (version `<v>+keep`, the new clusters plus
   *   the ones about to go), then EDS, LDS and RDS move routes off them, and only then a second CDS
   *   response with version `<v>` drops them. A proxy processes responses in stream order, so no
   *   route references a missing cluster at any point. A stream with neither LDS nor RDS has nothing
   *   that could reference a cluster, so it gets the final CDS directly. Removed listeners and routes need no such
   *   step: nothing in our resources refers to them by name except LDS→RDS, sent in that order.
   */
  pushSnapshot(snapshot: Snapshot): void {
    const pending = [...this.types.keys()].filter((typeUrl) => {
      const state = this.types.get(typeUrl)!;
      return state.sentVersion !== snapshot.version;
    });
    const ordered = [
      ...ADD_ORDER.filter((typeUrl) => pending.includes(typeUrl)),
      ...pending.filter((typeUrl) => !ADD_ORDER.includes(typeUrl)),
    ];
    let finalClusters: Array<[string, AnyResource]> | undefined;
    for (const typeUrl of ordered) {
      const state = this.types.get(typeUrl)!;
      if (state.names !== 'wildcard' && state.names.size === 0) continue;
      const selected = this.selected(snapshot, typeUrl, state);
      if (typeUrl !== CLUSTER_TYPE) {
        this.send(typeUrl, state, snapshot.version, selected);
        continue;
      }
      const kept = new Map(selected);
      if (this.types.has(ROUTE_TYPE) || this.types.has(LISTENER_TYPE)) {
        for (const [name, any] of state.sent) if (!kept.has(name)) kept.set(name, any);
      }
      if (kept.size === selected.length) {
        this.send(typeUrl, state, snapshot.version, selected);
      } else {
        this.send(typeUrl, state, `${snapshot.version}+keep`, [...kept]);
        finalClusters = selected;
      }
    }
    if (finalClusters) {
      this.send(CLUSTER_TYPE, this.types.get(CLUSTER_TYPE)!, snapshot.version, finalClusters);
    }
  }

  sentVersionOf(typeUrl: TypeUrl): string | undefined {
    return this.types.get(typeUrl)?.sentVersion;
  }

  status(): Record<TypeUrl, TypeStatus> {
    const types: Record<TypeUrl, TypeStatus> = {};
    for (const [typeUrl, state] of this.types) {
      const entry: TypeStatus = {};
      if (state.sentVersion !== undefined) entry.sent = state.sentVersion;
      if (state.ackedVersion !== undefined) entry.acked = state.ackedVersion;
      if (state.nacked) entry.nacked = { version: state.nacked.version, message: state.nacked.message };
      types[typeUrl] = entry;
    }
    return types;
  }

  private selected(snapshot: Snapshot, typeUrl: TypeUrl, state: TypeState): Array<[string, AnyResource]> {
    return selectResources(snapshot, typeUrl, state.names).map(([name, resource]) => [
      name,
      this.hooks.encode(typeUrl, resource),
    ]);
  }

  private send(
    typeUrl: TypeUrl,
    state: TypeState,
    version: string,
    resources: Array<[string, AnyResource]>,
  ): void {
    const nonce = this.hooks.nextNonce();
    state.sentVersion = version;
    state.nonce = nonce;
    // For wildcard types the response is the whole set; for named types the proxy keeps what it
    // asked for, so only the names sent matter.
    state.sent = new Map(resources);
    this.hooks.write({
      version_info: version,
      nonce,
      type_url: typeUrl,
      resources: resources.map(([, any]) => any),
    });
  }
}

/** Empty names mean wildcard for LDS/CDS (legacy form); '*' means wildcard for any type. */
function parseNames(typeUrl: TypeUrl, names: string[] | undefined): Set<string> | 'wildcard' {
  const list = names ?? [];
  if (list.includes('*')) return 'wildcard';
  if (list.length === 0 && WILDCARD_TYPES.has(typeUrl)) return 'wildcard';
  return new Set(list);
}

function sameNames(a: Set<string> | 'wildcard', b: Set<string> | 'wildcard'): boolean {
  if (a === 'wildcard' || b === 'wildcard') return a === b;
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}
