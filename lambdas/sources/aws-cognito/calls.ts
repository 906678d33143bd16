/**
 * Every Cognito call of this source goes through `CognitoCalls`: one token bucket keeps the
 * whole source under `requestsPerSecond`, each call is counted, and a throttled call is retried a
 * few more times after the SDK's own adaptive retry gave up. Cognito's quotas are per account
 * and per category (ListUsers is in `UserRead`), shared with the application that owns the pool,
 * so the scanner must never spend them all:
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations
 */
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { type CallCounter, isAwsError, type TokenBucket } from "../aws-iam/aws-calls.ts";

/** What `CognitoCalls` needs. */
export interface CognitoCallsDeps {
  /** The caller's client factory (one client per region, adaptive retry). */
  readonly client: (region: string) => CognitoIdentityProviderClient;
  readonly counter: CallCounter;
  readonly bucket: TokenBucket;
  readonly sleep: (ms: number) => Promise<void>;
  /** Attempts after the SDK's own retries gave up on throttling. @default 4 */
  readonly throttleRetries?: number;
  /** First back-off of our own retry, doubled each time. @default 500 */
  readonly baseDelayMs?: number;
}

/** Rate-limited, counted, throttle-tolerant Cognito calls. */
export class CognitoCalls {
  readonly #clients = new Map<string, CognitoIdentityProviderClient>();

  constructor(private readonly deps: CognitoCallsDeps) {}

  /** The client for `region`, asked of the factory once. */
  client(region: string): CognitoIdentityProviderClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = this.deps.client(region);
      this.#clients.set(region, client);
    }
    return client;
  }

  /**
   * Sends one request: waits for a token, counts it under `cognito-idp:<operation>`, and retries
   * `TooManyRequestsException` with exponential back-off (jittered, so parallel workers spread out).
   */
  async send<T>(
    operation: string,
    region: string,
    call: (client: CognitoIdentityProviderClient) => Promise<T>,
  ): Promise<T> {
    const client = this.client(region);
    const retries = this.deps.throttleRetries ?? 4;
    const base = this.deps.baseDelayMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      await this.deps.bucket.take();
      try {
        return await this.deps.counter.run(`cognito-idp:${operation}`, () => call(client));
      } catch (error) {
        if (attempt >= retries || !isAwsError(error, "TooManyRequests")) throw error;
        const delay = base * 2 ** attempt;
        await this.deps.sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }
}
