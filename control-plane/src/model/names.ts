// Istio's rules for host names, addresses, port protocols and labels, as ServiceEntry and Sidecar use
// them. Each check returns the problem in words, or undefined.
import { isIP } from 'node:net';
import { isDns1123Label } from './values.ts';

/** Istio's port protocols (matched case-insensitively); unset means "detect". */
const PROTOCOLS: ReadonlyMap<string, string> = new Map(
  [
    'HTTP',
    'HTTP2',
    'HTTP_PROXY',
    'GRPC',
    'GRPC-Web',
    'HTTPS',
    'TLS',
    'TCP',
    'UDP',
    'Mongo',
    'Redis',
    'MySQL',
  ].map((p) => [p.toLowerCase(), p]),
);
const HTTP_PROTOCOLS = new Set(['http', 'http2', 'http_proxy', 'grpc', 'grpc-web']);
const TLS_PROTOCOLS = new Set(['https', 'tls']);

export function protocolProblem(protocol: string): string | undefined {
  if (protocol === '' || PROTOCOLS.has(protocol.toLowerCase())) return undefined;
  return `unsupported protocol ${JSON.stringify(protocol)}: use one of ${[...PROTOCOLS.values()].join(', ')}`;
}

/** HTTP, HTTP2, HTTP_PROXY, GRPC or GRPC-Web (any case). */
export const isHttpProtocol = (protocol: string): boolean => HTTP_PROTOCOLS.has(protocol.toLowerCase());
export const isTlsProtocol = (protocol: string): boolean => TLS_PROTOCOLS.has(protocol.toLowerCase());

/** A label that may start with `*`, `*-` or be `*` alone (Istio's wildcard DNS-1123 label). */
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

function labelsProblem(name: string, labels: readonly string[]): string | undefined {
  const last = labels[labels.length - 1] ?? '';
  if (/^\d+$/.test(last))
    return `${JSON.stringify(name)} is not a valid host: its last label cannot be all digits`;
  for (const [i, label] of labels.entries()) {
    // A trailing dot (`example.com.`) is an unambiguous absolute name.
    if (i === labels.length - 1 && label === '' && i > 0) return undefined;
    if (!isDns1123Label(label)) {
      return `${JSON.stringify(name)} is not a valid host: label ${JSON.stringify(label)} must be lowercase letters, digits and "-"`;
    }
  }
  return undefined;
}

function lengthProblem(name: string): string | undefined {
  if (name === '') return 'the host is empty: name a DNS host such as api.example.com';
  if (name.length > 255) return `${JSON.stringify(name.slice(0, 20))}... is longer than 255 characters`;
  return undefined;
}

/** A DNS name without wildcards (Istio's ValidateFQDN). */
export function fqdnProblem(name: string): string | undefined {
  return lengthProblem(name) ?? labelsProblem(name, name.split('.'));
}

/** A DNS name whose first label may be a wildcard (`*.example.com`, `*`). */
export function wildcardDomainProblem(name: string): string | undefined {
  const problem = lengthProblem(name);
  if (problem) return problem;
  const dot = name.indexOf('.');
  const first = dot === -1 ? name : name.slice(0, dot);
  if (!WILDCARD_LABEL.test(first)) {
    return `${JSON.stringify(name)} is not a valid host: use a DNS name, optionally starting with "*."`;
  }
  return dot === -1 ? undefined : labelsProblem(name, name.slice(dot + 1).split('.'));
}

/** `*foo.example.com`: valid DNS, but Istio warns that it does not act as a wildcard. */
export const isPartialWildcard = (host: string): boolean =>
  host.includes('*') && host !== '*' && !host.startsWith('*.');

export const isIpAddress = (value: string): boolean => isIP(value) !== 0;

/** An IP address, or a CIDR block like 10.0.0.0/16 or 2001:db8::/32. */
export function ipOrCidrProblem(value: string): string | undefined {
  const parts = value.split('/');
  const family = isIP(parts[0] ?? '');
  if (parts.length === 1 && family !== 0) return undefined;
  const bits = Number(parts[1]);
  if (parts.length === 2 && family !== 0 && /^\d+$/.test(parts[1]!) && bits <= (family === 4 ? 32 : 128)) {
    return undefined;
  }
  return `${JSON.stringify(value)} is not an IP address or CIDR block: use e.g. 10.0.0.5 or 10.0.0.0/16`;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Kubernetes label rules: `[prefix/]name` keys and values of at most 63 name characters. */
export function labelProblem(key: string, value: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  if (name.length > 63 || !LABEL_NAME.test(name) || (prefix !== undefined && fqdnProblem(prefix))) {
    return `label key ${JSON.stringify(key)} is invalid: use letters, digits, "-", "_" and ".", optionally after a DNS prefix and "/"`;
  }
  if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
    return `label value ${JSON.stringify(value)} is invalid: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  }
  return undefined;
}
