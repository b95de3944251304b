// A minimal real ADS client for tests and benches: a @grpc/grpc-js stream on the same service
// definition, recording every response and letting the caller ACK, NACK or (re)subscribe by hand.
// Every wait is bounded, so a protocol bug fails a test instead of hanging it.
import { type ClientDuplexStream, credentials, makeClientConstructor } from '@grpc/grpc-js';
import type { DiscoveryRequest, DiscoveryResponse } from './ads-stream.ts';
import { adsServiceDefinition, decodeResource } from './protos.ts';

export interface ReceivedResponse extends DiscoveryResponse {
  /** The resources decoded back from their Any values. */
  decoded: Array<Record<string, unknown>>;
}

interface Waiter {
  predicate: (response: ReceivedResponse) => boolean;
  resolve: (response: ReceivedResponse) => void;
}

export class TestAdsClient {
  readonly received: ReceivedResponse[] = [];
  /** Resolves when the server ends the stream (status OK or an error status). */
  readonly ended: Promise<{ code: number; details: string }>;
  private readonly client: InstanceType<ReturnType<typeof makeClientConstructor>>;
  private readonly call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private cursor = 0;
  private waiters: Waiter[] = [];
  private sentNode = false;

  constructor(
    address: string,
    readonly nodeId: string,
  ) {
    const Client = makeClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
    this.client = new Client(address, credentials.createInsecure());
    const method = this.client.StreamAggregatedResources as () => ClientDuplexStream<
      DiscoveryRequest,
      DiscoveryResponse
    >;
    this.call = method.call(this.client);
    this.ended = new Promise((resolve) => {
      this.call.on('status', (status: { code: number; details: string }) => resolve(status));
    });
    this.call.on('error', () => {
      // The status event carries the outcome; an unhandled 'error' would crash the test process.
    });
    this.call.on('data', (response: DiscoveryResponse) => this.onResponse(response));
  }

  /** Sends a DiscoveryRequest; the node is sent on the first request only, as Envoy does. */
  request(typeUrl: string, names: string[] = [], previous?: DiscoveryResponse): void {
    const request: DiscoveryRequest = { type_url: typeUrl, resource_names: names };
    if (!this.sentNode) {
      request.node = { id: this.nodeId };
      this.sentNode = true;
    }
    if (previous) {
      request.response_nonce = previous.nonce;
      request.version_info = previous.version_info;
    }
    this.call.write(request);
  }

  ack(response: DiscoveryResponse, names: string[] = []): void {
    this.request(response.type_url, names, response);
  }

  /** NACKs a response; version_info stays at the last accepted version, as the protocol says. */
  nack(response: DiscoveryResponse, message: string, lastGoodVersion = '', names: string[] = []): void {
    this.call.write({
      type_url: response.type_url,
      resource_names: names,
      response_nonce: response.nonce,
      version_info: lastGoodVersion,
      error_detail: { code: 3, message },
    });
  }

  /** The next not-yet-consumed response matching `predicate` (responses before it are skipped). */
  next(predicate: (response: ReceivedResponse) => boolean = () => true, timeoutMs = 3_000) {
    for (; this.cursor < this.received.length; this.cursor++) {
      const response = this.received[this.cursor]!;
      if (predicate(response)) {
        this.cursor++;
        return Promise.resolve(response);
      }
    }
    this.cursor = this.received.length;
    return new Promise<ReceivedResponse>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.nodeId}: no matching DiscoveryResponse within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next response of one type URL. */
  nextOf(typeUrl: string, timeoutMs?: number): Promise<ReceivedResponse> {
    return this.next((response) => response.type_url === typeUrl, timeoutMs);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }

  private onResponse(raw: DiscoveryResponse): void {
    const response: ReceivedResponse = {
      ...raw,
      decoded: raw.resources.map((any) => decodeResource(any.type_url, any.value)),
    };
    this.received.push(response);
    const waiter = this.waiters.find((w) => w.predicate(response));
    if (!waiter) return;
    this.waiters = this.waiters.filter((w) => w !== waiter);
    this.cursor = this.received.length;
    waiter.resolve(response);
  }
}
