// A supervisor that stops reading the proxy's stderr must not keep the proxy from shutting down:
// the pipe is made full before the proxy starts (a 4 KiB pipe filled by python3, which can set the
// pipe size, unlike Node), so every log write meets EAGAIN; SIGTERM must still end the process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { REPO_ROOT } from './lib/proxy.ts';

const SCRIPT = `
import os, fcntl, subprocess, time, signal, sys
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ
os.set_blocking(w, False)
try:
    while True: os.write(w, b'x' * 512)
except BlockingIOError:
    pass
p = subprocess.Popen(sys.argv[1:], stderr=w, stdout=subprocess.DEVNULL)
time.sleep(4)
p.send_signal(signal.SIGTERM)
try:
    print('exited', p.wait(timeout=10))
except subprocess.TimeoutExpired:
    p.kill()
    print('hung')
`;

t.test('SIGTERM ends a proxy whose stderr nobody reads', async (t) => {
  const result = spawnSync(
    'python3',
    [
      '-c',
      SCRIPT,
      process.execPath,
      '--import',
      'tsx',
      join(REPO_ROOT, 'proxy/src/cli.ts'),
      '--bootstrap',
      join(REPO_ROOT, 'test/fixtures/stalled-stderr-bootstrap.yaml'),
      '--drain-seconds',
      '1',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 },
  );
  if (result.error) return t.fail(`python3 is needed for this test: ${result.error.message}`);
  t.equal(result.stdout.trim(), 'exited 0', result.stderr);
});
