// The `reviews` service most end-to-end tests route to: a Service, one WorkloadEntry per version and
// a DestinationRule with a subset per version, as control-plane folder YAML. Tests add their own
// VirtualService, which is what each one is about.

export interface Workload {
  readonly version: string;
  readonly port: number;
  /** Where the workload listens (default 127.0.0.1). */
  readonly address?: string;
}

export interface ReviewsOptions {
  /** The Service port clients call. */
  readonly port: number;
  readonly workloads: readonly Workload[];
  /** The port's name (default `http`); `grpc-…` or an appProtocol makes it HTTP/2. */
  readonly portName?: string;
  readonly appProtocol?: string;
  /** The Service's virtual IP, for intercepted traffic. */
  readonly clusterIP?: string;
}

export function reviewsYaml(o: ReviewsOptions): string {
  const portName = o.portName ?? 'http';
  const appProtocol = o.appProtocol ? `, appProtocol: ${o.appProtocol}` : '';
  const clusterIP = o.clusterIP ? `\n  clusterIP: ${o.clusterIP}` : '';
  const docs = [
    `apiVersion: v1
kind: Service
metadata: { name: reviews }
spec:${clusterIP}
  selector: { app: reviews }
  ports: [{ name: ${portName}, port: ${o.port}${appProtocol} }]
`,
    ...o.workloads.map(
      (w) => `apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: reviews-${w.version} }
spec:
  address: ${w.address ?? '127.0.0.1'}
  ports: { ${portName}: ${w.port} }
  labels: { app: reviews, version: ${w.version} }
`,
    ),
    `apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [${o.workloads.map((w) => `{ name: ${w.version}, labels: { version: ${w.version} } }`).join(', ')}]
`,
  ];
  return docs.join('---\n');
}
