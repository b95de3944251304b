// DnsResolver with a scripted lookup (answers and failures on demand) and the system lookup.
import t from 'tap';
import type { DnsClusterConfig } from '../compile/cluster-dns.ts';
import { type DnsAnswer, type DnsLookup, DnsResolver, systemLookup } from './dns-resolver.ts';

const config = (over: Partial<DnsClusterConfig> = {}): DnsClusterConfig => ({
  logical: false,
  targets: [{ hostname: 'api.test', port: 8080, weight: 1, priority: 0 }],
  lookupFamily: 'V4_ONLY',
  refreshMs: 20,
  failureBaseMs: 20,
  failureMaxMs: 40,
  respectTtl: false,
  ...over,
});

/** A lookup whose next answers the test sets; every call is recorded. */
function scripted() {
  const calls: string[] = [];
  let next: DnsAnswer | Error = { addresses: [] };
  const lookup: DnsLookup = async (hostname) => {
    calls.push(hostname);
    if (next instanceof Error) throw next;
    return next;
  };
  return {
    lookup,
    calls,
    answer(a: DnsAnswer | Error) {
      next = a;
    },
  };
}

/** Resolves once `check` holds, polling every few ms (fails the test after 2 s). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('each address becomes a host; a change is published, a repeat is not', async (t) => {
  const dns = scripted();
  dns.answer({ addresses: ['10.0.0.1', '10.0.0.2'] });
  let changes = 0;
  const resolver = new DnsResolver(config(), () => changes++, dns.lookup);
  t.teardown(() => resolver.close());
  t.same(resolver.endpoints, [], 'no hosts before the first answer');
  await until(() => changes === 1);
  t.same(
    resolver.endpoints.map((e) => [e.id, e.hostname]),
    [
      ['10.0.0.1:8080', 'api.test'],
      ['10.0.0.2:8080', 'api.test'],
    ],
  );
  const calls = dns.calls.length;
  await until(() => dns.calls.length >= calls + 2);
  t.equal(changes, 1, 'the same answer again changes nothing');
  dns.answer({ addresses: ['10.0.0.3'] });
  await until(() => changes === 2);
  t.same(
    resolver.endpoints.map((e) => e.id),
    ['10.0.0.3:8080'],
  );
});

t.test('a failed resolution keeps the last good hosts and retries', async (t) => {
  const dns = scripted();
  dns.answer({ addresses: ['10.0.0.1'] });
  let changes = 0;
  const resolver = new DnsResolver(config(), () => changes++, dns.lookup);
  t.teardown(() => resolver.close());
  await until(() => changes === 1);
  dns.answer(new Error('SERVFAIL'));
  await until(() => resolver.stats.updateFailures >= 2);
  t.same(
    resolver.endpoints.map((e) => e.id),
    ['10.0.0.1:8080'],
    'still the last good host',
  );
  t.equal(changes, 1);
  dns.answer({ addresses: ['10.0.0.9'] });
  await until(() => changes === 2);
  t.same(
    resolver.endpoints.map((e) => e.id),
    ['10.0.0.9:8080'],
  );
  t.ok(resolver.stats.updateSuccesses >= 2);
});

t.test('LOGICAL_DNS uses the first address only', async (t) => {
  const dns = scripted();
  dns.answer({ addresses: ['10.0.0.7', '10.0.0.8'] });
  let changes = 0;
  const resolver = new DnsResolver(config({ logical: true }), () => changes++, dns.lookup);
  t.teardown(() => resolver.close());
  await until(() => changes === 1);
  t.same(
    resolver.endpoints.map((e) => e.id),
    ['10.0.0.7:8080'],
  );
});

t.test('several names each resolve on their own, with their port, weight and priority', async (t) => {
  const answers: Record<string, string[]> = { 'a.test': ['10.0.0.1'], 'b.test': ['fd00::1'] };
  const lookup: DnsLookup = async (hostname) => ({ addresses: answers[hostname]! });
  let changes = 0;
  const resolver = new DnsResolver(
    config({
      targets: [
        { hostname: 'a.test', port: 80, weight: 3, priority: 0 },
        { hostname: 'b.test', port: 81, weight: 1, priority: 1 },
      ],
    }),
    () => changes++,
    lookup,
  );
  t.teardown(() => resolver.close());
  await until(() => resolver.endpoints.length === 2);
  t.same(
    resolver.endpoints.map((e) => [e.id, e.weight, e.priority]),
    [
      ['10.0.0.1:80', 3, 0],
      ['[fd00::1]:81', 1, 1],
    ],
  );
});

t.test("respect_dns_ttl: the records' TTL sets the next refresh", async (t) => {
  const dns = scripted();
  dns.answer({ addresses: ['10.0.0.1'], ttlSeconds: 3600 });
  const resolver = new DnsResolver(config({ respectTtl: true }), () => {}, dns.lookup);
  t.teardown(() => resolver.close());
  await until(() => resolver.endpoints.length === 1);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(dns.calls.length, 1, 'no refresh for an hour, although refreshMs is 20');
});

t.test('a resolver for the same names starts from the previous one’s hosts', async (t) => {
  const dns = scripted();
  dns.answer({ addresses: ['10.0.0.1'] });
  const first = new DnsResolver(config(), () => {}, dns.lookup);
  await until(() => first.endpoints.length === 1);
  first.close();
  dns.answer(new Error('down'));
  const second = new DnsResolver(config({ refreshMs: 50 }), () => {}, dns.lookup, first);
  t.teardown(() => second.close());
  t.same(
    second.endpoints.map((e) => e.id),
    ['10.0.0.1:8080'],
  );
});

t.test('ready settles after every name has a first answer, good or bad', async (t) => {
  let release: (() => void) | undefined;
  const lookup: DnsLookup = (hostname) =>
    hostname === 'slow.test'
      ? new Promise((resolve) => {
          release = () => resolve({ addresses: ['10.0.0.2'] });
        })
      : Promise.reject(new Error('NXDOMAIN'));
  const resolver = new DnsResolver(
    config({
      targets: [
        { hostname: 'bad.test', port: 80, weight: 1, priority: 0 },
        { hostname: 'slow.test', port: 80, weight: 1, priority: 0 },
      ],
    }),
    () => {},
    lookup,
  );
  t.teardown(() => resolver.close());
  let ready = false;
  void resolver.ready.then(() => {
    ready = true;
  });
  await new Promise((r) => setTimeout(r, 30));
  t.notOk(ready, 'slow.test has not answered yet');
  release?.();
  await resolver.ready;
  t.same(
    resolver.endpoints.map((e) => e.id),
    ['10.0.0.2:80'],
  );
});

t.test('close stops refreshing', async (t) => {
  const dns = scripted();
  dns.answer({ addresses: ['10.0.0.1'] });
  const resolver = new DnsResolver(config(), () => {}, dns.lookup);
  await until(() => resolver.endpoints.length === 1);
  resolver.close();
  const calls = dns.calls.length;
  await new Promise((r) => setTimeout(r, 80));
  t.equal(dns.calls.length, calls);
});

t.test('the system lookup resolves localhost per lookup family', async (t) => {
  t.same((await systemLookup('localhost', 'V4_ONLY', false)).addresses, ['127.0.0.1']);
  t.same(
    (await systemLookup('127.0.0.1', 'V4_ONLY', true)).addresses,
    ['127.0.0.1'],
    'an IP stands for itself',
  );
  await t.rejects(systemLookup('no-such-host.invalid', 'V4_ONLY', false));
});
