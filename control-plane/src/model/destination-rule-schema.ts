// DestinationRule's fields, as in Istio's reference (networking.istio.io/v1 DestinationRule).
import { bool, dur, enumOf, int, int32, list, map, num, obj, port, str, uint32 } from './schema.ts';

const consistentHash = obj(
  {
    httpHeaderName: str,
    httpCookie: obj({
      name: str,
      path: str,
      ttl: dur,
      attributes: list(obj({ name: str, value: str })),
    }),
    useSourceIp: bool,
    httpQueryParameterName: str,
    ringHash: obj({ minimumRingSize: uint32 }),
    maglev: obj({ tableSize: uint32 }),
    minimumRingSize: uint32,
  },
  { minimumRingSize: 'use "ringHash: {minimumRingSize: N}" instead' },
);

const localityLbSetting = obj({
  distribute: list(obj({ from: str, to: map(uint32) })),
  failover: list(obj({ from: str, to: str })),
  failoverPriority: list(str),
  enabled: bool,
});

export const loadBalancer = obj(
  {
    simple: enumOf('UNSPECIFIED', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN'),
    consistentHash,
    localityLbSetting,
    warmupDurationSecs: dur,
    warmup: obj({ duration: dur, minimumPercent: num, aggression: num }),
  },
  { warmupDurationSecs: 'use "warmup: {duration: ...}" instead' },
);

export const connectionPool = obj({
  tcp: obj({
    maxConnections: int32,
    connectTimeout: dur,
    tcpKeepalive: obj({ probes: uint32, time: dur, interval: dur }),
    maxConnectionDuration: dur,
    // 0s is how a user turns the idle timeout off, so it is allowed here alone.
    idleTimeout: { kind: 'duration', allowZero: true },
  }),
  http: obj({
    http1MaxPendingRequests: int32,
    http2MaxRequests: int32,
    maxRequestsPerConnection: int32,
    maxRetries: int32,
    idleTimeout: dur,
    h2UpgradePolicy: enumOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
    useClientProtocol: bool,
    maxConcurrentStreams: int32,
  }),
});

export const outlierDetection = obj(
  {
    splitExternalLocalOriginErrors: bool,
    consecutiveLocalOriginFailures: uint32,
    consecutiveGatewayErrors: uint32,
    consecutive5xxErrors: uint32,
    consecutiveErrors: int32,
    interval: dur,
    baseEjectionTime: dur,
    maxEjectionPercent: int(0, 100),
    minHealthPercent: int(0, 100),
  },
  { consecutiveErrors: 'use consecutive5xxErrors or consecutiveGatewayErrors instead' },
);

export const tls = obj({
  mode: enumOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
  clientCertificate: str,
  privateKey: str,
  caCertificates: str,
  credentialName: str,
  subjectAltNames: list(str),
  sni: str,
  insecureSkipVerify: bool,
  caCrl: str,
});

const portTrafficPolicy = obj({
  port: obj({ number: port }),
  loadBalancer,
  connectionPool,
  outlierDetection,
  tls,
});

export const trafficPolicy = obj({
  loadBalancer,
  connectionPool,
  outlierDetection,
  tls,
  portLevelSettings: list(portTrafficPolicy),
});

export const destinationRuleSpec = obj({
  host: str,
  trafficPolicy,
  subsets: list(obj({ name: str, labels: map(str), trafficPolicy })),
  exportTo: list(str),
  workloadSelector: obj({ matchLabels: map(str) }),
});
