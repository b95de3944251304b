// `weft-proxy init` flags → validated options. Flag names and defaults follow istio-iptables
// (Istio's init container) under our own spelling; every mistake is one line naming the flag.
import { isIPv4, isIPv6 } from 'node:net';
import { parseArgs } from 'node:util';

export interface Cidr {
  /** As iptables takes it: always with a prefix length (`10.0.0.5` → `10.0.0.5/32`). */
  readonly text: string;
  readonly family: 4 | 6;
}

export interface InitOptions {
  readonly proxyUid: number;
  readonly proxyGid: number;
  readonly outboundPort: number;
  readonly inboundPort: number;
  /** '*' redirects every outbound destination not excluded; a list redirects only those. */
  readonly includeOutboundCidrs: '*' | readonly Cidr[];
  readonly excludeOutboundCidrs: readonly Cidr[];
  readonly excludeOutboundPorts: readonly number[];
  /** '*' redirects every inbound port not excluded; a list only those; empty: no inbound capture. */
  readonly includeInboundPorts: '*' | readonly number[];
  readonly excludeInboundPorts: readonly number[];
}

export type InitCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'setup'; readonly options: InitOptions; readonly dryRun: boolean }
  | { readonly kind: 'cleanup'; readonly dryRun: boolean };

export const DEFAULT_PROXY_UID = 1337;

export const INIT_HELP = `weft-proxy init — program this network namespace's iptables to send the pod's TCP
traffic through the sidecar (run as root in the pod's namespace, before the application starts)

Usage:
  weft-proxy init [flags]
  weft-proxy init --cleanup [--dry-run]

Flags:
  --proxy-uid UID              the proxy's user: its own traffic is never redirected (default 1337)
  --proxy-gid GID              the proxy's group, likewise (default: the proxy uid)
  --outbound-port N            where outbound TCP is redirected (default 15001)
  --inbound-port N             where inbound TCP is redirected (default 15006)
  --include-outbound-cidrs L   comma-separated CIDRs to redirect, '*' for all (default '*')
  --exclude-outbound-cidrs L   comma-separated CIDRs never redirected
  --exclude-outbound-ports L   comma-separated destination ports never redirected
  --include-inbound-ports L    comma-separated ports to capture inbound, '*' for all (default '*');
                               empty: no inbound capture
  --exclude-inbound-ports L    comma-separated ports never captured inbound (15000, 15020, 15021
                               and 15090, the proxy's own, are always excluded)
  --dry-run                    print the iptables commands (a shell script) and change nothing
  --cleanup                    remove the jumps and WEFT_ chains
  --help                       show this help

IPv6 rules (ip6tables) are added when the namespace has IPv6 addresses (/proc/net/if_inet6).
`;

export class InitUsageError extends Error {}

/** Parses `weft-proxy init` arguments (those after `init`). Throws InitUsageError. */
export function parseInitArgs(argv: readonly string[]): InitCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        'proxy-uid': { type: 'string', default: String(DEFAULT_PROXY_UID) },
        'proxy-gid': { type: 'string' },
        'outbound-port': { type: 'string', default: '15001' },
        'inbound-port': { type: 'string', default: '15006' },
        'include-outbound-cidrs': { type: 'string', default: '*' },
        'exclude-outbound-cidrs': { type: 'string', default: '' },
        'exclude-outbound-ports': { type: 'string', default: '' },
        'include-inbound-ports': { type: 'string', default: '*' },
        'exclude-inbound-ports': { type: 'string', default: '' },
        'dry-run': { type: 'boolean', default: false },
        cleanup: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new InitUsageError(`${(err as Error).message} (see weft-proxy init --help)`);
  }
  const text = (name: string) => values[name] as string;
  if (values.help) return { kind: 'help' };
  const dryRun = values['dry-run'] === true;
  if (values.cleanup) return { kind: 'cleanup', dryRun };
  const proxyUid = parseId('--proxy-uid', text('proxy-uid'));
  const options: InitOptions = {
    proxyUid,
    proxyGid: values['proxy-gid'] === undefined ? proxyUid : parseId('--proxy-gid', text('proxy-gid')),
    outboundPort: parsePort('--outbound-port', text('outbound-port')),
    inboundPort: parsePort('--inbound-port', text('inbound-port')),
    includeOutboundCidrs:
      text('include-outbound-cidrs').trim() === '*'
        ? '*'
        : parseCidrs('--include-outbound-cidrs', text('include-outbound-cidrs')),
    excludeOutboundCidrs: parseCidrs('--exclude-outbound-cidrs', text('exclude-outbound-cidrs')),
    excludeOutboundPorts: parsePorts('--exclude-outbound-ports', text('exclude-outbound-ports')),
    includeInboundPorts:
      text('include-inbound-ports').trim() === '*'
        ? '*'
        : parsePorts('--include-inbound-ports', text('include-inbound-ports')),
    excludeInboundPorts: parsePorts('--exclude-inbound-ports', text('exclude-inbound-ports')),
  };
  return { kind: 'setup', options, dryRun };
}

function parseId(flag: string, value: string): number {
  const id = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id) || id > 0xfffffffe) {
    throw new InitUsageError(`${flag}: "${value}" is not a numeric user or group id`);
  }
  return id;
}

function parsePort(flag: string, value: string): number {
  const port = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new InitUsageError(`${flag}: "${value}" is not a port (1-65535)`);
  return port;
}

/** Comma-separated ports, duplicates dropped, order kept. */
function parsePorts(flag: string, value: string): number[] {
  const ports: number[] = [];
  for (const item of splitList(value)) {
    if (item === '*') throw new InitUsageError(`${flag}: '*' must be the whole value, not a list item`);
    const port = parsePort(flag, item);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

function parseCidrs(flag: string, value: string): Cidr[] {
  const cidrs: Cidr[] = [];
  for (const item of splitList(value)) {
    const slash = item.indexOf('/');
    const address = slash === -1 ? item : item.slice(0, slash);
    const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
    const max = family === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(max) : item.slice(slash + 1);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (family === undefined || !(prefix <= max)) {
      throw new InitUsageError(`${flag}: "${item}" is not an IPv4 or IPv6 CIDR (e.g. 10.96.0.0/12)`);
    }
    const cidr: Cidr = { text: `${address}/${prefix}`, family };
    if (!cidrs.some((c) => c.text === cidr.text)) cidrs.push(cidr);
  }
  return cidrs;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
