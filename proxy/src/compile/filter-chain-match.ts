// Envoy's filter chain selection (FilterChainMatch): the criteria are applied one after another in
// a fixed order — destination port, destination IP, transport protocol, application protocols,
// directly connected source IP, source type, source IP, source port — and at each step only the
// chains that match *most specifically* go on (an exact port beats no port; the longest matching
// prefix beats shorter ones and beats no prefix). There is no backtracking: if the most specific
// chains fail a later criterion, no chain matches and the default filter chain (if any) is used.
//
// The chains are compiled into a tree with one level per criterion, so a lookup is a walk of eight
// map lookups (plus a prefix scan where ranges other than single IPv4 hosts are configured) and
// allocates nothing. Two chains that would match exactly the same connections are a config error,
// as in Envoy.
import { ConfigError, joinPath } from '../config/index.ts';
import { cidrContains, type IpFamily, parseIp } from './cidr.ts';
import type { CidrRangeTable, ConnectionFacts, FilterChainMatchTable, FilterChainTable } from './types.ts';

interface RangeBranch {
  readonly range: CidrRangeTable;
  child: Child;
}

interface MatchNode {
  /** Exact keys: ports, protocol names, source types, and single IPv4 hosts (`10.0.0.1`). */
  readonly exact: Map<string | number, Child>;
  /** Other ranges, longest prefix first. */
  readonly ranges: RangeBranch[];
  wildcard: Child | undefined;
}

type Child = MatchNode | FilterChainTable;

type LevelKey = string | number | CidrRangeTable;

/** The criteria in Envoy's order; `keys` empty means the chain does not constrain that criterion. */
const LEVELS: ReadonlyArray<{ readonly field: string; keys(m: FilterChainMatchTable): readonly LevelKey[] }> =
  [
    { field: 'destination_port', keys: (m) => (m.destinationPort === undefined ? [] : [m.destinationPort]) },
    { field: 'prefix_ranges', keys: (m) => m.prefixRanges },
    { field: 'transport_protocol', keys: (m) => (m.transportProtocol ? [m.transportProtocol] : []) },
    { field: 'application_protocols', keys: (m) => m.applicationProtocols },
    { field: 'direct_source_prefix_ranges', keys: (m) => m.directSourcePrefixRanges },
    { field: 'source_type', keys: (m) => (m.sourceType === 'ANY' ? [] : [m.sourceType]) },
    { field: 'source_prefix_ranges', keys: (m) => m.sourcePrefixRanges },
    { field: 'source_ports', keys: (m) => m.sourcePorts },
  ];
const LAST_LEVEL = LEVELS.length - 1;

function newNode(): MatchNode {
  return { exact: new Map(), ranges: [], wildcard: undefined };
}

function isNode(child: Child): child is MatchNode {
  return (child as MatchNode).exact !== undefined;
}

export class FilterChainSelector {
  private readonly root: MatchNode = newNode();
  /** The chain every connection gets when no criterion can tell connections apart. */
  readonly only: FilterChainTable | undefined;
  private readonly hasRanges: boolean;

  /**
   * `paths` are the chains' config paths (`...filter_chains[3]`), to name both chains when two
   * would match the same connections.
   */
  constructor(
    chains: readonly FilterChainTable[],
    paths: readonly string[],
    private readonly fallback: FilterChainTable | undefined,
  ) {
    const owners = new Map<FilterChainTable, string>();
    chains.forEach((chain, i) => {
      owners.set(chain, paths[i]!);
      this.insert(this.root, 0, chain, owners);
    });
    let ranges = false;
    const sortRanges = (node: MatchNode): void => {
      node.ranges.sort((a, b) => b.range.prefixLen - a.range.prefixLen);
      if (node.ranges.length > 0) ranges = true;
      for (const child of [...node.exact.values(), ...node.ranges.map((r) => r.child), node.wildcard]) {
        if (child && isNode(child)) sortRanges(child);
      }
    };
    sortRanges(this.root);
    this.hasRanges = ranges;
    if (chains.length === 0) this.only = fallback;
    else if (chains.length === 1 && isUnconstrained(chains[0]!.match)) this.only = chains[0];
  }

  private insert(
    node: MatchNode,
    level: number,
    chain: FilterChainTable,
    owners: Map<FilterChainTable, string>,
  ) {
    const keys = LEVELS[level]!.keys(chain.match);
    const place = (existing: Child | undefined, store: (child: Child) => void): void => {
      if (level === LAST_LEVEL) {
        if (existing && existing !== chain) {
          const path = owners.get(chain)!;
          throw new ConfigError(
            joinPath(path, 'filter_chain_match'),
            `matches the same connections as ${owners.get(existing as FilterChainTable)}: Envoy requires each filter chain's match to be unique`,
          );
        }
        store(chain);
        return;
      }
      let next = existing as MatchNode | undefined;
      if (!next) {
        next = newNode();
        store(next);
      }
      this.insert(next, level + 1, chain, owners);
    };
    if (keys.length === 0) {
      place(node.wildcard, (child) => {
        node.wildcard = child;
      });
      return;
    }
    for (const key of keys) {
      if (typeof key !== 'object') {
        place(node.exact.get(key), (child) => node.exact.set(key, child));
      } else if (key.family === 4 && key.prefixLen === 32) {
        const host = key.text.slice(0, -3);
        place(node.exact.get(host), (child) => node.exact.set(host, child));
      } else {
        const branch = node.ranges.find((r) => r.range.text === key.text);
        if (branch) {
          place(branch.child, (child) => {
            branch.child = child;
          });
        } else {
          place(undefined, (child) => node.ranges.push({ range: key, child }));
        }
      }
    }
  }

  /** The chain for a connection: the most specific match, else the default chain, else none. */
  select(c: ConnectionFacts): FilterChainTable | undefined {
    if (this.only) return this.only;
    let node: Child | undefined = this.root;
    for (let level = 0; level <= LAST_LEVEL && node; level++) {
      node = this.step(node as MatchNode, level, c);
    }
    return (node as FilterChainTable | undefined) ?? this.fallback;
  }

  private step(node: MatchNode, level: number, c: ConnectionFacts): Child | undefined {
    if (node.exact.size === 0 && node.ranges.length === 0) return node.wildcard;
    switch (level) {
      case 0:
        return node.exact.get(c.destinationPort) ?? node.wildcard;
      case 1:
        return this.byAddress(node, c.destinationAddress);
      case 2:
        return node.exact.get(c.transportProtocol) ?? node.wildcard;
      case 3:
        for (const protocol of c.applicationProtocols) {
          const child = node.exact.get(protocol);
          if (child) return child;
        }
        return node.wildcard;
      case 4:
      case 6:
        // No listener filter rewrites the source (no PROXY protocol), so the directly connected
        // source is the source.
        return this.byAddress(node, c.sourceAddress);
      case 5:
        return node.exact.get(isLocalSource(c) ? 'SAME_IP_OR_LOOPBACK' : 'EXTERNAL') ?? node.wildcard;
      default:
        return node.exact.get(c.sourcePort) ?? node.wildcard;
    }
  }

  private byAddress(node: MatchNode, address: string): Child | undefined {
    const host = node.exact.get(address);
    if (host) return host;
    if (this.hasRanges && node.ranges.length > 0) {
      const family = parseIp(address, scratch);
      for (const branch of node.ranges) if (cidrContains(branch.range, family, scratch)) return branch.child;
    }
    return node.wildcard;
  }
}

/** Parsed connection address, reused by every lookup (lookups are synchronous). */
const scratch = new Uint32Array(4);
const local = new Uint32Array(4);

/** SAME_IP_OR_LOOPBACK: the peer is on a loopback address or on this host's (destination) address. */
function isLocalSource(c: ConnectionFacts): boolean {
  if (c.sourceAddress === c.destinationAddress) return true;
  const family: IpFamily = parseIp(c.sourceAddress, local);
  if (family === 4) return local[0]! >>> 24 === 127;
  return family === 6 && local[0] === 0 && local[1] === 0 && local[2] === 0 && local[3] === 1;
}

function isUnconstrained(m: FilterChainMatchTable): boolean {
  return LEVELS.every((level) => level.keys(m).length === 0);
}
