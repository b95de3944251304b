// The mesh the xDS scale bench serves: S services spread over a few namespaces, each a realistic
// set of Istio-style resources (a Service, WorkloadEntries for v1 and v2, a DestinationRule with
// subsets and traffic policy, a VirtualService with a header match and a weighted canary), one
// folder per namespace, one file for the workloads and one for the routes, as a team would keep
// them. Plus the simulated proxies' identities and the config changes the bench makes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface MeshShape {
  services: number;
  namespaces: number;
}

export interface MeshService {
  index: number;
  name: string;
  namespace: string;
  /** Every 5th service also serves gRPC on a second port, so listeners differ between ports. */
  grpc: boolean;
}

export interface ProxySpec {
  nodeId: string;
  /** Node metadata as Istio's sidecars send it: NAMESPACE, LABELS (JSON). */
  metadata: Record<string, string>;
}

export interface ConfigChange {
  /** Relative to the config folder. */
  file: string;
  text: string;
  describe: string;
}

const WORKLOADS_PER_VERSION = { v1: 2, v2: 1 } as const;

export function meshServices(shape: MeshShape): MeshService[] {
  return Array.from({ length: shape.services }, (_, index) => ({
    index,
    name: `svc-${String(index).padStart(2, '0')}`,
    namespace: `ns-${index % shape.namespaces}`,
    grpc: index % 5 === 4,
  }));
}

/** Loopback addresses only: nothing connects to them, but nothing could leave the machine either. */
function workloadAddress(service: MeshService, ordinal: number): string {
  return `127.1.${service.index}.${ordinal + 1}`;
}

function workloadsYaml(service: MeshService): string {
  const { name, namespace } = service;
  const ports = service.grpc ? '{ http: 8080, grpc: 9090 }' : '{ http: 8080 }';
  const servicePorts = service.grpc
    ? '[{ name: http, port: 8080 }, { name: grpc, port: 9090, appProtocol: grpc }]'
    : '[{ name: http, port: 8080 }]';
  const docs = [
    `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  selector: { app: ${name} }
  ports: ${servicePorts}`,
  ];
  let ordinal = 0;
  for (const [version, count] of Object.entries(WORKLOADS_PER_VERSION)) {
    for (let i = 0; i < count; i++) {
      docs.push(`apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: ${name}-${version}-${i}, namespace: ${namespace} }
spec:
  address: ${workloadAddress(service, ordinal++)}
  ports: ${ports}
  labels: { app: ${name}, version: ${version} }
  serviceAccount: ${name}`);
    }
  }
  docs.push(`apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  host: ${name}
  trafficPolicy:
    loadBalancer: { simple: LEAST_REQUEST }
    connectionPool:
      tcp: { maxConnections: 100, connectTimeout: 2s }
      http: { http1MaxPendingRequests: 64, maxRetries: 3 }
    outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s }
  subsets:
    - { name: v1, labels: { version: v1 } }
    - name: v2
      labels: { version: v2 }
      trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }`);
  return `${docs.join('\n---\n')}\n`;
}

export function virtualServiceYaml(service: MeshService, weights: readonly [number, number]): string {
  const { name, namespace } = service;
  return `apiVersion: networking.weft.dev/v1
kind: VirtualService
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  hosts: [${name}]
  http:
    - name: testers
      match:
        - headers: { x-canary: { exact: "yes" } }
      route:
        - destination: { host: ${name}, subset: v2 }
    - name: canary
      timeout: 5s
      retries: { attempts: 2, perTryTimeout: 2s, retryOn: "5xx,connect-failure" }
      route:
        - { destination: { host: ${name}, subset: v1 }, weight: ${weights[0]} }
        - { destination: { host: ${name}, subset: v2 }, weight: ${weights[1]} }
`;
}

const routesFile = (s: MeshService) => join(s.namespace, `${s.name}-routes.yaml`);

/** The config folder's files, relative path → YAML. */
export function meshFiles(shape: MeshShape): Map<string, string> {
  const files = new Map<string, string>();
  for (const service of meshServices(shape)) {
    files.set(join(service.namespace, `${service.name}.yaml`), workloadsYaml(service));
    files.set(routesFile(service), virtualServiceYaml(service, [90, 10]));
  }
  return files;
}

export function writeMesh(dir: string, shape: MeshShape): void {
  for (const [file, text] of meshFiles(shape)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
}

/** Change k (1-based): a different service's canary moves to a new split (never back to 90/10). */
export function configChange(k: number, shape: MeshShape): ConfigChange {
  const services = meshServices(shape);
  const service = services[(k - 1) % services.length]!;
  const v2 = 20 + (k % 7) * 10;
  return {
    file: routesFile(service),
    text: virtualServiceYaml(service, [100 - v2, v2]),
    describe: `${service.namespace}/${service.name} canary → ${100 - v2}/${v2}`,
  };
}

/** Proxy j is a sidecar of service j mod S (2 of 3 on v1, 1 on v2), with Istio-style node id and metadata. */
export function proxySpecs(count: number, shape: MeshShape): ProxySpec[] {
  const services = meshServices(shape);
  return Array.from({ length: count }, (_, j) => {
    const service = services[j % services.length]!;
    const version = j % 3 === 2 ? 'v2' : 'v1';
    const pod = `${service.name}-${version}-${j}`;
    const ip = `127.2.${(j >> 8) & 255}.${j & 255}`;
    return {
      nodeId: `sidecar~${ip}~${pod}.${service.namespace}~${service.namespace}.svc.cluster.local`,
      metadata: {
        NAMESPACE: service.namespace,
        LABELS: JSON.stringify({ app: service.name, version }),
        SERVICE_ACCOUNT: service.name,
      },
    };
  });
}
