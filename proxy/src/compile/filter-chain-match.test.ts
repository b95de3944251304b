// Filter chain matching over the compiled listener table: Envoy's order of criteria, most specific
// match first, no backtracking, the default chain, and duplicate matches refused.
import t from 'tap';
import type { FilterChain, FilterChainMatch, Listener } from '../config/index.ts';
import { compileListener } from './listener.ts';
import type { ConnectionFacts } from './types.ts';

function tcpChain(name: string, match?: FilterChainMatch): FilterChain {
  return {
    name,
    ...(match ? { filter_chain_match: match } : {}),
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
          stat_prefix: name,
          cluster: 'c',
        },
      },
    ],
  };
}

function listener(chains: FilterChain[], extra: Listener = {}) {
  return compileListener(
    {
      name: 'l',
      address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
      filter_chains: chains,
      ...extra,
    },
    'l',
    new Set(['c']),
  );
}

const cidr = (address: string, len: number) => ({ address_prefix: address, prefix_len: len });

function facts(over: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return {
    destinationAddress: '10.0.0.1',
    destinationPort: 80,
    sourceAddress: '10.9.0.5',
    sourcePort: 40000,
    transportProtocol: 'raw_buffer',
    applicationProtocols: [],
    ...over,
  };
}

t.test('an exact destination port beats no port; a wrong port never matches', async (t) => {
  const l = listener([
    tcpChain('any'),
    tcpChain('p80', { destination_port: 80 }),
    tcpChain('p81', { destination_port: 81 }),
  ]);
  t.equal(l.selectFilterChain(facts())?.name, 'p80');
  t.equal(l.selectFilterChain(facts({ destinationPort: 81 }))?.name, 'p81');
  t.equal(l.selectFilterChain(facts({ destinationPort: 9999 }))?.name, 'any');
});

t.test('destination prefixes: the longest matching prefix wins, an explicit /0 beats none', async (t) => {
  const l = listener([
    tcpChain('none'),
    tcpChain('all', { prefix_ranges: [cidr('0.0.0.0', 0)] }),
    tcpChain('ten', { prefix_ranges: [cidr('10.0.0.0', 8)] }),
    tcpChain('ten-one', { prefix_ranges: [cidr('10.1.0.0', 16), cidr('192.168.0.0', 16)] }),
    tcpChain('host', { prefix_ranges: [cidr('10.1.2.3', 32)] }),
    tcpChain('v6', { prefix_ranges: [cidr('fd00::', 8)] }),
  ]);
  t.equal(l.selectFilterChain(facts({ destinationAddress: '10.1.2.3' }))?.name, 'host');
  t.equal(l.selectFilterChain(facts({ destinationAddress: '10.1.2.4' }))?.name, 'ten-one');
  t.equal(l.selectFilterChain(facts({ destinationAddress: '192.168.7.7' }))?.name, 'ten-one');
  t.equal(l.selectFilterChain(facts({ destinationAddress: '10.200.0.1' }))?.name, 'ten');
  t.equal(l.selectFilterChain(facts({ destinationAddress: '172.16.0.1' }))?.name, 'all');
  t.equal(l.selectFilterChain(facts({ destinationAddress: 'fd12::1' }))?.name, 'v6');
  t.equal(l.selectFilterChain(facts({ destinationAddress: '2001:db8::1' }))?.name, 'none');
});

t.test('no backtracking: the most specific port wins even when its later criteria fail', async (t) => {
  const l = listener([
    tcpChain('p80-ten', { destination_port: 80, prefix_ranges: [cidr('10.0.0.0', 8)] }),
    tcpChain('anywhere'),
  ]);
  t.equal(l.selectFilterChain(facts())?.name, 'p80-ten');
  t.equal(l.selectFilterChain(facts({ destinationAddress: '192.168.0.1' })), undefined, 'no chain: closed');
  const withDefault = listener(
    [tcpChain('p80-ten', { destination_port: 80, prefix_ranges: [cidr('10.0.0.0', 8)] })],
    {
      default_filter_chain: tcpChain('passthrough'),
    },
  );
  t.equal(withDefault.selectFilterChain(facts({ destinationAddress: '192.168.0.1' }))?.name, 'passthrough');
  t.equal(withDefault.selectFilterChain(facts({ destinationPort: 443 }))?.name, 'passthrough');
});

t.test('application protocols (as http_inspector sets them) split HTTP from TCP on one port', async (t) => {
  // Istio's outbound listener for a port: an HTTP chain for sniffed HTTP, TCP for the rest.
  const l = listener([
    tcpChain('http', { destination_port: 8080, application_protocols: ['http/1.0', 'http/1.1', 'h2c'] }),
    tcpChain('tcp', { destination_port: 8080 }),
  ]);
  const port = { destinationPort: 8080 };
  t.equal(l.selectFilterChain(facts({ ...port, applicationProtocols: ['http/1.1'] }))?.name, 'http');
  t.equal(l.selectFilterChain(facts({ ...port, applicationProtocols: ['h2c'] }))?.name, 'http');
  t.equal(l.selectFilterChain(facts({ ...port, applicationProtocols: [] }))?.name, 'tcp');
});

t.test('transport protocol, source type, source prefixes and ports, in that order', async (t) => {
  const l = listener([
    tcpChain('raw', { transport_protocol: 'raw_buffer' }),
    tcpChain('raw-local', { transport_protocol: 'raw_buffer', source_type: 'SAME_IP_OR_LOOPBACK' }),
    tcpChain('raw-ext-net', {
      transport_protocol: 'raw_buffer',
      source_type: 'EXTERNAL',
      source_prefix_ranges: [cidr('10.9.0.0', 16)],
    }),
    tcpChain('raw-ext-net-port', {
      transport_protocol: 'raw_buffer',
      source_type: 'EXTERNAL',
      source_prefix_ranges: [cidr('10.9.0.0', 16)],
      source_ports: [1234],
    }),
  ]);
  t.equal(l.selectFilterChain(facts({ sourceAddress: '127.0.0.1' }))?.name, 'raw-local');
  t.equal(
    l.selectFilterChain(facts({ sourceAddress: '10.0.0.1' }))?.name,
    'raw-local',
    'same IP as the destination',
  );
  t.equal(l.selectFilterChain(facts())?.name, 'raw-ext-net');
  t.equal(l.selectFilterChain(facts({ sourcePort: 1234 }))?.name, 'raw-ext-net-port');
  t.equal(
    l.selectFilterChain(facts({ sourceAddress: '10.10.0.1' })),
    undefined,
    'EXTERNAL, but no chain for that source',
  );
});

t.test('a single unconditional chain needs no matching; the default alone serves everything', async (t) => {
  t.equal(listener([tcpChain('only')]).onlyFilterChain?.name, 'only');
  t.equal(listener([tcpChain('p', { destination_port: 80 })]).onlyFilterChain, undefined);
  const defaultOnly = listener([], { default_filter_chain: tcpChain('d') });
  t.equal(defaultOnly.onlyFilterChain?.name, 'd');
  t.equal(defaultOnly.selectFilterChain(facts())?.name, 'd');
});

t.test('config errors name the field', async (t) => {
  t.throws(
    () => listener([tcpChain('a', { destination_port: 80 }), tcpChain('b', { destination_port: 80 })]),
    {
      message:
        "l.filter_chains[1].filter_chain_match: matches the same connections as l.filter_chains[0]: Envoy requires each filter chain's match to be unique",
    },
  );
  t.throws(() => listener([tcpChain('a', { transport_protocol: 'tls' })]), {
    message:
      /^l\.filter_chains\[0\]\.filter_chain_match\.transport_protocol: transport_protocol "tls" needs TLS detection/,
  });
  t.throws(() => listener([tcpChain('a', { prefix_ranges: [cidr('10.0.0.0', 40)] })]), {
    message:
      'l.filter_chains[0].filter_chain_match.prefix_ranges[0].prefix_len: an IPv4 prefix is at most 32 bits long',
  });
  t.throws(() => listener([]), {
    message: 'l.filter_chains: a listener needs filter_chains or a default_filter_chain',
  });
  const unboundEphemeral = {
    bind_to_port: false,
    address: { socket_address: { address: '0.0.0.0', port_value: 0 } },
  };
  t.throws(() => listener([tcpChain('a')], unboundEphemeral), {
    message:
      /^l\.address\.socket_address\.port_value: a listener with bind_to_port false .* needs a fixed port/,
  });
});
