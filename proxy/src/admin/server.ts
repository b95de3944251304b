// The admin listener (Envoy's /ready, /config_dump, /clusters, /stats/prometheus, /quitquitquit).
// Bind it to loopback: it can stop the proxy.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderPrometheus } from '../metrics/index.ts';
import type { WeftProxy } from '../proxy.ts';
import { renderClusters } from './clusters.ts';

export interface AdminOptions {
  address: string;
  port: number;
  /** Called by POST /quitquitquit after the response is sent. */
  onQuit: () => void;
}

export class AdminServer {
  private readonly server: http.Server;

  constructor(
    private readonly proxy: WeftProxy,
    private readonly options: AdminOptions,
  ) {
    this.server = http.createServer((req, res) => this.route(req, res));
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.address, () =>
        resolve(this.server.address() as AddressInfo),
      );
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin');
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const proxy = this.proxy;
    switch (url.pathname) {
      case '/ready':
        return proxy.ready
          ? send(200, 'LIVE\n')
          : send(503, proxy.config ? 'DRAINING\n' : 'PRE_INITIALIZING\n');
      case '/config_dump':
        return send(200, JSON.stringify(configDump(proxy), null, 2), 'application/json');
      case '/clusters': {
        const json = url.searchParams.get('format') === 'json';
        const body = renderClusters(proxy, json);
        return send(200, body, json ? 'application/json' : 'text/plain; charset=utf-8');
      }
      case '/stats/prometheus':
        return send(
          200,
          renderPrometheus({
            http: proxy.stats.allHttp,
            clusters: proxy.clusters.current.values(),
            tcp: proxy.stats.allTcp,
            listeners: proxy.stats.allListeners,
          }),
          'text/plain; version=0.0.4; charset=utf-8',
        );
      case '/listeners':
        return send(200, JSON.stringify(proxy.listenerAddresses()), 'application/json');
      case '/quitquitquit':
        if (req.method !== 'POST') return send(405, 'use POST\n');
        res.once('finish', () => this.options.onQuit());
        return send(200, 'OK\n');
      default:
        return send(
          404,
          'admin endpoints: /ready /config_dump /clusters /stats/prometheus /listeners /quitquitquit\n',
        );
    }
  }
}

function configDump(proxy: WeftProxy): unknown {
  const config = proxy.config;
  return {
    version_info: config?.version ?? null,
    listening: proxy.listenerAddresses(),
    bootstrap: config?.source ?? null,
  };
}
