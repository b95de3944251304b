// The translate folder's public face: (resources, proxy, endpoints) → LDS/RDS/CDS/EDS resources
// ready for control-plane/src/xds createSnapshot.

export { identityKeyFor } from './identity-key.ts';
export { resolveHost } from './registry.ts';
export { translate } from './translate.ts';
export type { EndpointSpec, EnvoyObject, ProxyIdentity, TranslateOptions, XdsResources } from './types.ts';
