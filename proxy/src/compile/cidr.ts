// IP addresses and envoy.config.core.v3.CidrRange for filter chain matching. Ranges are parsed once
// at compile time; connection addresses are parsed per connection into a caller-owned word array,
// without allocating, and only when some chain actually has a range to test.
import { type CidrRange, ConfigError, joinPath, optionalUint } from '../config/index.ts';
import type { CidrRangeTable } from './types.ts';

/** The address family parseIp found: 4, 6, or 0 when the text is not an IP address. */
export type IpFamily = 0 | 4 | 6;

const hextets = new Uint16Array(8);

/** Value of a hex digit, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Dotted-quad IPv4 in text[start, end) as an unsigned 32-bit number, or -1. */
function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      octet = octet * 10 + code - 48;
      if (++digits > 3 || octet > 255) return -1;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function parseIpv6(text: string, out: Uint32Array): IpFamily {
  const zone = text.indexOf('%');
  const end = zone === -1 ? text.length : zone;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return 0;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < end; j++) {
      const hex = hexValue(text.charCodeAt(j));
      if (hex < 0) break;
      value = value * 16 + hex;
      digits++;
    }
    if (j < end && text.charCodeAt(j) === 46 /* . */) {
      // an embedded IPv4 address ends the text: ::ffff:10.0.0.1
      const v4 = parseIpv4(text, i, end);
      if (v4 < 0 || count > 6) return 0;
      hextets[count++] = v4 >>> 16;
      hextets[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return 0;
    hextets[count++] = value;
    if (j === end) {
      i = j;
      break;
    }
    if (text.charCodeAt(j) !== 58) return 0;
    if (text.charCodeAt(j + 1) === 58) {
      if (gap !== -1) return 0;
      gap = count;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return 0;
    }
  }
  if (gap === -1 ? count !== 8 : count > 7) return 0;
  const zeros = 8 - count;
  for (let w = 0; w < 4; w++) {
    const hi = hextetAt(2 * w, gap, zeros);
    const lo = hextetAt(2 * w + 1, gap, zeros);
    out[w] = ((hi << 16) | lo) >>> 0;
  }
  // An IPv4-mapped address (a dual-stack socket's view of an IPv4 peer) is that IPv4 address.
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3]!;
    return 4;
  }
  return 6;
}

function hextetAt(k: number, gap: number, zeros: number): number {
  if (gap === -1 || k < gap) return hextets[k]!;
  if (k < gap + zeros) return 0;
  return hextets[k - zeros]!;
}

/** Parses `text` into `out` (IPv4 in out[0]; IPv6 in out[0..3], most significant first). */
export function parseIp(text: string, out: Uint32Array): IpFamily {
  if (text.includes(':')) return parseIpv6(text, out);
  const v4 = parseIpv4(text, 0, text.length);
  if (v4 < 0) return 0;
  out[0] = v4;
  return 4;
}

/** Whether the parsed address (`family`, `words`) lies inside `range`. */
export function cidrContains(range: CidrRangeTable, family: IpFamily, words: Uint32Array): boolean {
  if (range.family !== family) return false;
  let bits = range.prefixLen;
  for (let w = 0; bits > 0; w++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((words[w]! & mask) >>> 0 !== range.words[w]) return false;
  }
  return true;
}

/** The canonical text of an address: dotted quad, or eight full lower-case hextets. */
export function canonicalIp(text: string): string | undefined {
  const words = new Uint32Array(4);
  const family = parseIp(text, words);
  if (family === 0) return undefined;
  return formatIp(family, words);
}

function formatIp(family: 4 | 6, words: ArrayLike<number>): string {
  if (family === 4) {
    const v = words[0]!;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const parts: string[] = [];
  for (let w = 0; w < 4; w++) parts.push((words[w]! >>> 16).toString(16), (words[w]! & 0xffff).toString(16));
  return parts.join(':');
}

/** A CidrRange message → its table; bits past the prefix are cleared, as Envoy does. */
export function compileCidr(range: CidrRange, path: string): CidrRangeTable {
  const text = String(range.address_prefix ?? '');
  const words = new Uint32Array(4);
  const family = parseIp(text, words);
  if (family === 0) {
    throw new ConfigError(
      joinPath(path, 'address_prefix'),
      `"${text}" is not an IPv4 or IPv6 address (a range is written as address_prefix plus prefix_len)`,
    );
  }
  const lenPath = joinPath(path, 'prefix_len');
  let prefixLen = optionalUint(range.prefix_len, lenPath, 0);
  // an IPv4-mapped IPv6 prefix covers the IPv4 space 96 bits in
  if (family === 4 && text.includes(':')) prefixLen = Math.max(0, prefixLen - 96);
  const max = family === 4 ? 32 : 128;
  if (prefixLen > max) throw new ConfigError(lenPath, `an IPv${family} prefix is at most ${max} bits long`);
  const masked: number[] = [];
  let bits = prefixLen;
  for (let w = 0; w < (family === 4 ? 1 : 4); w++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    masked.push((words[w]! & mask) >>> 0);
  }
  return { family, prefixLen, words: masked, text: `${formatIp(family, masked)}/${prefixLen}` };
}
