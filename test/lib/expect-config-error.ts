// Shared by the compilers' unit tests: assert that a function throws a ConfigError with these fields.

export interface Matcher {
  match(found: unknown, wanted: unknown): boolean;
}

/** Asserts that `fn` throws a ConfigError with these fields (path, problem, kind). */
export function expectConfigError(tt: Matcher, fn: () => unknown, want: Record<string, unknown>): void {
  let err: unknown = 'nothing was thrown';
  try {
    fn();
  } catch (e) {
    err = e;
  }
  tt.match(err, { name: 'ConfigError', ...want });
}
