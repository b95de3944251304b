// Test helpers: build a resource from a spec body at known line numbers, and assert findings exactly.
import { loadResources } from './load.ts';
import type { Diagnostic, LoadOptions, LoadResult } from './types.ts';

/** Lines before the spec body, so body line k is file line HEADER_LINES + k. */
export const HEADER_LINES = 5;

export function doc(
  kind: 'VirtualService' | 'DestinationRule' | 'ServiceEntry' | 'Sidecar',
  body: string,
  name = 'reviews',
): string {
  const indented = body
    .replace(/^\n/, '')
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
  return `apiVersion: networking.weft.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${indented}`;
}

export function load(text: string, options?: LoadOptions): LoadResult {
  return loadResources(text, 'mesh.yaml', options);
}

interface Finding {
  readonly path: string;
  readonly line: number;
  readonly message: string;
}

interface Assert {
  same(found: unknown, wanted: unknown, ...message: [] | [string]): boolean;
}

export function pick(d: readonly Diagnostic[]): Finding[] {
  return d.map(({ path, line, message }) => ({ path, line, message }));
}

/** The resource is rejected with exactly these errors. */
export function rejects(t: Assert, result: LoadResult, ...errors: Finding[]): void {
  t.same(pick(result.errors), errors);
  t.same(result.resources.length, 0, 'the resource is rejected');
}
