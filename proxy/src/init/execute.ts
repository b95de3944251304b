// Runs rule steps with the real iptables binaries, one process per command (a few dozen at pod
// start; no shell in between, so arguments are passed exactly as built).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Command, commandLine, type Family, type Step } from './rules.ts';

export class InitError extends Error {}

interface Outcome {
  readonly ok: boolean;
  /** First line of stderr, for the error message. */
  readonly reason: string;
}

/** Guards `repeat` steps against a command that keeps succeeding for some unexpected reason. */
const MAX_REPEATS = 64;

function invoke(command: Command): Outcome {
  const result = spawnSync(command.binary, command.args, {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30_000,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new InitError(
        `${command.binary} not found in PATH: install iptables (e.g. apt-get install iptables)`,
      );
    }
    throw new InitError(`${commandLine(command)}: ${result.error.message}`);
  }
  const reason = (result.stderr ?? '').trim().split('\n')[0] || `exit status ${result.status}`;
  return { ok: result.status === 0, reason };
}

function mustSucceed(command: Command, outcome: Outcome): void {
  if (!outcome.ok) throw new InitError(`${commandLine(command)} failed: ${outcome.reason}`);
}

/** Executes the steps in order; throws InitError (one line) at the first command that must not fail. */
export function executeSteps(steps: readonly Step[]): void {
  for (const step of steps) {
    switch (step.kind) {
      case 'run':
        mustSucceed(step.command, invoke(step.command));
        break;
      case 'unless':
        if (!invoke(step.check).ok) mustSucceed(step.command, invoke(step.command));
        break;
      case 'or-else': {
        const first = invoke(step.command);
        // When both fail, the first error is the informative one (e.g. permission denied).
        if (!first.ok && !invoke(step.fallback).ok) mustSucceed(step.command, first);
        break;
      }
      case 'repeat':
        for (let i = 0; i < MAX_REPEATS && invoke(step.command).ok; i++);
        break;
      case 'try':
        invoke(step.command);
        break;
    }
  }
}

/**
 * The families to program: IPv4 always; IPv6 when this network namespace has any IPv6 address
 * (/proc/net/if_inet6 is per namespace and empty or absent when IPv6 is disabled or not built in).
 * Loopback's ::1 alone counts too: rules for a family with nowhere to go are harmless, while missing
 * rules for one that gains an address later would let its traffic bypass the proxy.
 */
export function namespaceFamilies(ifInet6Path = '/proc/net/if_inet6'): Family[] {
  let text = '';
  try {
    text = readFileSync(ifInet6Path, 'utf8');
  } catch {
    // No IPv6 in this kernel.
  }
  return text.trim() === '' ? [4] : [4, 6];
}
