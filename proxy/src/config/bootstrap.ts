// Loads the proxy's bootstrap: an Envoy v3 Bootstrap in YAML or JSON (JSON is YAML, so one parser
// reads both). Every problem, from a syntax error to a field Weft does not implement, comes back as
// one ConfigErrors whose entries carry file and line.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ConfigError, ConfigErrors } from './errors.ts';
import { validateEnvoyMessage } from './schema.ts';
import { lineOfPath } from './source-lines.ts';
import { checkSupported } from './supported.ts';

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/** The path of errors about the document as a whole (unreadable, not YAML, empty). */
export const DOCUMENT_PATH = '<document>';

export interface LoadedBootstrap {
  readonly file: string;
  /** The validated Bootstrap, normalized to snake_case keys and enum names (see validateEnvoyMessage). */
  readonly bootstrap: Record<string, unknown>;
}

export async function loadBootstrapFile(file: string): Promise<LoadedBootstrap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const problem = `cannot read the bootstrap file: ${readFailure(error)}`;
    throw new ConfigErrors([new ConfigError(DOCUMENT_PATH, problem, 'invalid', file)]);
  }
  return loadBootstrapText(text, file);
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

/** Parses and validates bootstrap text; `fileName` is only used in error messages. */
export function loadBootstrapText(text: string, fileName: string): LoadedBootstrap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigErrors(doc.errors.map((error) => syntaxError(error, text, fileName, lineCounter)));
  }
  const parsed: unknown = doc.toJS();
  if (parsed === null || parsed === undefined) {
    const problem = 'the document is empty: expected an Envoy v3 Bootstrap (static_resources, admin, ...)';
    throw new ConfigErrors([new ConfigError(DOCUMENT_PATH, problem, 'invalid', fileName, 1)]);
  }
  const { value: bootstrap, errors: schemaErrors } = validateEnvoyMessage(parsed, BOOTSTRAP_TYPE, '');
  const errors = [...schemaErrors, ...checkSupported(bootstrap, BOOTSTRAP_TYPE, '')];
  if (errors.length > 0) {
    const located = errors.map((error) => error.at(fileName, lineOfPath(doc, lineCounter, error.path)));
    throw new ConfigErrors(mostRelevantFirst(located));
  }
  return { file: fileName, bootstrap };
}

function syntaxError(
  error: YAMLError,
  text: string,
  fileName: string,
  lineCounter: LineCounter,
): ConfigError {
  const [start] = error.pos;
  const line = lineCounter.linePos(start).line;
  // The error points at the start of the repeated key; read the key itself from there.
  const written = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\n]+?)\s*:/.exec(text.slice(start))?.[1] ?? '';
  const key = /^["']/.test(written) ? written.slice(1, -1) : written;
  const problem =
    error.code === 'DUPLICATE_KEY'
      ? `duplicate key "${key}": a key may appear only once in a mapping`
      : `not valid YAML or JSON: ${error.message}`;
  return new ConfigError(DOCUMENT_PATH, problem, 'invalid', fileName, line);
}

/**
 * Invalid configuration first (it must be fixed whatever Weft implements), then what Weft does not
 * implement; within each, in document order.
 */
function mostRelevantFirst(errors: readonly ConfigError[]): ConfigError[] {
  const rank = (error: ConfigError) => (error.kind === 'unsupported' ? 1 : 0);
  return [...errors].sort(
    (a, b) => rank(a) - rank(b) || (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
}
