// Test support: a golden case is one YAML file holding the mesh resources plus one `TranslateCase`
// document naming the proxy, the endpoints (explicit, as translate() takes them; the running control
// plane derives them from WorkloadEntries, mesh-endpoints.ts) and the requests the simulation test
// sends through the translated config.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadResources, type Resource } from '../model/index.ts';
import type { EndpointSpec, ProxyIdentity } from './types.ts';

export interface SimulatedRequest {
  /** The listener port the request arrives on. */
  readonly port: number;
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Expected outcome: the route name and, for a forward, its cluster (or weighted clusters). */
  readonly route: string | null;
  readonly cluster?: string;
  readonly weighted?: Readonly<Record<string, number>>;
  /** num_retries of the chosen route's retry policy; 0 when it has none. */
  readonly retries?: number;
  /** Whether the chosen route carries a fault filter config. */
  readonly fault?: boolean;
  /** Whether the chosen route carries a CORS policy. */
  readonly cors?: boolean;
}

export interface GoldenCase {
  readonly name: string;
  readonly dir: string;
  readonly resources: Resource[];
  readonly proxy: ProxyIdentity;
  readonly endpoints: Map<string, EndpointSpec[]>;
  readonly requests: readonly SimulatedRequest[];
}

interface CaseDoc {
  proxy: ProxyIdentity;
  endpoints?: Record<string, EndpointSpec[]>;
  requests?: SimulatedRequest[];
}

export const TESTDATA = path.join(import.meta.dirname, 'testdata');

export function loadCase(name: string): GoldenCase {
  const dir = path.join(TESTDATA, name);
  const file = path.join(dir, 'input.yaml');
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  const meta = list.find((d) => (d.toJS() as { kind?: string } | null)?.kind === 'TranslateCase');
  if (!meta) throw new Error(`${file}: add a "kind: TranslateCase" document with proxy and endpoints`);
  const mesh = list.filter((d) => d !== meta).map((d) => d.toString());
  const loaded = loadResources(mesh.join('---\n'), file);
  if (loaded.errors.length > 0)
    throw new Error(`${file}: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  const spec = meta.toJS() as CaseDoc;
  return {
    name,
    dir,
    resources: loaded.resources,
    proxy: spec.proxy,
    endpoints: new Map(Object.entries(spec.endpoints ?? {})),
    requests: spec.requests ?? [],
  };
}

export function caseNames(): string[] {
  return readdirSync(TESTDATA, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}
