// The model folder's public face: YAML → validated resources, with every finding placed at file:line.
export { loadResources } from './load.ts';
// Field path → line, for tools that report on loaded resources (weftctl analyze).
export { formatPath, type Path, Reporter } from './report.ts';
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
