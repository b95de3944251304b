// Who a connected proxy is, from its xDS node: namespace and labels decide what it sees (short
// host names resolve in its own namespace; sourceLabels matches). Weft's proxies send NAMESPACE and
// LABELS (JSON) in node metadata, as Istio's do; an Istio-style node id (`sidecar~IP~pod.ns~…`)
// is the fallback for the namespace.
import type { ProxyIdentity } from './translate/index.ts';

export function proxyIdentity(
  nodeId: string,
  metadata: Readonly<Record<string, string>>,
  userAgent = '',
): ProxyIdentity {
  let namespace = metadata.NAMESPACE;
  if (!namespace) {
    const podDotNamespace = nodeId.split('~')[2] ?? '';
    const dot = podDotNamespace.indexOf('.');
    namespace = dot > 0 ? podDotNamespace.slice(dot + 1) : 'default';
  }
  let labels: Record<string, string> = {};
  if (metadata.LABELS) {
    try {
      const parsed: unknown = JSON.parse(metadata.LABELS);
      if (parsed && typeof parsed === 'object') labels = parsed as Record<string, string>;
    } catch {
      // malformed LABELS: treat the proxy as unlabelled rather than refusing it
    }
  }
  // Istio's proxyless bootstrap says GENERATOR=grpc; a gRPC xDS client also names itself in
  // user_agent_name ("gRPC Go", "gRPC Node Pure JS", ...), which covers bootstraps without it.
  const proxyless = metadata.GENERATOR === 'grpc' || userAgent.startsWith('gRPC ');
  const interception =
    metadata.INTERCEPTION_MODE === 'REDIRECT'
      ? {
          outbound: port(metadata.OUTBOUND_PORT, 15001),
          inbound: port(metadata.INBOUND_PORT, 15006),
          // INSTANCE_IPS lists the pod's addresses (Istio's metadata): an IPv6 one means dual stack.
          dualStack: (metadata.INSTANCE_IPS ?? '').includes(':'),
        }
      : undefined;
  return {
    nodeId,
    namespace,
    labels,
    ...(proxyless ? { generator: 'grpc' as const } : {}),
    ...(interception ? { interception } : {}),
  };
}

function port(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : fallback;
}
