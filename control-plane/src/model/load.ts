// YAML text → resources. Each document is parsed with its node ranges kept, so every finding names
// file:line; a document with an error is rejected alone and the others still load.
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { validateDestinationRule } from './destination-rule.ts';
import { type Path, Reporter } from './report.ts';
import { asObj, isPlainObject } from './schema.ts';
import { validateService } from './service.ts';
import { validateServiceEntry } from './service-entry.ts';
import { validateSidecar } from './sidecar.ts';
import type {
  Diagnostic,
  JsonObject,
  LoadOptions,
  LoadResult,
  Metadata,
  Resource,
  ResourceKind,
} from './types.ts';
import { describe, suggest } from './values.ts';
import { validateVirtualService } from './virtual-service.ts';
import { validateWorkloadEntry } from './workload-entry.ts';

const WEFT_API = 'networking.weft.dev/v1';
const ISTIO_APIS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'];
const MESH_KINDS = ['VirtualService', 'DestinationRule', 'WorkloadEntry', 'ServiceEntry', 'Sidecar'] as const;
const KINDS: readonly ResourceKind[] = [...MESH_KINDS, 'Service'];

/** `namespace` is the resource's own, which `.` in exportTo and in Sidecar hosts stands for. */
type SpecValidator = (r: Reporter, spec: Record<string, unknown>, namespace: string) => void;
const VALIDATORS: Record<ResourceKind, SpecValidator> = {
  VirtualService: validateVirtualService,
  DestinationRule: validateDestinationRule,
  Service: validateService,
  WorkloadEntry: validateWorkloadEntry,
  ServiceEntry: validateServiceEntry,
  Sidecar: validateSidecar,
};

export function loadResources(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { uniqueKeys: true, lineCounter: lines, prettyErrors: false });
  const result: LoadResult = { resources: [], errors: [], warnings: [] };
  // A stream that is not YAML at all comes back as one pseudo-document carrying the errors.
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const r = new Reporter(file, doc.contents, lines, 'document');
    const at = (offset: number) => lines.linePos(offset).line;
    for (const e of doc.errors) {
      const duplicate = e.code === 'DUPLICATE_KEY';
      result.errors.push({
        severity: 'error',
        file,
        line: at(e.pos[0]),
        resource: `document at line ${at(doc.contents?.range?.[0] ?? doc.range[0])}`,
        path: '',
        message: duplicate
          ? `duplicate key ${JSON.stringify(keyAt(text, e.pos[0]))}: each key may appear once; remove or merge the repeats`
          : `invalid YAML: ${e.message.split('\n')[0]}`,
      });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const value = plainValue(doc);
    if (value instanceof Error) {
      const line = at(doc.contents.range?.[0] ?? doc.range[0]);
      result.errors.push({
        severity: 'error',
        file,
        line,
        resource: `document at line ${line}`,
        path: '',
        message: value.message,
      });
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document, e.g. after a trailing `---`
    const resource = toResource(r, value, options, at(doc.contents.range?.[0] ?? 0));
    sort(r.diagnostics, result);
    if (resource && !r.failed) result.resources.push(resource);
  }
  return result;
}

/**
 * The document as plain data, or the reason it cannot be: YAML's aliases may expand a few lines into
 * millions of nodes (the yaml library refuses past its alias budget), or refer to a node that
 * contains them, which would make the resource a cycle that no validator or serializer can walk.
 */
function plainValue(doc: Document.Parsed): unknown {
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    return new Error(
      `invalid YAML: ${(err as Error).message.split('\n')[0]}: aliases expand to too many nodes; write the values out`,
    );
  }
  return isCyclic(value, new Set())
    ? new Error('invalid YAML: an alias refers to a node that contains it; resources cannot be cycles')
    : value;
}

function isCyclic(value: unknown, ancestors: Set<unknown>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const cyclic = Object.values(value).some((v) => isCyclic(v, ancestors));
  ancestors.delete(value);
  return cyclic;
}

/** The key a duplicate-key error points at (the error's range covers only its first character). */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset);
  return (/^"[^"]*"|^'[^']*'|^[^:\s]+/.exec(rest)?.[0] ?? rest.slice(0, 1)).replace(/^["']|["']$/g, '');
}

function sort(found: readonly Diagnostic[], into: LoadResult): void {
  for (const d of found) (d.severity === 'error' ? into.errors : into.warnings).push(d);
}

function toResource(r: Reporter, value: unknown, options: LoadOptions, line: number): Resource | undefined {
  const top = asObj(value);
  if (!top) {
    r.error([], `expected a resource (apiVersion, kind, metadata, spec), got ${describe(value)}`);
    return undefined;
  }
  const kind = top.kind;
  const apiVersion = top.apiVersion;
  const md = asObj(top.metadata);
  const name = typeof md?.name === 'string' ? md.name : undefined;
  const namespace = typeof md?.namespace === 'string' ? md.namespace : 'default';
  r.resource = `${typeof kind === 'string' ? kind : 'resource'} ${namespace}/${name ?? '<unnamed>'}`;
  if (!checkKind(r, kind, apiVersion, options)) return undefined;
  const metadata = checkMetadata(r, top.metadata, namespace);
  for (const k of Object.keys(top)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(k)) {
      const hint = suggest(k, ['apiVersion', 'kind', 'metadata', 'spec']);
      r.error(
        [k],
        `unknown field ${JSON.stringify(k)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}: remove it`,
      );
    }
  }
  if (!isPlainObject(top.spec)) {
    r.error(
      ['spec'],
      top.spec === undefined
        ? 'spec is required'
        : `expected spec to be an object, got ${describe(top.spec)}`,
    );
    return undefined;
  }
  VALIDATORS[kind as ResourceKind](r, top.spec, namespace);
  if (!metadata) return undefined;
  return {
    apiVersion: apiVersion as string,
    kind: kind as ResourceKind,
    metadata,
    spec: top.spec as JsonObject,
    origin: { file: r.file, line },
  };
}

function checkKind(
  r: Reporter,
  kind: unknown,
  apiVersion: unknown,
  options: LoadOptions,
): kind is ResourceKind {
  if (typeof kind !== 'string') {
    r.error(['kind'], `kind is required: use one of ${KINDS.join(', ')}`);
    return false;
  }
  if (!KINDS.includes(kind as ResourceKind)) {
    r.error(['kind'], `unknown kind ${JSON.stringify(kind)}: weft accepts ${KINDS.join(', ')}`);
    return false;
  }
  if (kind === 'Service') {
    if (apiVersion !== 'v1')
      r.error(['apiVersion'], `Service must have apiVersion v1, got ${describe(apiVersion)}`);
    return apiVersion === 'v1';
  }
  if (apiVersion === WEFT_API) return true;
  if (typeof apiVersion === 'string' && ISTIO_APIS.includes(apiVersion)) {
    if (options.acceptIstioApi) return true;
    r.error(
      ['apiVersion'],
      `${apiVersion} is Istio's API: change apiVersion to ${WEFT_API}, or run with --accept-istio-api to accept Istio resources as they are`,
    );
    return false;
  }
  r.error(['apiVersion'], `unsupported apiVersion ${describe(apiVersion)} for ${kind}: use ${WEFT_API}`);
  return false;
}

function checkMetadata(r: Reporter, value: unknown, namespace: string): Metadata | undefined {
  const md = asObj(value);
  if (!md) {
    r.error(['metadata'], 'metadata.name is required');
    return undefined;
  }
  const path: Path = ['metadata'];
  const name = md.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
    r.error(
      typeof name === 'string' ? [...path, 'name'] : path,
      typeof name === 'string'
        ? `name ${JSON.stringify(name)} is invalid: use lowercase letters, digits, "-" and "."`
        : 'metadata.name is required',
    );
    return undefined;
  }
  if (
    md.namespace !== undefined &&
    (typeof md.namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(md.namespace))
  ) {
    r.error(
      [...path, 'namespace'],
      `namespace ${describe(md.namespace)} is invalid: use a lowercase DNS label`,
    );
  }
  const meta: { -readonly [K in keyof Metadata]: Metadata[K] } = { name, namespace };
  if (md.generation !== undefined) {
    if (typeof md.generation === 'number' && Number.isInteger(md.generation)) meta.generation = md.generation;
    else
      r.error([...path, 'generation'], `generation must be a whole number, got ${describe(md.generation)}`);
  }
  for (const k of ['labels', 'annotations'] as const) {
    const v = md[k];
    if (v === undefined || v === null) continue;
    const m = asObj(v);
    const bad = m ? Object.entries(m).find(([, x]) => typeof x !== 'string') : undefined;
    if (!m) r.error([...path, k], `expected a map of strings, got ${describe(v)}`);
    else if (bad) r.error([...path, k, bad[0]], `${k} values are strings: quote ${JSON.stringify(bad[1])}`);
    else meta[k] = m as Record<string, string>;
  }
  return meta;
}
