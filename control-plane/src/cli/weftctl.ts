// weftctl: the operator CLI. Commands arrive with the control-plane issue; until then only --help.
const HELP = `weftctl — operate a Weft mesh (not implemented yet)

Usage:
  weftctl --help

Commands (status, proxy-config, validate) arrive with the control plane.
`;

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help')) {
  process.stdout.write(HELP);
} else {
  process.stderr.write(`weftctl: unknown arguments ${args.join(' ')} (only --help exists yet)\n`);
  process.exit(1);
}
