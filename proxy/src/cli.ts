#!/usr/bin/env node
// weft-proxy: the sidecar. `--bootstrap FILE` runs it from a static Envoy v3 Bootstrap.
import { parseArgs } from 'node:util';
import { AdminServer } from './admin/server.ts';
import { compileBootstrap } from './compile/runtime.ts';
import { ConfigError, ConfigErrors, loadBootstrapFile } from './config/index.ts';
import { log } from './log.ts';
import { WeftProxy } from './proxy.ts';

const HELP = `weft-proxy — Weft's L7 sidecar proxy

Usage:
  weft-proxy --bootstrap FILE [--drain-seconds N]

Options:
  --bootstrap FILE     Envoy v3 Bootstrap (YAML or JSON): admin, static listeners and clusters
  --drain-seconds N    on SIGTERM or POST /quitquitquit, let in-flight requests finish for up to N seconds (default 5)
  --help               show this help

Environment:
  WEFT_LOG_LEVEL       process log level (default info); logs are JSON lines on stderr
`;

function fail(message: string): never {
  process.stderr.write(`weft-proxy: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        bootstrap: { type: 'string' },
        'drain-seconds': { type: 'string', default: '5' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    args = parse();
  } catch (err) {
    fail(`${(err as Error).message} (see --help)`);
  }
  if (args.values.help) {
    process.stdout.write(HELP);
    return;
  }
  const file = args.values.bootstrap;
  if (!file) fail('--bootstrap FILE is required (see --help)');
  const drainSeconds = Number(args.values['drain-seconds']);
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0)
    fail('--drain-seconds must be a non-negative number');

  let config: ReturnType<typeof compileBootstrap>;
  try {
    const loaded = await loadBootstrapFile(file);
    config = compileBootstrap(loaded.bootstrap);
  } catch (err) {
    if (err instanceof ConfigErrors) fail(err.errors.map((e) => e.message).join('\n'));
    if (err instanceof ConfigError) fail(err.file ? err.message : `${file}: ${err.message}`);
    throw err;
  }

  const proxy = new WeftProxy();
  let admin: AdminServer | undefined;
  const shutdown = async (reason: string) => {
    log.info({ reason, drainSeconds }, 'draining');
    await proxy.stop(drainSeconds * 1000);
    await admin?.close();
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  if (config.admin) {
    admin = new AdminServer(proxy, {
      address: config.admin.address,
      port: config.admin.port,
      onQuit: () => void shutdown('quitquitquit'),
    });
    const addr = await admin.listen();
    log.info({ admin: `${addr.address}:${addr.port}` }, 'admin listening');
  }
  try {
    await proxy.apply(config);
  } catch (err) {
    fail(`cannot start listeners: ${(err as Error).message}`);
  }
  log.info({ listeners: proxy.listenerAddresses(), clusters: [...config.clusters.keys()] }, 'ready');
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => fail((err as Error)?.stack ?? String(err)));
