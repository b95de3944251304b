// Field path → line for resources the model loaded. A Resource keeps only where its document starts,
// so the file is parsed again (once, cached) and the path walked with the model's own Reporter,
// which places validation diagnostics the same way.
import { LineCounter, parseAllDocuments } from 'yaml';
import { type Path, Reporter, type Resource } from '../model/index.ts';

export type LineOf = (resource: Resource, path: Path) => number;

interface ParsedFile {
  readonly lines: LineCounter;
  readonly docs: ReturnType<typeof parseAllDocuments>;
}

/** `readText(file)` gives a file's text (undefined when unreadable: the document's line is used). */
export function yamlLineLocator(readText: (file: string) => string | undefined): LineOf {
  const cache = new Map<string, ParsedFile | undefined>();
  const parsed = (file: string): ParsedFile | undefined => {
    if (!cache.has(file)) {
      const text = readText(file);
      const lines = new LineCounter();
      cache.set(
        file,
        text === undefined ? undefined : { lines, docs: parseAllDocuments(text, { lineCounter: lines }) },
      );
    }
    return cache.get(file);
  };
  return (resource, path) => {
    const { file, line } = resource.origin;
    const found = parsed(file);
    if (!found || !Array.isArray(found.docs)) return line;
    const doc = found.docs.find((d) => {
      const start = d.contents?.range?.[0];
      return start !== undefined && found.lines.linePos(start).line === line;
    });
    if (!doc) return line;
    return new Reporter(file, doc.contents, found.lines, '').lineOf(path);
  };
}
