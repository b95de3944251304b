// The model folder's public face: YAML → validated resources, with every finding placed at file:line.
export { loadResources } from './load.ts';
export type {
  Diagnostic,
  Json,
  JsonObject,
  LoadOptions,
  LoadResult,
  Metadata,
  Resource,
  ResourceKind,
  Severity,
} from './types.ts';
export { GRPC_STATUS_NAMES, parseDurationNs } from './values.ts';
