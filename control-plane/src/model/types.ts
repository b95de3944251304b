// The resource model's public shapes: what a loaded resource is, and what a finding about it says.

export type Severity = 'error' | 'warning';

/** One finding. `resource` reads like `VirtualService default/reviews`; `path` like `spec.http[1].timeout`. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly resource: string;
  readonly path: string;
  /** What is wrong and what to do about it. */
  readonly message: string;
}

export interface Metadata {
  readonly name: string;
  readonly namespace: string;
  readonly generation?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type ResourceKind =
  | 'VirtualService'
  | 'DestinationRule'
  | 'Service'
  | 'WorkloadEntry'
  | 'ServiceEntry'
  | 'Sidecar';

/** A JSON-like value as YAML produces it (after `toJS`). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

export interface Resource {
  readonly apiVersion: string;
  readonly kind: ResourceKind;
  readonly metadata: Metadata;
  /** Validated against the kind's schema; typed views belong to the consumers (translate). */
  readonly spec: JsonObject;
  readonly origin: { readonly file: string; readonly line: number };
}

export interface LoadOptions {
  /** Accept `networking.istio.io/{v1,v1beta1,v1alpha3}` as well as `networking.weft.dev/v1`. */
  readonly acceptIstioApi?: boolean;
}

export interface LoadResult {
  readonly resources: Resource[];
  readonly errors: Diagnostic[];
  readonly warnings: Diagnostic[];
}
