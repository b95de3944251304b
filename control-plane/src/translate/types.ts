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
}

/**
 * One workload behind a service. The model has no WorkloadEntry yet, so endpoints come in explicitly,
 * keyed by service FQDN. `port` is the workload's port; `ports` maps a Service port name to the
 * workload's port (as WorkloadEntry.ports does) for multi-port services and wins over `port`.
 */
export interface EndpointSpec {
  readonly address: string;
  readonly port?: number;
  readonly ports?: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface TranslateOptions {
  /** Service FQDN → its workloads. A service with none gets an empty load assignment. */
  readonly endpoints?: ReadonlyMap<string, readonly EndpointSpec[]>;
  /** Kubernetes cluster domain; `cluster.local` unless told. */
  readonly clusterDomain?: string;
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
  readonly headers?: Headers;
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
  }>;
}
