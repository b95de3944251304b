// Minimal, comparable configs for each proxy under test: one listener on 127.0.0.1, one upstream,
// HTTP/1.1 keep-alive on both sides, one worker thread, no logging.
import { join } from 'node:path';

export function haproxyConfig(listenPort: number, upstreamPort: number): string {
  return `global
  nbthread 1
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s

frontend bench
  bind 127.0.0.1:${listenPort}
  default_backend upstream

backend upstream
  http-reuse always
  server up1 127.0.0.1:${upstreamPort}
`;
}

export function nginxConfig(dir: string, listenPort: number, upstreamPort: number): string {
  const t = (name: string) => join(dir, name);
  return `daemon off;
master_process on;
worker_processes 1;
pid ${t('nginx.pid')};
error_log ${t('error.log')} warn;

events {
  worker_connections 8192;
}

http {
  access_log off;
  client_body_temp_path ${t('client_body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  keepalive_requests 1000000;
  keepalive_timeout 60s;

  upstream up {
    server 127.0.0.1:${upstreamPort};
    keepalive 256;
    keepalive_requests 1000000;
  }

  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

export interface BenchCluster {
  readonly name: string;
  /** Envoy lb_policy; ROUND_ROBIN when absent. */
  readonly policy?: string;
  readonly ports: readonly number[];
}

export interface BenchRoute {
  readonly prefix: string;
  readonly cluster: string;
}

/** Envoy v3 Bootstrap for weft-proxy: admin, one listener with inline routes, STATIC clusters on 127.0.0.1. */
export function weftBootstrapWith(
  listenPort: number,
  adminPort: number,
  routes: readonly BenchRoute[],
  clusters: readonly BenchCluster[],
): string {
  const routeLines = routes
    .map(
      (r) =>
        `                        - match: { prefix: "${r.prefix}" }\n                          route: { cluster: ${r.cluster} }`,
    )
    .join('\n');
  const clusterBlocks = clusters
    .map((c) => {
      const endpoints = c.ports
        .map(
          (port) =>
            `              - endpoint:\n                  address:\n                    socket_address: { address: 127.0.0.1, port_value: ${port} }`,
        )
        .join('\n');
      return `    - name: ${c.name}
      type: STATIC
${c.policy ? `      lb_policy: ${c.policy}\n` : ''}      connect_timeout: 1s
      load_assignment:
        cluster_name: ${c.name}
        endpoints:
          - lb_endpoints:
${endpoints}`;
    })
    .join('\n');
  return `admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: ${adminPort} }
static_resources:
  listeners:
    - name: bench
      address:
        socket_address: { address: 127.0.0.1, port_value: ${listenPort} }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: bench
                route_config:
                  name: bench
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
${routeLines}
                http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
${clusterBlocks}
`;
}

/** Envoy v3 Bootstrap for weft-proxy: admin, one listener, inline route `/` → a STATIC cluster. */
export function weftBootstrap(listenPort: number, adminPort: number, upstreamPort: number): string {
  return weftBootstrapWith(
    listenPort,
    adminPort,
    [{ prefix: '/', cluster: 'upstream' }],
    [{ name: 'upstream', ports: [upstreamPort] }],
  );
}
