// The control plane's monitoring listener (Istio's 15014): readiness, /debug/syncz (each proxy's
// last sent and acked version per type, and NACKs), and the config diagnostics of the last load.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Diagnostic } from './model/index.ts';
import type { AdsServer } from './xds/index.ts';

export interface MonitoringState {
  readonly ready: () => boolean;
  readonly diagnostics: () => readonly Diagnostic[];
  readonly version: () => string;
  /** Per-resource rollout status (weftctl status). */
  readonly resources?: () => unknown;
}

export class MonitoringServer {
  private readonly server: http.Server;

  constructor(ads: AdsServer, state: MonitoringState) {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://monitoring');
      const json = (status: number, body: unknown) => {
        const text = `${JSON.stringify(body, null, 2)}\n`;
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      switch (url.pathname) {
        case '/ready':
          return state.ready()
            ? json(200, { ready: true, version: state.version() })
            : json(503, { ready: false });
        case '/debug/syncz':
          return json(200, { version: state.version(), proxies: ads.status(), nacks: ads.nacks() });
        case '/debug/status':
          return json(200, { version: state.version(), resources: state.resources?.() ?? [] });
        case '/debug/config':
          return json(200, { version: state.version(), diagnostics: state.diagnostics() });
        default:
          return json(404, { endpoints: ['/ready', '/debug/syncz', '/debug/status', '/debug/config'] });
      }
    });
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(this.server.address() as AddressInfo));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
