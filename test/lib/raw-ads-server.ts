// A bare ADS server for protocol tests: it records every DiscoveryRequest a client sends and sends
// exactly the responses a test writes (the real AdsServer decides those itself). One stream at a time.
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../control-plane/src/xds/ads-stream.ts';
import { adsServiceDefinition, encodeResource } from '../../control-plane/src/xds/protos.ts';

type AdsCall = ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

export class RawAdsServer {
  readonly requests: DiscoveryRequest[] = [];
  private readonly server = new Server();
  private call: AdsCall | undefined;
  private waiters: Array<() => void> = [];

  async start(): Promise<number> {
    this.server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: AdsCall) => {
        this.call = call;
        call.on('data', (request: DiscoveryRequest) => {
          this.requests.push(request);
          this.wake();
        });
        call.on('error', () => {});
        this.wake();
      },
    });
    return new Promise((resolve, reject) => {
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
  }

  send(typeUrl: string, version: string, nonce: string, resources: object[]): void {
    if (!this.call) throw new Error('no ADS stream is open');
    this.call.write({
      version_info: version,
      type_url: typeUrl,
      nonce,
      resources: resources.map((r) => ({ type_url: typeUrl, value: encodeResource(typeUrl, r) })),
    });
  }

  /** The first recorded request that matches, waiting (at most `timeoutMs`) for it to arrive. */
  async request(match: (r: DiscoveryRequest) => boolean, timeoutMs = 5000): Promise<DiscoveryRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a DiscoveryRequest');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): void {
    this.call?.end();
    this.server.forceShutdown();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
