// Where everything in the demo listens. The mesh's own ports (Service ports, WorkloadEntry ports)
// are read from examples/demo; the rest follow the same base. `--base-port` moves all of them
// together, so two demos (or a demo and a test) can run side by side.
export const DEFAULT_BASE_PORT = 19000;

export interface MeshPorts {
  /** The frontend Service's port: its sidecar's listener the load generator calls. */
  frontendService: number;
  /** The reviews Service's port: the listener on the frontend's sidecar that frontend calls. */
  reviewsService: number;
  /** The frontend workload (its WorkloadEntry). */
  frontendApp: number;
  /** Each reviews version's WorkloadEntry port: its inbound sidecar. */
  reviewsInbound: { v1: number; v2: number };
}

export interface Layout extends MeshPorts {
  base: number;
  xds: number;
  monitoring: number;
  frontendSidecarAdmin: number;
  reviewsSidecarAdmin: { v1: number; v2: number };
  /** The reviews servers behind their inbound sidecars. */
  reviewsApp: { v1: number; v2: number };
}

/** The non-mesh ports, at fixed offsets from the base (documented in demo/README.md). */
export function layoutOf(base: number, mesh: MeshPorts): Layout {
  return {
    ...mesh,
    base,
    frontendSidecarAdmin: base,
    reviewsSidecarAdmin: { v1: base + 1, v2: base + 2 },
    xds: base + 10,
    monitoring: base + 14,
    reviewsApp: { v1: base + 191, v2: base + 192 },
  };
}

/** Every port the demo binds, with what binds it (for the "port in use" message). */
export function portsToCheck(layout: Layout): Array<{ port: number; what: string }> {
  return [
    { port: layout.xds, what: 'the control plane: xDS' },
    { port: layout.monitoring, what: 'the control plane: monitoring' },
    { port: layout.frontendSidecarAdmin, what: "the frontend's sidecar: admin" },
    { port: layout.frontendService, what: "the frontend's sidecar: its frontend listener" },
    { port: layout.reviewsService, what: "the frontend's sidecar: its reviews listener" },
    { port: layout.frontendApp, what: 'frontend' },
    { port: layout.reviewsInbound.v1, what: "reviews v1's sidecar" },
    { port: layout.reviewsInbound.v2, what: "reviews v2's sidecar" },
    { port: layout.reviewsSidecarAdmin.v1, what: "reviews v1's sidecar: admin" },
    { port: layout.reviewsSidecarAdmin.v2, what: "reviews v2's sidecar: admin" },
    { port: layout.reviewsApp.v1, what: 'reviews v1' },
    { port: layout.reviewsApp.v2, what: 'reviews v2' },
  ];
}
