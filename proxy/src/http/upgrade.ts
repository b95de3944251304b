// HTTP/1.1 Upgrade (WebSocket and any type listed in upgrade_configs): route the request like any
// other, then splice the two connections once the upstream has the request. The upstream's answer
// (101 or a refusal) is relayed byte for byte.
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { originalDestinationOf } from '../cluster/index.ts';
import { applyHeaderMutation, selectRoute } from '../compile/index.ts';
import { type ConnectionManager, pickWeighted } from './connection-manager.ts';

function refuse(socket: net.Socket, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

export function handleUpgrade(
  manager: ConnectionManager,
  req: IncomingMessage,
  socket: net.Socket,
  head: Buffer,
): void {
  socket.on('error', () => socket.destroy());
  const table = manager.table;
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  // Envoy answers an upgrade type that upgrade_configs does not enable with 403.
  if (!table.upgrades.has(upgrade)) return refuse(socket, '403 Forbidden');
  const authority = req.headers.host;
  if (!authority) return refuse(socket, '400 Bad Request');
  const path = req.url ?? '/';
  const view = {
    method: req.method ?? 'GET',
    path,
    authority,
    scheme: 'http',
    header: (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    },
  };
  const vhost = table.routes.findVirtualHost(authority);
  const route = vhost && selectRoute(vhost, view);
  if (!vhost || !route) return refuse(socket, '404 Not Found');
  if (route.action.kind !== 'forward') return refuse(socket, '403 Forbidden');
  const action = route.action;
  const clusterName = action.weighted ? pickWeighted(action.weighted, manager.random).name : action.cluster;
  const pickContext = { originalDestination: originalDestinationOf(socket), request: view };
  const endpoint = clusterName ? manager.clusterFor(clusterName)?.pick(pickContext) : undefined;
  if (!endpoint) return refuse(socket, '503 Service Unavailable');
  manager.countUpgrade();
  const headers = req.headers as Record<string, string | string[] | undefined>;
  applyHeaderMutation(route.requestHeaders, headers);
  applyHeaderMutation(vhost.requestHeaders, headers);
  if (action.hostRewriteLiteral) headers.host = action.hostRewriteLiteral;
  let requestHead = `${req.method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) requestHead += `${name}: ${v}\r\n`;
  }
  requestHead += '\r\n';
  const upstream = net.connect({ host: endpoint.table.address, port: endpoint.table.port, noDelay: true });
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), 10_000);
  upstream.once('connect', () => {
    clearTimeout(connectTimer);
    upstream.write(requestHead);
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  upstream.once('error', () => {
    clearTimeout(connectTimer);
    if (upstream.bytesRead === 0 && socket.writable) refuse(socket, '503 Service Unavailable');
    else socket.destroy();
  });
  upstream.once('close', () => socket.end());
  socket.once('close', () => upstream.destroy());
}
