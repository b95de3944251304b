// Preloaded into the real weft-control-plane process by the xDS scale bench
// (`node --expose-gc --import tsx --import …/xds-memory-probe.ts control-plane/src/main.ts`). The
// control plane has no endpoint for its heap, so this answers the harness over the IPC channel with
// the process's own memoryUsage() and cpuUsage() — after a full GC when asked, so that what is
// compared is live data, not garbage that happens not to be collected yet. main.ts runs unchanged.
export interface ProbeRequest {
  type: 'sample';
  id: number;
  gc: boolean;
}

export interface ProbeReply {
  type: 'sample';
  id: number;
  rssBytes: number;
  heapUsedBytes: number;
  cpuUs: number;
  gcRan: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

if (process.send) {
  process.on('message', (message: ProbeRequest) => {
    if (message?.type !== 'sample') return;
    const gcRan = message.gc && gc !== undefined;
    if (gcRan) {
      gc();
      gc(); // a second pass frees what the first one's finalizers released
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const reply: ProbeReply = {
      type: 'sample',
      id: message.id,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      cpuUs: cpu.user + cpu.system,
      gcRan,
    };
    process.send?.(reply);
  });
  // The harness is gone (crashed or killed): stop the control plane the way an operator would.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
