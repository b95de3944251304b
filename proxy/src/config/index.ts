// The config folder's public face: load and validate an Envoy v3 bootstrap, validate any Envoy
// message (xDS resources use the same checks), and the error types both report with.
export {
  BOOTSTRAP_TYPE,
  DOCUMENT_PATH,
  type LoadedBootstrap,
  loadBootstrapFile,
  loadBootstrapText,
} from './bootstrap.ts';
export {
  ConfigError,
  type ConfigErrorKind,
  ConfigErrors,
  formatConfigError,
  joinMapKey,
  joinPath,
} from './errors.ts';
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
