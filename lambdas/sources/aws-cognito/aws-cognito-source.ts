/**
 * The `aws-cognito` source: the sessions departed people still hold in Cognito user pools,
 * where staff often have accounts next to customers. Discovery is a targeted lookup
 * (`discover.ts`), revocation a global sign-out, a disable and forgotten devices (`revoke.ts`).
 */
import { performance } from "node:perf_hooks";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { Config } from "../../config.ts";
import type { Clock } from "../../core/clock.ts";
import type { ActionRecord, Credential } from "../../core/model.ts";
import type {
  CredentialSource,
  DiscoverContext,
  Discovery,
  RevokeContext,
} from "../../core/ports/credential-source.ts";
import type { PreflightCheck } from "../../core/ports/preflight.ts";
import { CallCounter, errorInfo, isAwsError, TokenBucket } from "../aws-iam/aws-calls.ts";
import { CognitoCalls } from "./calls.ts";
import { discoverPools } from "./discover.ts";
import { PoolFactsCache } from "./pool-facts.ts";
import { regionOfPool } from "./pool-id.ts";
import { CognitoRevoker } from "./revoke.ts";

/** How an `AwsCognitoSource` is built. The client factory is created once per cold start by the caller. */
export interface AwsCognitoSourceOptions {
  /** A Cognito client per region (`retryMode: "adaptive"`), e.g. `AwsClients.cognito`. */
  readonly cognito: (region?: string) => CognitoIdentityProviderClient;
  /** @default the account in each pool's ARN (from DescribeUserPool) */
  readonly accountId?: string;
  readonly config: Config["sources"]["aws-cognito"];
  /** @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Observation times. @default the system clock */
  readonly clock?: Clock;
}

const systemClock: Clock = { now: () => new Date() };
const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Cognito user pool sessions of departed people, found at about one call per person per attribute. */
export class AwsCognitoSource implements CredentialSource {
  readonly id = "aws-cognito" as const;
  /** Calls made by this instance, by operation. */
  readonly calls = new CallCounter();
  readonly #options: AwsCognitoSourceOptions;
  readonly #clock: Clock;
  readonly #cognito: CognitoCalls;
  readonly #facts: PoolFactsCache;
  readonly #revoker: CognitoRevoker;

  constructor(options: AwsCognitoSourceOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const sleep = options.sleep ?? realSleep;
    // The rate limit is about wall time whatever clock findings are stamped with, so the bucket
    // reads the monotonic clock, not the injectable one.
    const bucket = new TokenBucket(options.config.requestsPerSecond, sleep, () => performance.now());
    this.#cognito = new CognitoCalls({
      client: (region) => options.cognito(region),
      counter: this.calls,
      bucket,
      sleep,
    });
    this.#facts = new PoolFactsCache(this.#cognito, options.accountId);
    this.#revoker = new CognitoRevoker({ calls: this.#cognito, config: options.config });
  }

  /**
   * Read-only checks for `iam-hygiene check`: each configured pool is described (DescribeUserPool,
   * its app clients' token lifetimes), as discovery first does.
   */
  async preflight(): Promise<PreflightCheck[]> {
    const checks: PreflightCheck[] = [];
    for (const pool of this.#options.config.pools) {
      const region = pool.region ?? regionOfPool(pool.userPoolId);
      const name = `aws-cognito: pool ${pool.userPoolId}`;
      try {
        const facts = await this.#facts.get(pool.userPoolId, region);
        checks.push({
          name,
          ok: true,
          detail: `${facts.name} in ${region}: about ${facts.estimatedUsers} users, ${facts.clients.length} app client(s); sign-in history ${facts.authEvents ? "readable" : "off (threat protection not enabled)"}`,
        });
      } catch (error) {
        const { name: errorName, message } = errorInfo(error);
        const hint = isAwsError(error, "ResourceNotFound")
          ? " (no such pool in this region: check userPoolId and region)"
          : isAwsError(error, "AccessDenied", "NotAuthorized")
            ? " (grant the Cognito statements in docs/deploy.md on this pool's ARN)"
            : "";
        checks.push({
          name,
          ok: false,
          detail: `reading the pool (DescribeUserPool, its app clients) failed: ${errorName}: ${message}${hint}`,
        });
      }
    }
    return checks;
  }

  /** Looks up every departed person in every configured pool. Never throws: failures become `problems`. */
  discover(ctx: DiscoverContext): Promise<Discovery> {
    return discoverPools(
      {
        calls: this.#cognito,
        counter: this.calls,
        facts: this.#facts,
        config: this.#options.config,
        clock: this.#clock,
      },
      ctx,
    );
  }

  /** Global sign-out, disable, forget devices: one action record per step. Never throws for provider errors. */
  revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    return this.#revoker.revoke(credential, ctx);
  }

  /** AdminGetUser: disabled is `verified`; without `disableUser`, `done` with the reason. */
  verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    return this.#revoker.verify(credential, ctx);
  }
}
