// Which services a NACK is about. A proxy's NACK names xDS resources and field paths
// (`Cluster(outbound|9080|v1|reviews.default.svc.cluster.local).lb_policy: …`,
// `RouteConfiguration(9080).virtual_hosts[1].routes[0].match…`), not the VirtualService or
// DestinationRule behind them. Cluster names carry their host; a route configuration path is looked
// up in the snapshot the proxy was sent (its virtual hosts are named `<fqdn>:<port>`), and a
// listener `0.0.0.0_<port>` stands for every host on its port. The status report then charges the
// NACK to the resources about those hosts only.
import { CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE, resourcesOf, type Snapshot } from './xds/index.ts';

const CLUSTER_HOST = /outbound\|\d+\|[^|]*\|([^\s()|,;:]+)/g;
const ROUTE_PATH = /RouteConfiguration\(([^)]*)\)(?:\.virtual_hosts\[(\d+)\])?/g;
const LISTENER_PATH = /Listener\(([^)]*)\)/g;
const VIRTUAL_HOST_NAME = /^(.*):\d+$/;

interface VirtualHostView {
  readonly name?: string;
}
interface RouteConfigView {
  readonly virtual_hosts?: readonly VirtualHostView[];
}

function hostOfVirtualHost(vh: VirtualHostView | undefined): string | undefined {
  return vh?.name ? (VIRTUAL_HOST_NAME.exec(vh.name)?.[1] ?? vh.name) : undefined;
}

function routeConfigHosts(snapshot: Snapshot | undefined, name: string, index?: number): string[] {
  const rc = snapshot
    ? (resourcesOf(snapshot, ROUTE_TYPE).get(name) as RouteConfigView | undefined)
    : undefined;
  const hosts = rc?.virtual_hosts ?? [];
  const chosen = index === undefined ? hosts : [hosts[index]];
  return chosen.flatMap((vh) => hostOfVirtualHost(vh) ?? []);
}

/** The service hosts a NACK message concerns; empty when nothing in it can be traced. */
export function nackedHosts(message: string, snapshot: Snapshot | undefined): Set<string> {
  const hosts = new Set<string>();
  for (const m of message.matchAll(CLUSTER_HOST)) hosts.add(m[1]!);
  for (const m of message.matchAll(ROUTE_PATH)) {
    for (const host of routeConfigHosts(snapshot, m[1]!, m[2] === undefined ? undefined : Number(m[2])))
      hosts.add(host);
  }
  for (const m of message.matchAll(LISTENER_PATH)) {
    const port = /_(\d+)$/.exec(m[1]!)?.[1];
    if (port && snapshot && resourcesOf(snapshot, LISTENER_TYPE).has(m[1]!)) {
      for (const host of routeConfigHosts(snapshot, port)) hosts.add(host);
    }
  }
  if (snapshot) {
    // A cluster named without the outbound| form (a ServiceEntry's, say) may still be in the message.
    for (const name of resourcesOf(snapshot, CLUSTER_TYPE).keys()) {
      if (!name.startsWith('outbound|') && message.includes(`Cluster(${name})`)) hosts.add(name);
    }
  }
  return hosts;
}
