// Maps a field path from a validation error back to a line of the YAML/JSON source, by walking the
// parsed document's nodes along the path. Paths use snake_case while the file may use camelCase, so
// keys compare without underscores and case. A path that goes past what the document holds (a
// required field that is missing) lands on the deepest part that exists.
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter } from 'yaml';

type Segment = { readonly key: string; readonly exact: boolean } | { readonly index: number };

/** `a.b[0]["x.y"]` → key a, key b, index 0, exact key x.y. */
export function parseFieldPath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push({ index: Number(match[1]) });
    else if (match[2] !== undefined) segments.push({ key: JSON.parse(match[2]) as string, exact: true });
    else if (match[3] !== undefined) segments.push({ key: match[3], exact: false });
  }
  return segments;
}

function sameFieldName(written: string, wanted: string): boolean {
  const bare = (name: string) => name.replaceAll('_', '').toLowerCase();
  return written === wanted || bare(written) === bare(wanted);
}

function startOf(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null)?.range;
  return range?.[0];
}

/** The 1-based line of the field at `path`, or of its deepest ancestor present in the document. */
export function lineOfPath(doc: Document, lineCounter: LineCounter, path: string): number | undefined {
  let node: unknown = doc.contents;
  let offset = startOf(node);
  for (const segment of parseFieldPath(path)) {
    if (isAlias(node)) node = node.resolve(doc);
    if ('index' in segment) {
      const item: unknown = isSeq(node) ? node.items[segment.index] : undefined;
      if (item === undefined) break;
      node = item;
      offset = startOf(item) ?? offset;
      continue;
    }
    const pair = isMap(node)
      ? node.items.find((candidate) => {
          const key = isScalar(candidate.key) ? String(candidate.key.value) : undefined;
          if (key === undefined) return false;
          return segment.exact ? key === segment.key : sameFieldName(key, segment.key);
        })
      : undefined;
    if (!pair) break;
    node = pair.value;
    offset = startOf(pair.key) ?? offset;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
