// The config folder's public face: load and validate an Envoy v3 bootstrap, validate any Envoy
// message (xDS resources use the same checks), and the error types both report with.
export {
  BOOTSTRAP_TYPE,
  DOCUMENT_PATH,
  type LoadedBootstrap,
  loadBootstrapFile,
  loadBootstrapText,
} from './bootstrap.ts';
export * from './envoy-types.ts';
export {
  ConfigError,
  type ConfigErrorKind,
  ConfigErrors,
  formatConfigError,
  joinMapKey,
  joinPath,
} from './errors.ts';
export {
  bool,
  enumName,
  isObj,
  isSet,
  list,
  message,
  type Obj,
  obj,
  objList,
  oneOf,
  onlyOneSet,
  optionalObj,
  repeated,
  str,
} from './fields.ts';
export { findMessageType, protoIncludeDirs } from './proto-root.ts';
export {
  captureGroups,
  compileRe2,
  compileRe2FullMatch,
  compileRegexMatcher,
  compileRegexRewrite,
  translateSubstitution,
} from './regex.ts';
export { type ValidatedMessage, validateEnvoyMessage } from './schema.ts';
export {
  checkSupported,
  DESCRIPTIVE_FIELDS,
  DESCRIPTIVE_FIELDS_OF,
  SUPPORTED_ANY_TYPES,
  SUPPORTED_ENUM_VALUES,
  SUPPORTED_FIELDS,
  SUPPORTED_MAP_KEYS,
} from './supported.ts';
export {
  HEALTH_CHECK_SUPPORTED_ENUM_VALUES,
  HEALTH_CHECK_SUPPORTED_FIELDS,
} from './supported-health-check.ts';
export { durationMs, fractionalPercent, optionalDurationMs, optionalUint, uint } from './values.ts';
