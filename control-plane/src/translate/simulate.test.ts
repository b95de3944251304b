// Simulation: each golden case's snapshot is encoded as the ADS server sends it, accepted by the
// proxy's own xDS compiler (schema, supported-field checks, compile), and the case's described
// requests are routed through the resulting tables: the chosen route and cluster must be the ones
// the case states. This proves the proxy accepts the translation and reads it as intended.
import t from 'tap';
import { type RequestView, selectRoute } from '../../../proxy/src/compile/index.ts';
import { XdsConfig } from '../../../proxy/src/xds/xds-config.ts';
import {
  CLUSTER_TYPE,
  createSnapshot,
  ENDPOINT_TYPE,
  encodeResource,
  LISTENER_TYPE,
  ROUTE_TYPE,
  resourcesOf,
} from '../xds/index.ts';
import { caseNames, loadCase, type SimulatedRequest } from './case-loader.ts';
import { translate } from './index.ts';

function requestView(r: SimulatedRequest): RequestView {
  const headers = new Map(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const method = r.method ?? 'GET';
  return {
    method,
    path: r.path,
    authority: r.host,
    scheme: 'http',
    header: (name) =>
      name === ':method'
        ? method
        : name === ':authority'
          ? r.host
          : name === ':path'
            ? r.path
            : headers.get(name),
  };
}

for (const name of caseNames()) {
  const c = loadCase(name);
  // A proxyless gRPC snapshot is read by gRPC's xDS client, not by weft-proxy; test/proxyless-grpc
  // runs it through @grpc/grpc-js-xds itself.
  if (c.proxy.generator === 'grpc') continue;
  t.test(name, async (t) => {
    const snapshot = createSnapshot('1', translate(c.resources, c.proxy, { endpoints: c.endpoints }));
    const xds = new XdsConfig();
    let config: ReturnType<XdsConfig['accept']>['config'] | undefined;
    // Make-before-break order, as the server pushes: clusters and endpoints before what uses them.
    for (const type of [CLUSTER_TYPE, ENDPOINT_TYPE, ROUTE_TYPE, LISTENER_TYPE]) {
      const encoded = [...resourcesOf(snapshot, type).values()].map((r) => ({
        type_url: type,
        value: encodeResource(type, r),
      }));
      config = xds.accept(type, encoded, '1').config;
    }
    t.ok(config, 'the proxy accepts every resource');
    t.equal(config!.listeners.length, resourcesOf(snapshot, LISTENER_TYPE).size, 'every listener is active');
    for (const req of c.requests) {
      const label = `${req.method ?? 'GET'} ${req.host}${req.path}`;
      const listener = config!.listeners.find((l) => l.port === req.port);
      t.ok(listener, `${label}: a listener on ${req.port}`);
      const vh = listener?.filterChains[0]?.http?.routes.findVirtualHost(req.host);
      const route = vh ? selectRoute(vh, requestView(req)) : undefined;
      t.equal(route?.name ?? null, req.route, `${label}: route`);
      if (!route) continue;
      const action = route.action;
      if (req.cluster !== undefined)
        t.equal(action.kind === 'forward' ? action.cluster : undefined, req.cluster, `${label}: cluster`);
      if (req.weighted !== undefined) {
        const weighted = action.kind === 'forward' ? action.weighted?.clusters : undefined;
        t.same(
          Object.fromEntries((weighted ?? []).map((w) => [w.name, w.weight])),
          req.weighted,
          `${label}: weights`,
        );
      }
      if (req.retries !== undefined)
        t.equal(
          action.kind === 'forward' ? (action.retry?.numRetries ?? 0) : 0,
          req.retries,
          `${label}: retries`,
        );
      if (req.fault !== undefined) t.equal(route.fault !== undefined, req.fault, `${label}: fault`);
      if (req.cors !== undefined) t.equal(route.cors !== undefined, req.cors, `${label}: cors`);
    }
  });
}
