// Test helpers: analyze a YAML fixture (multi-document, every resource must load) and keep the parts
// of each message a test asserts on. Extra resources (kinds the model may not load, such as
// ServiceEntry or Gateway) can be passed in directly.
import { loadResources, type Resource } from '../model/index.ts';
import { analyze } from './analyze.ts';
import { yamlLineLocator } from './locate.ts';
import type { AnalysisMessage } from './messages.ts';

export interface Picked {
  readonly code: string;
  readonly resource: string;
  readonly line: number;
  readonly path: string;
}

export function analyzeYaml(text: string, extra: readonly Resource[] = []): AnalysisMessage[] {
  const loaded = loadResources(text, 'mesh.yaml');
  if (loaded.errors.length > 0)
    throw new Error(
      `fixture does not load: ${loaded.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`,
    );
  return analyze([...loaded.resources, ...extra], { lineOf: yamlLineLocator(() => text) });
}

export function pick(messages: readonly AnalysisMessage[]): Picked[] {
  return messages.map(({ code, resource, line, path }) => ({ code, resource, line, path }));
}

/** A resource of a kind the model may not load yet, as the model would hand it over. */
export function resource(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  namespace = 'default',
): Resource {
  return {
    apiVersion: 'networking.weft.dev/v1',
    kind: kind as Resource['kind'],
    metadata: { name, namespace },
    spec: spec as Resource['spec'],
    origin: { file: 'extra.yaml', line: 1 },
  };
}

/** reviews (port 9080) with WorkloadEntries v1 and v2, and a DestinationRule with subsets v1, v2. */
export const REVIEWS = `apiVersion: v1
kind: Service
metadata: { name: reviews }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: reviews-v1 }
spec: { address: 10.0.0.1, labels: { app: reviews, version: v1 } }
---
apiVersion: networking.weft.dev/v1
kind: WorkloadEntry
metadata: { name: reviews-v2 }
spec: { address: 10.0.0.2, labels: { app: reviews, version: v2 } }
---
apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;
/** Lines in REVIEWS, so a fixture's own lines start at REVIEWS_LINES + 2 after a `---`. */
export const REVIEWS_LINES = REVIEWS.split('\n').length - 1;
