// weft-control-plane: translates Istio-style resources into xDS for the proxies. The control-plane
// issue builds it; until then it only describes itself.
const HELP = `weft-control-plane — Weft's control plane (not implemented yet)

Usage:
  weft-control-plane --help

The control plane (resources → validated model → xDS over ADS) is tracked in its own issue.
`;

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help')) {
  process.stdout.write(HELP);
} else {
  process.stderr.write(`weft-control-plane: unknown arguments ${args.join(' ')} (only --help exists yet)\n`);
  process.exit(1);
}
