import t from 'tap';
import { ConfigError } from '../../config/index.ts';
import { compileLbConfig, createLoadBalancer, DEFAULT_LB_CONFIG, isPrime } from './config.ts';
import { LeastRequestBalancer } from './least-request.ts';
import { MaglevBalancer } from './maglev.ts';
import { RandomBalancer } from './random.ts';
import { RingHashBalancer } from './ring-hash.ts';
import { RoundRobinBalancer } from './round-robin.ts';
import { hosts } from './testing.ts';

function problem(c: Record<string, unknown>): string {
  try {
    compileLbConfig(c, 'clusters[0]');
  } catch (e) {
    if (e instanceof ConfigError) return `${e.kind} ${e.path}: ${e.problem}`;
    throw e;
  }
  return 'no error';
}

t.test('defaults are Envoy’s', (t) => {
  t.same(compileLbConfig({ name: 'c' }, 'c'), DEFAULT_LB_CONFIG);
  t.same(DEFAULT_LB_CONFIG, {
    policy: 'ROUND_ROBIN',
    leastRequest: { choiceCount: 2, activeRequestBias: 1 },
    ringHash: { minimumRingSize: 1024, maximumRingSize: 8388608, useHostnameForHashing: false },
    maglev: { tableSize: 65537, useHostnameForHashing: false },
    healthyPanicThreshold: 50,
    overprovisioningFactor: 140,
  });
  t.end();
});

t.test('reads every field it implements', (t) => {
  const c = compileLbConfig(
    {
      lb_policy: 'LEAST_REQUEST',
      least_request_lb_config: {
        choice_count: 3,
        active_request_bias: { default_value: 0.5, runtime_key: 'k' },
      },
      ring_hash_lb_config: { minimum_ring_size: '2048', maximum_ring_size: 4096, hash_function: 'XX_HASH' },
      maglev_lb_config: { table_size: 251 },
      common_lb_config: {
        healthy_panic_threshold: { value: 25 },
        consistent_hashing_lb_config: { use_hostname_for_hashing: true },
      },
      load_assignment: { policy: { overprovisioning_factor: 200 } },
    },
    'c',
  );
  t.same(c, {
    policy: 'LEAST_REQUEST',
    leastRequest: { choiceCount: 3, activeRequestBias: 0.5 },
    ringHash: { minimumRingSize: 2048, maximumRingSize: 4096, useHostnameForHashing: true },
    maglev: { tableSize: 251, useHostnameForHashing: true },
    healthyPanicThreshold: 25,
    overprovisioningFactor: 200,
  });
  t.end();
});

t.test('errors say where and why', (t) => {
  t.equal(
    problem({ lb_policy: 'CLUSTER_PROVIDED' }),
    'unsupported clusters[0].lb_policy: lb_policy CLUSTER_PROVIDED is not supported; use one of ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV',
  );
  t.equal(
    problem({ least_request_lb_config: { choice_count: 1 } }),
    'invalid clusters[0].least_request_lb_config.choice_count: must be at least 2, got 1',
  );
  t.equal(
    problem({ least_request_lb_config: { active_request_bias: { default_value: -1 } } }),
    'invalid clusters[0].least_request_lb_config.active_request_bias.default_value: must be at least 0.0, got -1',
  );
  t.equal(
    problem({ ring_hash_lb_config: { minimum_ring_size: 4096, maximum_ring_size: 1024 } }),
    'invalid clusters[0].ring_hash_lb_config.minimum_ring_size: minimum_ring_size (4096) is greater than maximum_ring_size (1024)',
  );
  t.equal(
    problem({ ring_hash_lb_config: { maximum_ring_size: 8388609 } }),
    'invalid clusters[0].ring_hash_lb_config.maximum_ring_size: must be at most 8388608 (8M), got 8388609',
  );
  t.match(
    problem({ ring_hash_lb_config: { hash_function: 'MURMUR_HASH_2' } }),
    /^unsupported .*hash_function: /,
  );
  t.equal(
    problem({ maglev_lb_config: { table_size: 65536 } }),
    'invalid clusters[0].maglev_lb_config.table_size: must be a prime number (e.g. 65537), got 65536',
  );
  t.match(problem({ maglev_lb_config: { table_size: 5000087 } }), /table_size: must be at most 5000011/);
  t.match(
    problem({ common_lb_config: { healthy_panic_threshold: { value: 101 } } }),
    /from 0 to 100, got 101/,
  );
  t.match(
    problem({ load_assignment: { policy: { overprovisioning_factor: 0 } } }),
    /overprovisioning_factor: must be greater than 0/,
  );
  t.end();
});

t.test('isPrime', (t) => {
  t.same([2, 3, 4, 65537, 65536, 5000011, 1, 0].map(isPrime), [
    true,
    true,
    false,
    true,
    false,
    true,
    false,
    false,
  ]);
  t.end();
});

t.test('createLoadBalancer builds the named policy', (t) => {
  const hs = hosts(3);
  const make = (policy: (typeof DEFAULT_LB_CONFIG)['policy']) =>
    createLoadBalancer({ ...DEFAULT_LB_CONFIG, policy }, hs);
  t.type(make('ROUND_ROBIN'), RoundRobinBalancer);
  t.type(make('LEAST_REQUEST'), LeastRequestBalancer);
  t.type(make('RANDOM'), RandomBalancer);
  t.type(make('RING_HASH'), RingHashBalancer);
  t.type(make('MAGLEV'), MaglevBalancer);
  t.end();
});
