// What every weftctl subcommand is: its flags, its help, and a run function that returns the exit
// code. A user mistake is a CliError, printed as one line by the entry point.
import { type ParseArgsConfig, parseArgs } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  /** One line for `weftctl --help`. */
  readonly summary: string;
  /** The command's own help: usage, then what each flag does. */
  readonly help: string;
  readonly options: Options;
  run(values: Values, positionals: string[]): Promise<number>;
}

export class CliError extends Error {}

/** The monitoring address commands that ask the control plane default to (Istio's 15014). */
export const CONTROL_PLANE_OPTION: Options = {
  'control-plane': { type: 'string', default: '127.0.0.1:15014' },
};

/** Parses one subcommand's flags strictly; an unknown or malformed flag is one clear line. */
export function parseCommand(
  name: string,
  command: Command,
  args: string[],
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...command.options, help: { type: 'boolean', short: 'h', default: false } },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = /'(-{1,2}[\w-]+)/.exec(e.message)?.[1] ?? '';
    let problem = e.message.split('. ')[0]!;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') problem = `unknown flag ${flag}`;
    else if (/argument missing/.test(e.message)) problem = `flag ${flag} needs a value`;
    else if (/does not take an argument/.test(e.message)) problem = `flag ${flag} takes no value`;
    throw new CliError(`${problem} for "weftctl ${name}" (see weftctl ${name} --help)`);
  }
}

/** Plain columns: each padded to its widest cell, the last left ragged. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return `${rows.map(line).join('\n')}\n`;
}

/** `1 error`, `2 warnings`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
