import t from 'tap';
import { endpointsOf } from './mesh-endpoints.ts';
import type { Resource } from './model/index.ts';

const resource = (kind: string, name: string, spec: Record<string, unknown>): Resource =>
  ({ kind, apiVersion: 'v1', metadata: { name, namespace: 'shop' }, spec }) as unknown as Resource;

t.test('a Service selects WorkloadEntries in its namespace, with ports, weight and locality', async (t) => {
  const endpoints = endpointsOf(
    [
      resource('Service', 'cart', { selector: { app: 'cart' }, ports: [{ name: 'http', port: 80 }] }),
      resource('WorkloadEntry', 'cart-1', {
        address: '10.0.0.1',
        ports: { http: 8080 },
        labels: { app: 'cart', version: 'v1' },
        weight: 3,
        locality: 'eu/west-1a',
      }),
      resource('WorkloadEntry', 'other', { address: '10.0.0.2', labels: { app: 'other' } }),
    ],
    'corp.example',
  );
  t.same([...endpoints.keys()], ['cart.shop.svc.corp.example']);
  t.same(endpoints.get('cart.shop.svc.corp.example'), [
    {
      address: '10.0.0.1',
      labels: { app: 'cart', version: 'v1' },
      ports: { http: 8080 },
      weight: 3,
      locality: 'eu/west-1a',
    },
  ]);
});
