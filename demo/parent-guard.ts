// Preloaded into every process the demo starts (`node --import tsx --import demo/parent-guard.ts …`).
// The demo stops its children itself on exit and on Ctrl-C; this covers the case it cannot: the demo
// killed outright (SIGKILL, a crashed terminal). Its IPC channel then closes, and the child stops
// itself the way an operator would, with SIGTERM, instead of lingering on the demo's ports.
/** A graceful stop that has not finished by then is cut short. */
const FORCE_EXIT_MS = 5_000;

if (process.send) {
  process.on('disconnect', () => {
    // The demo held the other end of this process's stdout and stderr too, so they are broken
    // pipes now, and a graceful stop can wait forever on a log line it cannot write (weft-proxy's
    // asynchronous logger does). Hence the deadline.
    setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
}
