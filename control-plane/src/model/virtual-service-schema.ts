// VirtualService's fields, as in Istio's reference (networking.istio.io/v1 VirtualService).
import { any, bool, dur, enumOf, int32, list, map, obj, percent, port, str, uint32 } from './schema.ts';

export const stringMatch = obj({ exact: str, prefix: str, regex: str });

const portSelector = obj({ number: port });
export const destination = obj({ host: str, subset: str, port: portSelector });

const headerOps = obj({ set: map(str), add: map(str), remove: list(str) });
export const headers = obj({ request: headerOps, response: headerOps });

const matchRequest = obj({
  name: str,
  uri: stringMatch,
  scheme: stringMatch,
  method: stringMatch,
  authority: stringMatch,
  headers: map(stringMatch),
  port,
  sourceLabels: map(str),
  gateways: list(str),
  queryParams: map(stringMatch),
  ignoreUriCase: bool,
  withoutHeaders: map(stringMatch),
  sourceNamespace: str,
  statPrefix: str,
});

const routeDestination = obj({ destination, weight: int32, headers });

const redirect = obj({
  uri: str,
  authority: str,
  port,
  derivePort: enumOf('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'),
  scheme: str,
  redirectCode: uint32,
});

const directResponse = obj({ status: uint32, body: obj({ string: str, bytes: str }) });

const rewrite = obj({ uri: str, authority: str, uriRegexRewrite: obj({ match: str, rewrite: str }) });

const retries = obj({
  attempts: int32,
  perTryTimeout: dur,
  retryOn: str,
  retryRemoteLocalities: bool,
  retryIgnorePreviousHosts: bool,
  backoff: dur,
});

const fault = obj({
  delay: obj(
    { fixedDelay: dur, exponentialDelay: dur, percentage: percent, percent: int32 },
    { percent: 'use "percentage: {value: N}" instead' },
  ),
  abort: obj({ httpStatus: int32, grpcStatus: str, http2Error: str, percentage: percent }),
});

const corsPolicy = obj(
  {
    allowOrigins: list(stringMatch),
    allowOrigin: list(str),
    allowMethods: list(str),
    allowHeaders: list(str),
    exposeHeaders: list(str),
    maxAge: dur,
    allowCredentials: bool,
    unmatchedPreflights: enumOf('UNSPECIFIED', 'FORWARD', 'IGNORE'),
  },
  { allowOrigin: 'use "allowOrigins" with exact/prefix/regex matches instead' },
);

export const httpRoute = obj(
  {
    name: str,
    match: list(matchRequest),
    route: list(routeDestination),
    redirect,
    directResponse,
    delegate: any,
    rewrite,
    timeout: dur,
    retries,
    fault,
    mirror: destination,
    mirrorPercentage: percent,
    mirrorPercent: uint32,
    mirrors: list(obj({ destination, percentage: percent })),
    corsPolicy,
    headers,
  },
  { mirrorPercent: 'use "mirrorPercentage: {value: N}" instead' },
);

const tcpRoute = obj({
  match: list(
    obj({
      destinationSubnets: list(str),
      port,
      sourceLabels: map(str),
      gateways: list(str),
      sourceNamespace: str,
    }),
  ),
  route: list(obj({ destination, weight: int32 })),
});

export const virtualServiceSpec = obj({
  hosts: list(str),
  gateways: list(str),
  http: list(httpRoute),
  tls: any,
  tcp: list(tcpRoute),
  exportTo: list(str),
});
