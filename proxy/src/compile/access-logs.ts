// access_log lists (of the HTTP connection manager and of tcp_proxy) → where each log is written.
import { ConfigError, joinPath, objList, optionalObj } from '../config/index.ts';
import type { AccessLogTable } from './types.ts';

const FILE_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STDOUT_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';

export function compileAccessLogs(value: unknown, path: string): AccessLogTable[] {
  return objList(value).map((log, i) => {
    const typed = optionalObj(log.typed_config);
    if (typed['@type'] === STDOUT_LOG_TYPE) return { path: '/dev/stdout' };
    if (typed['@type'] === FILE_LOG_TYPE && typeof typed.path === 'string') return { path: typed.path };
    throw new ConfigError(joinPath(path, i), 'expected a FileAccessLog with a path or a StdoutAccessLog');
  });
}
