// Translation's public shapes, and typed views of the model's validated specs. The model hands specs
// over as JSON already checked against Istio's schema, so a view is a cast, never a second parse.

/** The proxy a snapshot is built for. `labels` and `namespace` decide sourceLabels / sourceNamespace
 * matches, the short-name virtual-host domains and DestinationRule workloadSelectors. */
export interface ProxyIdentity {
  readonly nodeId: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `grpc` for a proxyless gRPC client (node metadata GENERATOR, as in Istio): it gets api_listeners
   * and only what gRPC's xDS client implements. Absent for Envoy-style proxies. */
  readonly generator?: 'grpc';
  /** Set when iptables redirects the pod's traffic to the proxy (node metadata INTERCEPTION_MODE
   * REDIRECT): it gets Istio's virtual outbound/inbound listeners on these ports. */
  readonly interception?: {
    readonly outbound: number;
    readonly inbound: number;
    /** The pod has IPv6 too: listeners bind `::` with ipv4_compat, so both families are served. */
    readonly dualStack?: boolean;
  };
}

/**
 * One workload behind a service. Translation takes endpoints as an input, keyed by service FQDN, not
 * from the resources: the control plane derives them from the WorkloadEntries each Service selects
 * (mesh-endpoints.ts), golden cases list them. `port` is the workload's port; `ports` maps a Service port name to the
 * workload's port (as WorkloadEntry.ports does) for multi-port services and wins over `port`.
 */
export interface EndpointSpec {
  readonly address: string;
  readonly port?: number;
  readonly ports?: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Relative load-balancing weight (WorkloadEntry.weight); absent or 0 means 1. */
  readonly weight?: number;
  /** `region/zone/subzone`, as WorkloadEntry.locality. */
  readonly locality?: string;
}

export type OutboundTrafficPolicy = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export interface TranslateOptions {
  /** Service FQDN → its workloads. A service with none gets an empty load assignment. */
  readonly endpoints?: ReadonlyMap<string, readonly EndpointSpec[]>;
  /** Kubernetes cluster domain; `cluster.local` unless told. */
  readonly clusterDomain?: string;
  /** Where a Sidecar without workloadSelector is the mesh-wide default (Istio's `istio-system`). */
  readonly rootNamespace?: string;
  /** The mesh's outboundTrafficPolicy, for proxies no Sidecar sets one for (Istio's ALLOW_ANY). */
  readonly outboundTrafficPolicy?: OutboundTrafficPolicy;
}

/** An Envoy resource as protobufjs `fromObject` input (snake_case; Durations as {seconds, nanos}). */
export type EnvoyObject = Record<string, unknown>;

export interface XdsResources {
  readonly listeners: EnvoyObject[];
  readonly routes: EnvoyObject[];
  readonly clusters: EnvoyObject[];
  readonly endpoints: EnvoyObject[];
}

// ---- typed views of the Istio specs (only the fields translation reads) ----

export interface StringMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

export interface Destination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: { readonly number?: number };
}

export interface HeaderOps {
  readonly set?: Readonly<Record<string, string>>;
  readonly add?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

export interface Headers {
  readonly request?: HeaderOps;
  readonly response?: HeaderOps;
}

export interface Percent {
  readonly value?: number;
}

export interface MatchRequest {
  readonly name?: string;
  readonly uri?: StringMatch;
  readonly scheme?: StringMatch;
  readonly method?: StringMatch;
  readonly authority?: StringMatch;
  readonly headers?: Readonly<Record<string, StringMatch>>;
  readonly withoutHeaders?: Readonly<Record<string, StringMatch>>;
  readonly queryParams?: Readonly<Record<string, StringMatch>>;
  readonly port?: number;
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly sourceNamespace?: string;
  readonly gateways?: readonly string[];
  readonly ignoreUriCase?: boolean;
}

export interface HttpRoute {
  readonly name?: string;
  readonly match?: readonly MatchRequest[];
  readonly route?: ReadonlyArray<{ destination: Destination; weight?: number; headers?: Headers }>;
  readonly redirect?: {
    uri?: string;
    authority?: string;
    port?: number;
    scheme?: string;
    redirectCode?: number;
  };
  readonly directResponse?: { status: number; body?: { string?: string; bytes?: string } };
  readonly rewrite?: {
    uri?: string;
    authority?: string;
    uriRegexRewrite?: { match: string; rewrite: string };
  };
  readonly timeout?: string;
  readonly retries?: {
    attempts?: number;
    perTryTimeout?: string;
    retryOn?: string;
    retryIgnorePreviousHosts?: boolean;
    backoff?: string;
  };
  readonly fault?: {
    delay?: { fixedDelay?: string; percentage?: Percent; percent?: number };
    abort?: { httpStatus?: number; grpcStatus?: string; percentage?: Percent };
  };
  readonly mirror?: Destination;
  readonly mirrorPercentage?: Percent;
  readonly mirrorPercent?: number;
  readonly mirrors?: ReadonlyArray<{ destination: Destination; percentage?: Percent }>;
  readonly corsPolicy?: CorsPolicy;
  readonly headers?: Headers;
}

export interface CorsPolicy {
  readonly allowOrigins?: readonly StringMatch[];
  /** Deprecated: exact origins. */
  readonly allowOrigin?: readonly string[];
  readonly allowMethods?: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly maxAge?: string;
  readonly allowCredentials?: boolean;
  readonly unmatchedPreflights?: 'UNSPECIFIED' | 'FORWARD' | 'IGNORE';
}

export interface VirtualServiceSpec {
  readonly hosts?: readonly string[];
  readonly gateways?: readonly string[];
  readonly http?: readonly HttpRoute[];
}

export interface ConsistentHash {
  readonly httpHeaderName?: string;
  readonly httpCookie?: { name: string; path?: string; ttl?: string };
  readonly useSourceIp?: boolean;
  readonly httpQueryParameterName?: string;
  readonly ringHash?: { minimumRingSize?: number };
  readonly maglev?: { tableSize?: number };
  readonly minimumRingSize?: number;
}

export interface TrafficPolicy {
  readonly loadBalancer?: { simple?: string; consistentHash?: ConsistentHash };
  readonly connectionPool?: {
    tcp?: { maxConnections?: number; connectTimeout?: string };
    http?: {
      http1MaxPendingRequests?: number;
      http2MaxRequests?: number;
      maxRequestsPerConnection?: number;
      maxRetries?: number;
      idleTimeout?: string;
    };
  };
  readonly outlierDetection?: {
    splitExternalLocalOriginErrors?: boolean;
    consecutiveLocalOriginFailures?: number;
    consecutiveGatewayErrors?: number;
    consecutive5xxErrors?: number;
    consecutiveErrors?: number;
    interval?: string;
    baseEjectionTime?: string;
    maxEjectionPercent?: number;
    minHealthPercent?: number;
  };
  readonly portLevelSettings?: ReadonlyArray<TrafficPolicy & { port?: { number?: number } }>;
}

export interface DestinationRuleSpec {
  readonly host: string;
  readonly trafficPolicy?: TrafficPolicy;
  readonly subsets?: ReadonlyArray<{
    name: string;
    labels?: Readonly<Record<string, string>>;
    trafficPolicy?: TrafficPolicy;
  }>;
  readonly workloadSelector?: { matchLabels?: Readonly<Record<string, string>> };
}

export interface ServiceSpec {
  readonly selector?: Readonly<Record<string, string>>;
  readonly clusterIP?: string;
  readonly ports: ReadonlyArray<{
    name?: string;
    port: number;
    targetPort?: number | string;
    appProtocol?: string;
    protocol?: 'TCP' | 'UDP' | 'SCTP';
  }>;
}

export interface ServiceEntrySpec {
  readonly hosts: readonly string[];
  readonly addresses?: readonly string[];
  readonly ports: ReadonlyArray<{ number: number; name: string; protocol?: string; targetPort?: number }>;
  readonly location?: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  readonly resolution?: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  readonly endpoints?: ReadonlyArray<{
    address: string;
    ports?: Readonly<Record<string, number>>;
    labels?: Readonly<Record<string, string>>;
    locality?: string;
    weight?: number;
  }>;
  readonly workloadSelector?: { labels?: Readonly<Record<string, string>> };
  readonly exportTo?: readonly string[];
}

export interface WorkloadEntrySpec {
  readonly address: string;
  readonly ports?: Readonly<Record<string, number>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly locality?: string;
  readonly weight?: number;
}

export interface SidecarSpec {
  readonly workloadSelector?: { labels?: Readonly<Record<string, string>> };
  readonly egress?: ReadonlyArray<{ port?: { number: number }; hosts: readonly string[] }>;
  readonly outboundTrafficPolicy?: { mode?: OutboundTrafficPolicy };
}
