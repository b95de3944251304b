// `npm start` end to end: the demo runs as a real process (control plane, sidecars, services, load),
// its printed shares follow the canary 90/10 → 50/50 → 100/0, it exits 0 at the end of the rollout
// and on Ctrl-C, and no process it started survives it.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { REPO_ROOT } from './lib/proxy.ts';

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set in every process the demo starts (they inherit the environment), to find survivors. */
  marker: string;
}

/**
 * A range of 200 ports away from a developer's own `npm start` (19000) and another run, and below
 * Linux's ephemeral ports (32768+), where any outgoing connection may be holding one for a while.
 */
const basePort = () => 20_000 + 200 * Math.floor(Math.random() * 60);

function startDemo(args: string[]): DemoRun {
  const marker = `WEFT_DEMO_TEST=${randomUUID()}`;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'demo/run.ts'),
      '--plain',
      '--base-port',
      String(basePort()),
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, WEFT_DEMO_TEST: marker.split('=')[1] },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => output, exited, marker };
}

/** Processes whose environment carries the run's marker (the demo's children and theirs). */
function survivors(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker))
        found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function waitFor(run: DemoRun, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output())) {
    if (Date.now() > deadline || run.child.exitCode !== null)
      throw new Error(`no ${pattern} in the demo's output:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function noSurvivors(t: Test, run: DemoRun): Promise<void> {
  // A stopped process may take a moment to be reaped; SIGTERMed children get 4 s before SIGKILL.
  const deadline = Date.now() + 6_000;
  let left = survivors(run.marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = survivors(run.marker);
  }
  t.same(left, [], 'no process of the demo is left');
  const configDir = /watches (\S+), a copy of examples\/demo/.exec(run.output())?.[1];
  const dir = configDir && dirname(configDir);
  t.ok(dir?.includes('weft-demo-') && !existsSync(dir), `its temporary folder (${dir}) is removed`);
}

const shares = (output: string, step: number) => {
  const line = new RegExp(`step ${step}/3 result .*?: v1 ([\\d.]+)% v2 ([\\d.]+)%`).exec(output);
  return line ? { v1: Number(line[1]), v2: Number(line[2]) } : undefined;
};

t.test('the scripted rollout: shares follow 90/10 → 50/50 → 100/0, then exit 0', async (t) => {
  const run = startDemo(['--steps-seconds', '1.5']);
  const { code } = await run.exited;
  const output = run.output();
  if (code !== 0) t.comment(output);
  t.equal(code, 0, 'exits 0 at the end of the rollout');
  const [first, second, third] = [1, 2, 3].map((step) => shares(output, step));
  t.ok(first && first.v2 >= 1 && first.v2 <= 30, `90/10: v2 got ${first?.v2}%`);
  t.ok(second && second.v1 >= 30 && second.v1 <= 70, `50/50: v1 got ${second?.v1}%`);
  t.ok(third && third.v2 <= 1, `100/0: v2 got ${third?.v2}% after the change applied`);
  t.match(output, /step 2\/3: applied by the frontend's sidecar \d+ ms after the write/);
  t.match(output, /rollout finished\nstopped 7 processes/);
  await noSurvivors(t, run);
});

t.test('Ctrl-C while traffic flows stops everything and exits 0', async (t) => {
  const run = startDemo(['--steps-seconds', '60']);
  await waitFor(run, /\[\s*[\d.]+ s\] step 1\/3/, 90_000);
  run.child.kill('SIGINT');
  const { code } = await run.exited;
  if (code !== 0) t.comment(run.output());
  t.equal(code, 0, 'exits 0 on Ctrl-C');
  t.match(run.output(), /Ctrl-C: stopping/);
  await noSurvivors(t, run);
});
