// One Envoy listener at run time. A connection goes through, in Envoy's order:
//   1. the listener filters, in config order (original_dst restores the original destination;
//      http_inspector sniffs the application protocol, keeping the bytes it read);
//   2. with use_original_dst, the hand-off: a connection whose original destination belongs to
//      another listener (exact IP:port, else the wildcard address on that port) continues there,
//      running that listener's filters; otherwise it stays here;
//   3. filter chain match (compile/filter-chain-match.ts), else default_filter_chain, else close;
//   4. the chain: HTTP (HttpChainServer), tcp_proxy (TcpProxySession), or close.
// A listener with bind_to_port false has no socket and only receives hand-offs. A plain listener
// (one unconditional chain, no listener filters) skips 1–3 and hands the socket straight over.
// Binding is two-phase, so that a config version goes live whole or not at all: `listen` binds and
// holds the connections that arrive, `activate` serves them once the version is swapped in (or
// `drain` drops them if it is not). `release`/`rebind` give up and retake a live listener's port
// for a new listener that needs it, and undo that if the new version fails.
import net from 'node:net';
import type { FilterChainTable, ListenerTable } from '../compile/index.ts';
import { predicateMatches } from '../compile/index.ts';
import type { ListenerStats } from '../metrics/index.ts';
import { TcpProxySession } from '../tcp/index.ts';
import { AcceptedConnection } from './accepted-connection.ts';
import type { HttpChainServer } from './http-listener.ts';
import { inspectHttp } from './inspect.ts';
import type { ListenerRegistry } from './listener-registry.ts';
import { buildListenerVersion, type ListenerDeps, type ListenerVersion } from './listener-version.ts';

function destroyOnError(this: net.Socket): void {
  this.destroy();
}

export class ProxyListener {
  private version: ListenerVersion;
  private servers: Map<string, HttpChainServer>;
  private readonly server: net.Server | undefined;
  private stats: ListenerStats;
  /** Connections served by this listener's chains. */
  private readonly sockets = new Set<net.Socket>();
  /** Connections still in the listener filters (e.g. waiting for the inspector's bytes). */
  private readonly pending = new Set<net.Socket>();
  private readonly sessions = new Set<TcpProxySession>();
  private draining = false;
  /** Connections accepted before `activate`; undefined once active. */
  private held: net.Socket[] | undefined = [];
  private readonly onSocketClose: (this: net.Socket) => void;
  private readonly onSessionDone = (session: TcpProxySession): void => {
    this.sessions.delete(session);
  };

  constructor(
    table: ListenerTable,
    deps: ListenerDeps,
    private readonly registry: ListenerRegistry<ProxyListener>,
  ) {
    const built = buildListenerVersion(table, deps, new Map());
    this.version = built.version;
    this.servers = built.servers;
    this.stats = deps.stats.listenerStats(table.name, table.trafficDirection);
    const listener = this;
    this.onSocketClose = function (this: net.Socket) {
      listener.sockets.delete(this);
      listener.stats.cxActive--;
    };
    if (table.bindToPort) {
      // half-open: a tcp_proxy client may send FIN and still read the upstream's answer
      this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
    }
  }

  get table(): ListenerTable {
    return this.version.table;
  }

  get name(): string {
    return this.version.table.name;
  }

  get address(): string {
    return this.version.table.address;
  }

  /** The bound port (the kernel's choice for port 0), or the configured one when not bound. */
  get port(): number {
    const bound = this.server?.address();
    return bound && typeof bound === 'object' ? bound.port : this.version.table.port;
  }

  get bound(): boolean {
    return this.server !== undefined;
  }

  listen(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    const { port, address, ipv6Only } = this.version.table;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: address, ipv6Only }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Serves the connections held since `listen` and every one after. */
  activate(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    for (const socket of held) if (!socket.destroyed) this.serveAccepted(socket);
  }

  /** Stops listening (connections in flight go on) so that another listener can bind the port. */
  release(): void {
    this.server?.close();
  }

  /** Listens again after `release`, when the version that needed the port did not go live. */
  rebind(): Promise<void> {
    return this.listen();
  }

  /** Whether `table` can take over this listener's socket (else it must be rebound). */
  sameSocket(table: ListenerTable): boolean {
    const current = this.version.table;
    return (
      current.address === table.address &&
      current.port === table.port &&
      current.ipv6Only === table.ipv6Only &&
      current.bindToPort === table.bindToPort
    );
  }

  /** A new config version: new connections use it; open ones keep theirs. */
  update(table: ListenerTable, deps: ListenerDeps): void {
    const built = buildListenerVersion(table, deps, this.servers);
    this.version = built.version;
    this.servers = built.servers;
    this.stats = deps.stats.listenerStats(table.name, table.trafficDirection);
    for (const server of built.retired) void server.drain(table.drainTimeoutMs);
  }

  private accept(socket: net.Socket): void {
    if (this.draining) return void socket.destroy();
    socket.on('error', destroyOnError);
    if (this.held) return void this.held.push(socket);
    this.serveAccepted(socket);
  }

  private serveAccepted(socket: net.Socket): void {
    const version = this.version;
    if (version.direct) return this.serveChain(socket, version.direct, undefined, version);
    this.pending.add(socket);
    this.runFilters(new AcceptedConnection(socket), version, 0, true);
  }

  /** A connection handed over by a use_original_dst listener: runs this listener's filters. */
  adopt(conn: AcceptedConnection): void {
    if (this.draining) return void conn.socket.destroy();
    this.pending.add(conn.socket);
    this.runFilters(conn, this.version, 0, false);
  }

  private runFilters(
    conn: AcceptedConnection,
    version: ListenerVersion,
    from: number,
    mayHandOff: boolean,
  ): void {
    const table = version.table;
    const filters = table.listenerFilters;
    for (let i = from; i < filters.length; i++) {
      const filter = filters[i]!;
      if (filter.disabled && predicateMatches(filter.disabled, conn.destinationPort)) continue;
      if (filter.kind === 'original_dst') conn.restoreOriginalDestination();
      else if (filter.kind === 'http_inspector' && !conn.inspected) {
        inspectHttp(conn, table.listenerFiltersTimeoutMs, (outcome) => {
          if (outcome === 'closed') return void this.pending.delete(conn.socket);
          if (outcome === 'timeout') {
            this.stats.filtersTimeout++;
            if (!table.continueOnListenerFiltersTimeout) {
              this.pending.delete(conn.socket);
              return void conn.socket.destroy();
            }
          }
          this.runFilters(conn, version, i + 1, mayHandOff);
        });
        return;
      }
    }
    if (mayHandOff && table.useOriginalDst && conn.restored) {
      const target = this.registry.find(conn.destinationAddress, conn.destinationPort, this);
      if (target) {
        this.stats.handedOff++;
        this.pending.delete(conn.socket);
        return target.adopt(conn);
      }
    }
    this.pending.delete(conn.socket);
    const chain = table.selectFilterChain(conn);
    if (!chain) {
      this.stats.noFilterChainMatch++;
      return void conn.socket.destroy();
    }
    this.serveChain(conn.socket, chain, conn, version);
  }

  private serveChain(
    socket: net.Socket,
    chain: FilterChainTable,
    conn: AcceptedConnection | undefined,
    version: ListenerVersion,
  ): void {
    this.stats.cxTotal++;
    this.stats.cxActive++;
    this.sockets.add(socket);
    socket.once('close', this.onSocketClose);
    const runtime = version.runtimes.get(chain)!;
    switch (runtime.kind) {
      case 'http':
        runtime.server.serve(socket, conn?.head, conn?.ended);
        // replayed now; the connection outlives it (ORIGINAL_DST reads its destination)
        if (conn) conn.head = undefined;
        return;
      case 'tcp':
        this.sessions.add(
          new TcpProxySession(runtime.chain, conn ?? new AcceptedConnection(socket), this.onSessionDone),
        );
        return;
      case 'close':
        socket.destroy();
    }
  }

  /**
   * Stops accepting, lets HTTP requests and TCP connections in flight finish for up to
   * `timeoutMs`, then closes what is left.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.server?.close();
    for (const socket of this.held ?? []) socket.destroy();
    for (const socket of this.pending) socket.destroy();
    const deadline = Date.now() + timeoutMs;
    const tcpDone = (async () => {
      while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    })();
    await Promise.all([...[...this.servers.values()].map((s) => s.drain(timeoutMs)), tcpDone]);
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}
