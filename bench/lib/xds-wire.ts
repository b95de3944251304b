// The simulated proxies' view of the xDS wire: just enough protobuf to send a DiscoveryRequest and
// to read a DiscoveryResponse's version, nonce and type, plus the two names a proxy must learn to
// subscribe like Envoy (the RDS name inside each Listener, the EDS name of each Cluster). Decoding
// whole resources would make the client, not the control plane, the bottleneck of the bench, so
// everything else is skipped unread. Field numbers are Envoy's v3 protos (envoy/service/discovery/v3,
// envoy/config/{listener,cluster}/v3, http_connection_manager/v3).
import protobuf from 'protobufjs';

const { Reader, Writer } = protobuf;
type Reader = protobuf.Reader;

const VARINT = 0;
const LENGTH_DELIMITED = 2;

export const HCM_TYPE_URL =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
/** envoy.config.cluster.v3.Cluster.DiscoveryType.EDS */
const CLUSTER_TYPE_EDS = 3;

export interface LeanNode {
  id: string;
  /** Sent as a google.protobuf.Struct of string values (NAMESPACE, LABELS as JSON, …). */
  metadata: Record<string, string>;
}

export interface LeanRequest {
  versionInfo: string;
  node?: LeanNode;
  resourceNames: readonly string[];
  typeUrl: string;
  responseNonce: string;
  errorMessage?: string;
}

export interface LeanResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** The `value` bytes of each resource Any (the type is the response's). */
  resources: Uint8Array[];
}

const tag = (field: number, wireType: number) => (field << 3) | wireType;

function writeString(w: protobuf.Writer, field: number, value: string): void {
  if (value !== '') w.uint32(tag(field, LENGTH_DELIMITED)).string(value);
}

/** envoy.service.discovery.v3.DiscoveryRequest */
export function encodeDiscoveryRequest(request: LeanRequest): Buffer {
  const w = Writer.create();
  writeString(w, 1, request.versionInfo);
  if (request.node) {
    w.uint32(tag(2, LENGTH_DELIMITED)).fork(); // config.core.v3.Node
    writeString(w, 1, request.node.id);
    w.uint32(tag(3, LENGTH_DELIMITED)).fork(); // metadata: google.protobuf.Struct
    for (const [key, value] of Object.entries(request.node.metadata)) {
      w.uint32(tag(1, LENGTH_DELIMITED)).fork(); // fields: map entry
      writeString(w, 1, key);
      w.uint32(tag(2, LENGTH_DELIMITED)).fork(); // google.protobuf.Value
      w.uint32(tag(3, LENGTH_DELIMITED)).string(value); // string_value (even when empty)
      w.ldelim().ldelim();
    }
    w.ldelim();
    writeString(w, 6, 'weft-xds-bench'); // user_agent_name
    w.ldelim();
  }
  for (const name of request.resourceNames) w.uint32(tag(3, LENGTH_DELIMITED)).string(name);
  writeString(w, 4, request.typeUrl);
  writeString(w, 5, request.responseNonce);
  if (request.errorMessage !== undefined) {
    w.uint32(tag(6, LENGTH_DELIMITED)).fork(); // google.rpc.Status
    w.uint32(tag(1, VARINT)).int32(3); // INVALID_ARGUMENT
    writeString(w, 2, request.errorMessage);
    w.ldelim();
  }
  const bytes = w.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Visits each field of one message. `visit` reads the field's value from the reader and returns
 * true, or returns false to have it skipped.
 */
function forEachField(
  bytes: Uint8Array,
  visit: (field: number, wireType: number, reader: Reader) => boolean,
): void {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const key = reader.uint32();
    const field = key >>> 3;
    const wireType = key & 7;
    if (!visit(field, wireType, reader)) reader.skipType(wireType);
  }
}

/** envoy.service.discovery.v3.DiscoveryResponse, resources left encoded. */
export function decodeDiscoveryResponse(bytes: Uint8Array): LeanResponse {
  const response: LeanResponse = { versionInfo: '', typeUrl: '', nonce: '', resources: [] };
  forEachField(bytes, (field, wireType, r) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (field === 1) response.versionInfo = r.string();
    else if (field === 2) response.resources.push(anyValue(r.bytes()));
    else if (field === 4) response.typeUrl = r.string();
    else if (field === 5) response.nonce = r.string();
    else return false;
    return true;
  });
  return response;
}

/** google.protobuf.Any → its value bytes. */
function anyValue(bytes: Uint8Array): Uint8Array {
  let value: Uint8Array = new Uint8Array(0);
  forEachField(bytes, (field, wireType, r) => {
    if (field !== 2 || wireType !== LENGTH_DELIMITED) return false;
    value = r.bytes();
    return true;
  });
  return value;
}

/** The EDS service name a Cluster asks for (its eds_cluster_config.service_name, else its name), or undefined when it is not an EDS cluster. */
export function edsNameOf(cluster: Uint8Array): string | undefined {
  let name = '';
  let serviceName = '';
  let type = 0;
  forEachField(cluster, (field, wireType, r) => {
    if (field === 1 && wireType === LENGTH_DELIMITED) name = r.string();
    else if (field === 2 && wireType === VARINT) type = r.int32();
    else if (field === 3 && wireType === LENGTH_DELIMITED) {
      forEachField(r.bytes(), (f, wt, inner) => {
        if (f !== 2 || wt !== LENGTH_DELIMITED) return false;
        serviceName = inner.string();
        return true;
      });
    } else return false;
    return true;
  });
  return type === CLUSTER_TYPE_EDS ? serviceName || name : undefined;
}

/** The RDS route configuration names a Listener's HTTP connection managers refer to. */
export function routeNamesOf(listener: Uint8Array): string[] {
  const names: string[] = [];
  const messages = (bytes: Uint8Array, wanted: number, each: (message: Uint8Array) => void) =>
    forEachField(bytes, (field, wireType, r) => {
      if (field !== wanted || wireType !== LENGTH_DELIMITED) return false;
      each(r.bytes());
      return true;
    });
  // Listener.filter_chains(3) → FilterChain.filters(3) → Filter.typed_config(4): an Any
  messages(listener, 3, (chain) =>
    messages(chain, 3, (filter) =>
      messages(filter, 4, (any) => {
        let typeUrl = '';
        let value: Uint8Array | undefined;
        forEachField(any, (field, wireType, r) => {
          if (wireType !== LENGTH_DELIMITED) return false;
          if (field === 1) typeUrl = r.string();
          else if (field === 2) value = r.bytes();
          else return false;
          return true;
        });
        if (typeUrl !== HCM_TYPE_URL || !value) return;
        // HttpConnectionManager.rds(3) → Rds.route_config_name(2)
        messages(value, 3, (rds) =>
          forEachField(rds, (field, wireType, r) => {
            if (field !== 2 || wireType !== LENGTH_DELIMITED) return false;
            names.push(r.string());
            return true;
          }),
        );
      }),
    ),
  );
  return names;
}
