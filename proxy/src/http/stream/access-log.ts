// Access log: one JSON line per request with Envoy's fields, written asynchronously (the request
// path only builds the entry; serialisation and I/O happen off the response's critical section).
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatFlags } from '../../metrics/index.ts';

export interface AccessLogEntry {
  start_time: string;
  method: string;
  path: string;
  authority: string;
  protocol: string;
  response_code: number;
  /** bit set; written as Envoy's short codes */
  response_flags: number;
  bytes_received: number;
  bytes_sent: number;
  duration: number;
  upstream_host: string | undefined;
  upstream_cluster: string | undefined;
  route_name: string | undefined;
  request_id: string;
  downstream_remote_address: string;
  user_agent: string | undefined;
  x_forwarded_for: string | undefined;
  attempts: number;
  /** The listener's traffic_direction (INBOUND / OUTBOUND); absent when unspecified. */
  traffic_direction?: string | undefined;
  /** Where the connection was going (its original destination when intercepted); TCP entries. */
  downstream_local_address?: string | undefined;
}

export class AccessLogger {
  private readonly out: WriteStream | NodeJS.WritableStream;
  private pending: string[] = [];
  private scheduled = false;

  constructor(readonly path: string) {
    this.out = path === '/dev/stdout' ? process.stdout : createWriteStream(path, { flags: 'a' });
  }

  write(entry: AccessLogEntry): void {
    const line = JSON.stringify({ ...entry, response_flags: formatFlags(entry.response_flags) });
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const chunk = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.out.write(chunk);
  }

  close(): Promise<void> {
    this.flush();
    if (this.out === process.stdout) return Promise.resolve();
    return new Promise((resolve) => (this.out as WriteStream).end(resolve));
  }
}
