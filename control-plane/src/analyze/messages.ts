// The catalogue of analysis messages. Where istioctl analyze has a check for the same problem, the
// code, name and level are Istio's (users' searches and CI filters carry over); checks Istio has no
// counterpart for, because they come from how Weft translates, use WFT codes.
import type { Path } from '../model/index.ts';

export type Level = 'Error' | 'Warning' | 'Info';

export interface MessageType {
  readonly code: string;
  readonly name: string;
  readonly level: Level;
}

function type(code: string, name: string, level: Level): MessageType {
  return { code, name, level };
}

export const MESSAGES = {
  referencedResourceNotFound: type('IST0101', 'ReferencedResourceNotFound', 'Error'),
  schemaValidationError: type('IST0106', 'SchemaValidationError', 'Error'),
  conflictingMeshGatewayVirtualServiceHosts: type(
    'IST0109',
    'ConflictingMeshGatewayVirtualServiceHosts',
    'Error',
  ),
  destinationPortSelectorRequired: type('IST0112', 'VirtualServiceDestinationPortSelectorRequired', 'Error'),
  portNameNotUnderNamingConvention: type('IST0118', 'PortNameIsNotUnderNamingConvention', 'Info'),
  schemaWarning: type('IST0133', 'SchemaWarning', 'Warning'),
  destinationRuleSubsetNotSelectWorkloads: type('IST0173', 'DestinationRuleSubsetNotSelectPods', 'Error'),
  unknownDestinationRuleHost: type('IST0174', 'UnknownDestinationRuleHost', 'Warning'),
  // Weft translates a VirtualService only for hosts in its registry; Istio would pass others to DNS.
  virtualServiceHostNotInRegistry: type('WFT0001', 'VirtualServiceHostNotInRegistry', 'Warning'),
  // Weft applies the oldest DestinationRule for a host (first by namespace/name); Istio may merge.
  conflictingDestinationRuleHosts: type('WFT0002', 'ConflictingDestinationRuleHosts', 'Warning'),
} as const satisfies Record<string, MessageType>;

/** One finding of `weftctl analyze`, placed like a validation diagnostic. */
export interface AnalysisMessage extends MessageType {
  /** `VirtualService default/reviews`, as validation diagnostics name resources. */
  readonly resource: string;
  readonly file: string;
  readonly line: number;
  /** `spec.http[0].route[1].destination.subset`; empty for the resource as a whole. */
  readonly path: string;
  /** What is wrong and what to do about it. */
  readonly message: string;
}

/** A finding before it is placed: the field path is resolved to a line by the caller's locator. */
export interface Finding {
  readonly type: MessageType;
  readonly path: Path;
  readonly message: string;
}

const LEVEL_ORDER: Record<Level, number> = { Error: 0, Warning: 1, Info: 2 };

/** Stable output order: by file, line, then level and code. */
export function byPlace(a: AnalysisMessage, b: AnalysisMessage): number {
  return (
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
    a.code.localeCompare(b.code) ||
    a.path.localeCompare(b.path)
  );
}
