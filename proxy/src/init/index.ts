// `weft-proxy init`: the sidecar's interception setup, Istio's init container in one subcommand.
// Parses flags, builds the rules (rules.ts, pure) and runs them (execute.ts) or, with --dry-run,
// prints them as a shell script.
import { executeSteps, InitError, namespaceFamilies } from './execute.ts';
import { INIT_HELP, InitUsageError, parseInitArgs } from './options.ts';
import { cleanupSteps, type Family, renderStep, setupSteps } from './rules.ts';

export { type Cidr, DEFAULT_PROXY_UID, type InitOptions, parseInitArgs } from './options.ts';
export { CHAINS, cleanupSteps, PROXY_INBOUND_PORTS, renderStep, type Step, setupSteps } from './rules.ts';

export interface InitIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Which families to program; by default decided from this namespace's /proc/net/if_inet6. */
  readonly families?: () => Family[];
}

const processIo: InitIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs `weft-proxy init ARGS` and returns the exit status (0, or 1 after one line on stderr). */
export function runInit(argv: readonly string[], io: InitIo = processIo): number {
  try {
    const command = parseInitArgs(argv);
    if (command.kind === 'help') {
      io.stdout(INIT_HELP);
      return 0;
    }
    const families = (io.families ?? namespaceFamilies)();
    const steps = command.kind === 'cleanup' ? cleanupSteps(families) : setupSteps(command.options, families);
    if (command.dryRun) {
      const which = families.includes(6) ? 'IPv4 and IPv6' : 'IPv4 only (no IPv6 in this namespace)';
      io.stdout(`# weft-proxy init${command.kind === 'cleanup' ? ' --cleanup' : ''}: ${which}\n`);
      io.stdout(`${steps.map(renderStep).join('\n')}\n`);
      return 0;
    }
    executeSteps(steps);
    return 0;
  } catch (err) {
    if (err instanceof InitUsageError || err instanceof InitError) {
      io.stderr(`weft-proxy init: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
