// weftctl: the operator CLI. Offline: `validate` and `analyze` a folder of resources. Against a
// running control plane (its monitoring port): `status`, `proxy-status`, `proxy-config`.
import { analyze } from './analyze.ts';
import { CliError, type Command, parseCommand } from './command.ts';
import { proxyConfig } from './proxy-config.ts';
import { proxyStatus } from './proxy-status.ts';
import { status } from './status.ts';
import { validate } from './validate.ts';

const COMMANDS: Readonly<Record<string, Command>> = {
  validate,
  analyze,
  status,
  'proxy-status': proxyStatus,
  'proxy-config': proxyConfig,
};

const HELP = `weftctl — operate a Weft mesh

Usage: weftctl COMMAND [ARGS] [FLAGS]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`)
  .join('\n')}

Run weftctl COMMAND --help for a command's arguments and flags.
`;

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    process.stdout.write(topic && COMMANDS[topic] ? COMMANDS[topic].help : HELP);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const what = name.startsWith('-') ? `unknown flag ${name}` : `unknown command "${name}"`;
    throw new CliError(`${what} (see weftctl --help)`);
  }
  const { values, positionals } = parseCommand(name, command, rest);
  if (values.help) {
    process.stdout.write(command.help);
    return 0;
  }
  return command.run(values, positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof CliError ? err.message : ((err as Error)?.stack ?? String(err));
    process.stderr.write(`weftctl: ${message}\n`);
    process.exitCode = 1;
  },
);
