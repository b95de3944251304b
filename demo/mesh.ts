// The demo's copy of examples/demo: the control plane watches a temporary folder, so the demo can
// edit the VirtualService there (as a user would, by saving the file) and the repository's example
// stays unchanged. Edits go through the YAML document model, keeping the file's comments and style.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Document, isMap, isScalar, isSeq, parseAllDocuments, type YAMLMap } from 'yaml';
import type { MeshPorts } from './layout.ts';

export type Weights = { v1: number; v2: number };

interface MeshFile {
  path: string;
  docs: Document.Parsed[];
}

function readMesh(dir: string): MeshFile[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const docs = parseAllDocuments(readFileSync(path, 'utf8'));
      if (!Array.isArray(docs)) throw new Error(`${path}: not a YAML stream`);
      for (const doc of docs) {
        if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
      }
      return { path, docs };
    });
}

const writeFile = (file: MeshFile) => writeFileSync(file.path, file.docs.map(String).join(''));

const kindOf = (doc: Document.Parsed) => String(doc.get('kind'));
const nameOf = (doc: Document.Parsed) => String(doc.getIn(['metadata', 'name']));

/** Adds `shift` to every Service port and WorkloadEntry port (in place, in the documents). */
function shiftPorts(doc: Document.Parsed, shift: number): void {
  const ports = doc.getIn(['spec', 'ports'], true);
  if (kindOf(doc) === 'Service' && isSeq(ports)) {
    for (const item of ports.items) {
      const port = isMap(item) ? item.get('port', true) : undefined;
      if (isScalar(port) && typeof port.value === 'number') port.value += shift;
    }
  } else if (kindOf(doc) === 'WorkloadEntry' && isMap(ports)) {
    for (const pair of ports.items) {
      if (isScalar(pair.value) && typeof pair.value.value === 'number') pair.value.value += shift;
    }
  }
}

/**
 * Copies the example into `dir`, moving its ports by `shift`, and returns the ports the demo's
 * processes must use (read back from the copy, so the YAML stays the one source of truth).
 */
export function copyMesh(exampleDir: string, dir: string, shift: number): MeshPorts {
  cpSync(exampleDir, dir, { recursive: true });
  const files = readMesh(dir);
  if (shift !== 0) {
    for (const file of files) {
      for (const doc of file.docs) shiftPorts(doc, shift);
      writeFile(file);
    }
  }
  const docs = files.flatMap((f) => f.docs);
  const find = (kind: string, name: string) => {
    const doc = docs.find((d) => kindOf(d) === kind && nameOf(d) === name);
    if (!doc) throw new Error(`${exampleDir} has no ${kind} ${name}`);
    return doc;
  };
  const number = (value: unknown, what: string) => {
    if (typeof value !== 'number') throw new Error(`${exampleDir}: ${what} is not a port number`);
    return value;
  };
  const servicePort = (name: string) =>
    number(find('Service', name).getIn(['spec', 'ports', 0, 'port']), `Service ${name} port`);
  const workloadPort = (name: string) =>
    number(find('WorkloadEntry', name).getIn(['spec', 'ports', 'http']), `WorkloadEntry ${name} ports.http`);
  return {
    frontendService: servicePort('frontend'),
    reviewsService: servicePort('reviews'),
    frontendApp: workloadPort('frontend'),
    reviewsInbound: { v1: workloadPort('reviews-v1'), v2: workloadPort('reviews-v2') },
  };
}

/** The reviews VirtualService's routes to subsets v1 and v2, in the file that holds it. */
function reviewsRoutes(dir: string) {
  for (const file of readMesh(dir)) {
    const doc = file.docs.find((d) => kindOf(d) === 'VirtualService' && nameOf(d) === 'reviews');
    if (!doc) continue;
    const http = doc.getIn(['spec', 'http'], true);
    const routes: Array<{ subset: 'v1' | 'v2'; destination: YAMLMap }> = [];
    for (const rule of isSeq(http) ? http.items : []) {
      const route = isMap(rule) ? rule.get('route', true) : undefined;
      for (const destination of isSeq(route) ? route.items : []) {
        if (!isMap(destination)) continue;
        const subset = String(destination.getIn(['destination', 'subset']));
        if (subset === 'v1' || subset === 'v2') routes.push({ subset, destination });
      }
    }
    if (routes.length === 0)
      throw new Error(`${file.path}: VirtualService reviews routes to neither subset v1 nor v2`);
    return { file, routes };
  }
  throw new Error(`${dir}: no VirtualService named reviews`);
}

/** The weights in force in the folder (a route without a weight counts as Istio's default, 100 for a lone route). */
export function readReviewsWeights(dir: string): Weights {
  const { routes } = reviewsRoutes(dir);
  const weights: Weights = { v1: 0, v2: 0 };
  for (const { subset, destination } of routes) {
    const weight = destination.get('weight');
    weights[subset] += typeof weight === 'number' ? weight : routes.length === 1 ? 100 : 0;
  }
  return weights;
}

/** Rewrites the weights of the reviews VirtualService's subsets v1 and v2; returns the file written. */
export function setReviewsWeights(dir: string, weights: Weights): string {
  const { file, routes } = reviewsRoutes(dir);
  for (const { subset, destination } of routes) destination.set('weight', weights[subset]);
  writeFile(file);
  return file.path;
}
