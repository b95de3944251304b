// Who a resource applies to: workload selectors and exportTo, with Istio's rules for both.

import { labelProblem } from './names.ts';
import type { Path, Reporter } from './report.ts';
import { asList, asObj, asStr } from './schema.ts';
import { isDns1123Label } from './values.ts';

/** networking WorkloadSelector `{labels}`: no empty keys, no wildcards; no labels at all is a warning. */
export function checkWorkloadSelector(r: Reporter, path: Path, value: unknown, appliesTo: string): void {
  const selector = asObj(value);
  if (!selector) return;
  const labels = asObj(selector.labels) ?? {};
  if (Object.keys(labels).length === 0) {
    r.warn(path, `workloadSelector has no labels, so it ${appliesTo}: add labels, or remove the selector`);
  }
  for (const [key, v] of Object.entries(labels)) {
    const text = asStr(v);
    if (text === undefined) continue;
    const at = [...path, 'labels', key];
    if (key === '') r.error([...path, 'labels'], 'a selector label key cannot be empty');
    else if (key.includes('*') || text.includes('*'))
      r.error(at, `wildcards are not supported in selectors: select on exact labels`);
    else {
      const problem = labelProblem(key, text);
      if (problem) r.error(at, problem);
    }
  }
}

/**
 * exportTo: `.` (this namespace), `*` (every namespace), namespace names, and for ServiceEntry `~`
 * (no namespace). No duplicates, and `*` or `~` only alone.
 */
export function checkExportTo(
  r: Reporter,
  path: Path,
  value: unknown,
  namespace: string,
  allowNone: boolean,
) {
  const entries = asList(value);
  const seen = new Map<string, string>();
  entries.forEach((e, i) => {
    const entry = asStr(e);
    if (entry === undefined) return;
    const at = [...path, i];
    const key = entry === '.' ? namespace : entry;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      r.error(
        at,
        earlier === entry
          ? `${JSON.stringify(entry)} is listed twice: remove one`
          : `${JSON.stringify(earlier)} and ${JSON.stringify(entry)} both name this resource's namespace (${namespace}): remove one`,
      );
      return;
    }
    seen.set(key, entry);
    if (entry === '~' && !allowNone) {
      r.error(at, '"~" (visible to no namespace) is allowed only on ServiceEntry');
    } else if (!['.', '*', '~'].includes(entry) && !isDns1123Label(entry)) {
      r.error(
        at,
        `${JSON.stringify(entry)} is not a namespace: use ".", "*"${allowNone ? ', "~"' : ''} or a namespace name`,
      );
    } else if ((entry === '*' || entry === '~') && entries.length > 1) {
      r.error(
        at,
        entry === '*'
          ? '"*" exports to every namespace, so other entries make no sense: keep "*" alone or list namespaces'
          : '"~" exports to no namespace, so other entries contradict it: keep "~" alone or list namespaces',
      );
    }
  });
}
