// The interception rules as data: options → the exact iptables / ip6tables commands, with no I/O.
// Modelled on Istio's istio-iptables in REDIRECT mode (same chains under our prefix, same order):
//
//   nat PREROUTING -p tcp → WEFT_INBOUND: skip excluded ports → WEFT_IN_REDIRECT → REDIRECT :15006
//   nat OUTPUT -p tcp     → WEFT_OUTPUT:  skip excluded ports; skip the inbound listener's own calls
//                           to the app (source 127.0.0.6); the proxy reaching its own pod IP over lo →
//                           WEFT_IN_REDIRECT (so it passes the inbound side); other lo traffic of the
//                           app → RETURN; anything else of the proxy (uid or gid) → RETURN; to
//                           127.0.0.1 → RETURN; excluded CIDRs → RETURN; included → WEFT_REDIRECT
//                           → REDIRECT :15001
//
// Re-running is idempotent: each chain is created or, when it exists, flushed and refilled, and the
// two jumps from the built-in chains are added only when an identical one is not already there
// (iptables -C). Cleanup deletes every copy of the jumps, then flushes and deletes the chains.
import type { Cidr, InitOptions } from './options.ts';

export type Family = 4 | 6;

export interface Command {
  readonly binary: 'iptables' | 'ip6tables';
  readonly args: readonly string[];
}

/** One unit of work; `kind` says how a failing command is treated. */
export type Step =
  /** Must succeed. */
  | { readonly kind: 'run'; readonly command: Command }
  /** Run `command` only when `check` fails (the rule is not there yet). */
  | { readonly kind: 'unless'; readonly check: Command; readonly command: Command }
  /** When `command` fails (the chain exists), `fallback` must succeed. */
  | { readonly kind: 'or-else'; readonly command: Command; readonly fallback: Command }
  /** Repeat until it fails: deletes every copy of a rule. */
  | { readonly kind: 'repeat'; readonly command: Command }
  /** May fail: the thing to remove may already be gone. */
  | { readonly kind: 'try'; readonly command: Command };

export const CHAINS = ['WEFT_INBOUND', 'WEFT_REDIRECT', 'WEFT_IN_REDIRECT', 'WEFT_OUTPUT'] as const;

/**
 * Ports of the proxy itself that are never captured inbound, as Istio's injector excludes them:
 * admin (15000, bound to localhost anyway), agent status (15020), health (15021), Prometheus (15090).
 */
export const PROXY_INBOUND_PORTS: readonly number[] = [15000, 15020, 15021, 15090];

interface FamilyTraits {
  readonly binary: Command['binary'];
  readonly loopback: string;
  /** The source address Istio's inbound passthrough uses to reach the app; never redirected. */
  readonly inboundPassthroughSource: string;
}

const FAMILIES: Record<Family, FamilyTraits> = {
  4: { binary: 'iptables', loopback: '127.0.0.1/32', inboundPassthroughSource: '127.0.0.6/32' },
  6: { binary: 'ip6tables', loopback: '::1/128', inboundPassthroughSource: '::6/128' },
};

const PREROUTING_JUMP = ['PREROUTING', '-p', 'tcp', '-j', 'WEFT_INBOUND'] as const;
const OUTPUT_JUMP = ['OUTPUT', '-p', 'tcp', '-j', 'WEFT_OUTPUT'] as const;

/** `-w`: wait for the xtables lock rather than fail when another tool holds it. */
function nat(family: Family, ...args: string[]): Command {
  return { binary: FAMILIES[family].binary, args: ['-w', '-t', 'nat', ...args] };
}

/** The steps that install interception for each family, IPv4 first. */
export function setupSteps(options: InitOptions, families: readonly Family[]): Step[] {
  return families.flatMap((family) => setupStepsFor(options, family));
}

/** The steps that remove everything `setupSteps` installs, whatever options it was given. */
export function cleanupSteps(families: readonly Family[]): Step[] {
  return families.flatMap((family) => [
    { kind: 'repeat', command: nat(family, '-D', ...PREROUTING_JUMP) } as const,
    { kind: 'repeat', command: nat(family, '-D', ...OUTPUT_JUMP) } as const,
    // Flush all before deleting any: the chains jump to each other.
    ...CHAINS.map((chain) => ({ kind: 'try', command: nat(family, '-F', chain) }) as const),
    ...CHAINS.map((chain) => ({ kind: 'try', command: nat(family, '-X', chain) }) as const),
  ]);
}

function setupStepsFor(options: InitOptions, family: Family): Step[] {
  const traits = FAMILIES[family];
  const steps: Step[] = CHAINS.map((chain) => ({
    kind: 'or-else',
    command: nat(family, '-N', chain),
    fallback: nat(family, '-F', chain),
  }));
  const append = (...args: string[]) => steps.push({ kind: 'run', command: nat(family, '-A', ...args) });

  append('WEFT_REDIRECT', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(options.outboundPort));
  append('WEFT_IN_REDIRECT', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(options.inboundPort));

  const inboundExcluded = new Set([...PROXY_INBOUND_PORTS, ...options.excludeInboundPorts]);
  const captureInbound =
    options.includeInboundPorts === '*' || options.includeInboundPorts.some((p) => !inboundExcluded.has(p));
  if (options.includeInboundPorts === '*') {
    for (const port of [...inboundExcluded].sort((a, b) => a - b)) {
      append('WEFT_INBOUND', '-p', 'tcp', '--dport', String(port), '-j', 'RETURN');
    }
    append('WEFT_INBOUND', '-p', 'tcp', '-j', 'WEFT_IN_REDIRECT');
  } else {
    for (const port of options.includeInboundPorts) {
      if (!inboundExcluded.has(port)) {
        append('WEFT_INBOUND', '-p', 'tcp', '--dport', String(port), '-j', 'WEFT_IN_REDIRECT');
      }
    }
  }

  for (const port of options.excludeOutboundPorts) {
    append('WEFT_OUTPUT', '-p', 'tcp', '--dport', String(port), '-j', 'RETURN');
  }
  append('WEFT_OUTPUT', '-o', 'lo', '-s', traits.inboundPassthroughSource, '-j', 'RETURN');
  for (const [match, id] of [
    ['--uid-owner', options.proxyUid],
    ['--gid-owner', options.proxyGid],
  ] as const) {
    // The proxy calling its own pod IP (it leaves through lo) goes through the inbound side, as
    // Istio does; the app calling itself over lo is left alone; the proxy's other traffic is not
    // redirected at all.
    const owner = ['-m', 'owner', match, String(id)];
    const overLoToPodIp = ['-o', 'lo', '!', '-d', traits.loopback, '-p', 'tcp'];
    append('WEFT_OUTPUT', ...overLoToPodIp, ...owner, '-j', 'WEFT_IN_REDIRECT');
    append('WEFT_OUTPUT', '-o', 'lo', '-m', 'owner', '!', match, String(id), '-j', 'RETURN');
    append('WEFT_OUTPUT', ...owner, '-j', 'RETURN');
  }
  append('WEFT_OUTPUT', '-d', traits.loopback, '-j', 'RETURN');
  for (const cidr of ofFamily(options.excludeOutboundCidrs, family)) {
    append('WEFT_OUTPUT', '-d', cidr, '-j', 'RETURN');
  }
  if (options.includeOutboundCidrs === '*') {
    append('WEFT_OUTPUT', '-j', 'WEFT_REDIRECT');
  } else {
    for (const cidr of ofFamily(options.includeOutboundCidrs, family)) {
      append('WEFT_OUTPUT', '-d', cidr, '-j', 'WEFT_REDIRECT');
    }
  }

  // The jumps come last, so a first run never sends traffic into a half-built chain.
  if (captureInbound) steps.push(jump(family, PREROUTING_JUMP));
  steps.push(jump(family, OUTPUT_JUMP));
  return steps;
}

function jump(family: Family, rule: readonly string[]): Step {
  return { kind: 'unless', check: nat(family, '-C', ...rule), command: nat(family, '-A', ...rule) };
}

function ofFamily(cidrs: readonly Cidr[], family: Family): string[] {
  return cidrs.filter((c) => c.family === family).map((c) => c.text);
}

const SHELL_SAFE = /^[\w@%+=:,./!-]+$/;

function quote(arg: string): string {
  return SHELL_SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function commandLine(command: Command): string {
  return [command.binary, ...command.args.map(quote)].join(' ');
}

/** A step as one line of POSIX shell with the same effect: `--dry-run` prints a runnable script. */
export function renderStep(step: Step): string {
  const line = commandLine(step.command);
  switch (step.kind) {
    case 'run':
      return line;
    case 'unless':
      return `${commandLine(step.check)} 2>/dev/null || ${line}`;
    case 'or-else':
      return `${line} 2>/dev/null || ${commandLine(step.fallback)}`;
    case 'repeat':
      return `while ${line} 2>/dev/null; do :; done`;
    case 'try':
      return `${line} 2>/dev/null || true`;
  }
}
