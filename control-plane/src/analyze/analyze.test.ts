import t from 'tap';
import { loadResources } from '../model/index.ts';
import { analyze, schemaMessages } from './analyze.ts';
import { yamlLineLocator } from './locate.ts';

const TEXT = `apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: a }
spec: { host: reviews }
---
apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: b }
spec:
  host: ratings
`;

t.test('validation diagnostics become IST0106 (errors) and IST0133 (warnings)', async (t) => {
  const base = {
    file: 'f.yaml',
    line: 3,
    resource: 'VirtualService default/x',
    path: 'spec.http',
    message: 'm',
  };
  t.same(
    schemaMessages([
      { ...base, severity: 'error' },
      { ...base, severity: 'warning' },
    ]).map((m) => [m.code, m.name, m.level]),
    [
      ['IST0106', 'SchemaValidationError', 'Error'],
      ['IST0133', 'SchemaWarning', 'Warning'],
    ],
  );
});

t.test('findings are placed at the line of their field, in the right document of the file', async (t) => {
  const { resources } = loadResources(TEXT, 'rules.yaml');
  const placed = analyze(resources, { lineOf: yamlLineLocator(() => TEXT) });
  t.same(
    placed.map((m) => [m.resource, m.line, m.path]),
    [
      ['DestinationRule default/a', 4, 'spec.host'],
      ['DestinationRule default/b', 10, 'spec.host'],
    ],
  );
  const unread = analyze(resources, { lineOf: yamlLineLocator(() => undefined) });
  t.same(
    unread.map((m) => m.line),
    [1, 6],
    'an unreadable file falls back to the line the document starts on',
  );
});

t.test('the cluster domain is the one short names resolve in', async (t) => {
  const text = `apiVersion: v1
kind: Service
metadata: { name: reviews }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.weft.dev/v1
kind: DestinationRule
metadata: { name: reviews }
spec: { host: reviews.default.svc.corp.example }
`;
  const { resources } = loadResources(text, 'mesh.yaml');
  t.same(analyze(resources, { clusterDomain: 'corp.example' }), []);
  t.same(
    analyze(resources).map((m) => m.code),
    ['IST0174'],
  );
});
