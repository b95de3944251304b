// `weftctl analyze PATH...`: istioctl analyze for a folder of Weft resources, offline. Validation
// problems come first-class (IST0106 / IST0133), then the cross-resource checks. Each message reads
//   Error [IST0101] (VirtualService default/reviews canary.yaml:17) spec.http[0]...: message
// Exit 1 when any message is an Error.
import { readFileSync } from 'node:fs';
import {
  type AnalysisMessage,
  analyze as analyzeResources,
  byPlace,
  schemaMessages,
  yamlLineLocator,
} from '../analyze/index.ts';
import { CliError, type Command, count } from './command.ts';
import { loadPaths } from './load-paths.ts';

export function formatMessage(m: AnalysisMessage): string {
  return `${m.level} [${m.code}] (${m.resource} ${m.file}:${m.line}) ${m.path ? `${m.path}: ` : ''}${m.message}`;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export const analyze: Command = {
  summary:
    'cross-resource checks like istioctl analyze: unknown hosts and subsets, conflicts (exit 1 on errors)',
  help: `Usage: weftctl analyze PATH... [--accept-istio-api] [--cluster-domain cluster.local] [--json]

Loads the files and folders given as the control plane does, then checks the resources against each
other, with istioctl analyze's message codes where Istio has the same check:
  IST0101 ReferencedResourceNotFound     a route's host, subset or port, or a gateway, that does not exist
  IST0106 SchemaValidationError          a resource the control plane would reject
  IST0109 ConflictingMeshGatewayVirtualServiceHosts   two VirtualServices for one host
  IST0112 VirtualServiceDestinationPortSelectorRequired  a multi-port destination without a port
  IST0118 PortNameIsNotUnderNamingConvention  a Service port with no protocol in its name or appProtocol
  IST0133 SchemaWarning                  a validation warning
  IST0173 DestinationRuleSubsetNotSelectPods  a subset that selects no WorkloadEntry
  IST0174 UnknownDestinationRuleHost     a DestinationRule for a host that is no service
  WFT0001 VirtualServiceHostNotInRegistry  a VirtualService host with no Service: sidecars ignore it
  WFT0002 ConflictingDestinationRuleHosts  two DestinationRules for one host: only the first applies
Exits 1 when any message is an Error, 0 otherwise.

Options:
  --accept-istio-api        accept networking.istio.io resources, as the control plane does with this flag
  --cluster-domain DOMAIN   the cluster domain short host names resolve in (default cluster.local)
  --json                    print {messages, errors, warnings, info} as JSON
`,
  options: {
    'accept-istio-api': { type: 'boolean', default: false },
    'cluster-domain': { type: 'string', default: 'cluster.local' },
    json: { type: 'boolean', default: false },
  },
  async run(values, paths) {
    if (paths.length === 0) throw new CliError('name the folder to analyze: weftctl analyze DIR');
    const loaded = await loadPaths(paths, { acceptIstioApi: values['accept-istio-api'] === true });
    const messages = [
      ...schemaMessages(loaded.diagnostics),
      ...analyzeResources(loaded.resources, {
        clusterDomain: String(values['cluster-domain']),
        lineOf: yamlLineLocator(readText),
      }),
    ].sort(byPlace);
    const tally = (level: string) => messages.filter((m) => m.level === level).length;
    const [errors, warnings, info] = [tally('Error'), tally('Warning'), tally('Info')];
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ messages, errors, warnings, info }, null, 2)}\n`);
    } else {
      for (const m of messages) process.stdout.write(`${formatMessage(m)}\n`);
      const where = `${count(loaded.resources.length, 'resource')} in ${paths.join(' ')}`;
      process.stdout.write(
        messages.length === 0
          ? `✔ No issues found when analyzing ${where}.\n`
          : `${errors > 0 ? 'Error' : 'Done'}: ${count(errors, 'error')}, ${count(warnings, 'warning')}, ${info} info when analyzing ${where}.\n`,
      );
    }
    return errors > 0 ? 1 : 0;
  },
};
