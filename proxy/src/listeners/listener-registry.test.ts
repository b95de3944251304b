import t from 'tap';
import { ListenerRegistry } from './listener-registry.ts';

const l = (name: string, address: string, port: number) => ({ name, address, port });

t.test('exact address first, then the wildcard address on the port, never the asking listener', async (t) => {
  const virtual = l('virtual', '0.0.0.0', 15001);
  const exact = l('exact', '10.96.0.10', 80);
  const wildcard = l('wildcard', '0.0.0.0', 80);
  const v6 = l('v6', '::', 8080);
  const v6exact = l('v6exact', 'fd00::0a', 443);
  const registry = new ListenerRegistry<ReturnType<typeof l>>();
  registry.replace([virtual, exact, wildcard, v6, v6exact]);
  t.equal(registry.find('10.96.0.10', 80, virtual), exact);
  t.equal(registry.find('10.96.0.11', 80, virtual), wildcard);
  t.equal(registry.find('10.96.0.11', 8080, virtual), v6, '[::] takes IPv4 too');
  t.equal(registry.find('fd00::1', 8080, virtual), v6);
  t.equal(registry.find('fd00:0::a', 443, virtual), v6exact, 'IPv6 spellings are canonicalised');
  t.equal(registry.find('10.96.0.10', 9090, virtual), undefined);
  t.equal(registry.find('10.0.0.1', 15001, virtual), undefined, 'a listener does not hand off to itself');
  t.equal(registry.find('10.96.0.10', 80, exact), wildcard);
});
