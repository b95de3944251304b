// One error type for every way a configuration can be wrong, so the CLI, the admin API and (later)
// the xDS NACK all report the same facts: where (file:line), which field, what is wrong.

export type ConfigErrorKind = 'invalid' | 'unknown-field' | 'unsupported';

export class ConfigError extends Error {
  constructor(
    /** Field path in the document, e.g. `static_resources.listeners[0].address.socket_address.port_value`. */
    readonly path: string,
    readonly problem: string,
    readonly kind: ConfigErrorKind = 'invalid',
    readonly file?: string,
    readonly line?: number,
  ) {
    super(formatConfigError(path, problem, file, line));
    this.name = 'ConfigError';
  }

  /** A copy that also says which file (and line) the offending field is in. */
  at(file: string, line?: number): ConfigError {
    return new ConfigError(this.path, this.problem, this.kind, file, line ?? this.line);
  }
}

export function formatConfigError(path: string, problem: string, file?: string, line?: number): string {
  const where = file ? `${file}${line ? `:${line}` : ''}: ` : '';
  return `${where}${path || '<root>'}: ${problem}`;
}

/** Joins a field path: `joinPath('a.b', 'c')` → `a.b.c`, `joinPath('a', 2)` → `a[2]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/**
 * Joins a map key to a field path: identifiers read like fields (`filter_metadata.team`), anything
 * else is quoted so that the path stays unambiguous (`typed_per_filter_config["envoy.filters.http.fault"]`).
 */
export function joinMapKey(base: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? joinPath(base, key) : `${base}[${JSON.stringify(key)}]`;
}

/** Every problem found in one document, thrown as one error; the message has one line per problem. */
export class ConfigErrors extends Error {
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map((error) => error.message).join('\n'));
    this.name = 'ConfigErrors';
  }
}
