// `weftctl analyze`: cross-resource checks over validated resources, like istioctl analyze. Each
// check is a pure function of (resource, index) → findings; this module runs them and places each
// finding at file:line. Validation's own diagnostics become Istio's schema messages, so one run
// reports everything wrong with a folder.
import { type Diagnostic, formatPath, type Resource } from '../model/index.ts';
import { checkDestinationRule } from './destination-rule.ts';
import type { LineOf } from './locate.ts';
import { indexMesh, keyOf } from './mesh-index.ts';
import { type AnalysisMessage, byPlace, type Finding, MESSAGES } from './messages.ts';
import { checkService } from './service.ts';
import { checkVirtualService } from './virtual-service.ts';

export interface AnalyzeOptions {
  /** Kubernetes cluster domain, as the control plane's translation uses it. */
  readonly clusterDomain?: string;
  /** Places a field path; without it every finding gets its resource's first line. */
  readonly lineOf?: LineOf;
}

export function analyze(resources: readonly Resource[], options: AnalyzeOptions = {}): AnalysisMessage[] {
  const index = indexMesh(resources, options.clusterDomain);
  const lineOf = options.lineOf ?? ((r: Resource) => r.origin.line);
  const messages: AnalysisMessage[] = [];
  for (const resource of resources) {
    for (const finding of findingsFor(resource, index)) {
      messages.push({
        ...finding.type,
        resource: keyOf(resource),
        file: resource.origin.file,
        line: lineOf(resource, finding.path),
        path: formatPath(finding.path),
        message: finding.message,
      });
    }
  }
  return messages.sort(byPlace);
}

function findingsFor(resource: Resource, index: ReturnType<typeof indexMesh>): Finding[] {
  switch (resource.kind as string) {
    case 'VirtualService':
      return checkVirtualService(resource, index);
    case 'DestinationRule':
      return checkDestinationRule(resource, index);
    case 'Service':
      return checkService(resource);
    default:
      return [];
  }
}

/** Validation diagnostics as analysis messages: errors are IST0106, warnings IST0133. */
export function schemaMessages(diagnostics: readonly Diagnostic[]): AnalysisMessage[] {
  return diagnostics.map((d) => ({
    ...(d.severity === 'error' ? MESSAGES.schemaValidationError : MESSAGES.schemaWarning),
    resource: d.resource,
    file: d.file,
    line: d.line,
    path: d.path,
    message: d.message,
  }));
}
