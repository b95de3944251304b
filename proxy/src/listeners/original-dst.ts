// The address a redirected connection was originally sent to. iptables REDIRECT rewrites the
// destination to the proxy's port; the kernel keeps the original in conntrack, and the native addon
// (native/original-dst, built by `npm install`) reads it with getsockopt(SO_ORIGINAL_DST).
// A connection that was not redirected has no NAT entry: like Envoy's original_dst listener filter we
// then use the socket's local address, which is where the client was really connecting. Without the
// addon (not built, or not Linux) every connection takes that fallback, and we say so once.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { log } from '../log.ts';

export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

interface OriginalDstAddon {
  /** The destination before NAT, or an errno (ENOENT: not redirected) — never throws for a socket. */
  originalDst(fd: number): OriginalDestination | number;
}

/** Node's TCP handle exposes its file descriptor on POSIX (-1 elsewhere). */
interface HandleWithFd {
  readonly fd?: number;
}

// From the source tree (proxy/src/listeners) and from the build (dist/proxy/src/listeners).
const ADDON_CANDIDATES = [
  '../../../native/original-dst/build/Release/original_dst.node',
  '../../../../native/original-dst/build/Release/original_dst.node',
];

function loadAddon(): { addon?: OriginalDstAddon; error?: string } {
  const require = createRequire(import.meta.url);
  for (const candidate of ADDON_CANDIDATES) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (!existsSync(path)) continue;
    try {
      return { addon: require(path) as OriginalDstAddon };
    } catch (err) {
      return { error: `cannot load ${path}: ${(err as Error).message}` };
    }
  }
  return { error: 'native/original-dst is not built (run npm install, or npm run install)' };
}

const loaded = loadAddon();
let unavailableLogged = false;

/** Why the SO_ORIGINAL_DST addon is unavailable, or undefined when it is loaded. */
export function originalDstAddonError(): string | undefined {
  return loaded.error;
}

/** The connection's original destination, or its local address when it was not redirected. */
export function originalDestination(socket: net.Socket): OriginalDestination | undefined {
  const addon = loaded.addon;
  if (addon !== undefined) {
    const fd = (socket as unknown as { _handle?: HandleWithFd | null })._handle?.fd;
    if (fd !== undefined && fd >= 0) {
      const result = addon.originalDst(fd);
      if (typeof result !== 'number') return result;
    }
  } else if (!unavailableLogged) {
    unavailableLogged = true;
    log.warn(
      { reason: loaded.error },
      'SO_ORIGINAL_DST unavailable: each connection reports its local address as its original destination',
    );
  }
  return localDestination(socket);
}

function localDestination(socket: net.Socket): OriginalDestination | undefined {
  const address = socket.localAddress;
  const port = socket.localPort;
  if (address === undefined || port === undefined) return undefined;
  if (socket.localFamily !== 'IPv6') return { address, port, family: 4 };
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; the addon reports those as IPv4,
  // and so does the fallback, so routing by destination IP sees one form.
  if (address.startsWith('::ffff:') && address.includes('.', 7)) {
    return { address: address.slice(7), port, family: 4 };
  }
  return { address, port, family: 6 };
}
