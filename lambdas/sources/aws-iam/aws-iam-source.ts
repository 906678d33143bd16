/**
 * The `aws-iam` credential source: IAM users' access keys, console passwords, SSH keys,
 * service-specific credentials, signing certificates, and the STS sessions they may already
 * hold. Discovery lives in `discover.ts`, revocation in `revoke.ts`, CloudTrail evidence in
 * `investigate.ts`.
 */
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { GetAccountAuthorizationDetailsCommand, type IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { Config } from "../../config.ts";
import { type Clock, DAY_MS } from "../../core/clock.ts";
import type { ActionRecord, Credential, Evidence } from "../../core/model.ts";
import type {
  CredentialSource,
  DiscoverContext,
  Discovery,
  HousekeepingAction,
  HousekeepingContext,
  RevokeContext,
} from "../../core/ports/credential-source.ts";
import type { PreflightCheck } from "../../core/ports/preflight.ts";
import { CallCounter, errorInfo, isAwsError, TokenBucket } from "./aws-calls.ts";
import { discoverAccount } from "./discover.ts";
import { investigateAccessKey } from "./investigate.ts";
import { AwsIamRevoker, type QuarantinedKey, quarantinedKeysIn } from "./revoke.ts";

/** How an `AwsIamSource` is built. Clients are created once per cold start by the caller. */
export interface AwsIamSourceOptions {
  /** An IAM client with `retryMode: "adaptive"`: throttling is absorbed by the SDK. */
  readonly iam: IAMClient;
  /** For `investigate`. @default none: investigation reports that CloudTrail was not read */
  readonly cloudTrail?: CloudTrailClient;
  /** For the account id when `accountId` is not given. */
  readonly sts?: STSClient;
  /** @default from STS GetCallerIdentity */
  readonly accountId?: string;
  readonly config: Config["sources"]["aws-iam"];
  readonly ownership: Config["ownership"];
  /** @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Wall clock for observation times and the CloudTrail rate limit. @default the system clock */
  readonly clock?: Clock;
  /** Total time to wait for the credential report. @default 300_000 */
  readonly reportTimeoutMs?: number;
  /** Pages of 50 CloudTrail events read per investigation. @default 10 */
  readonly maxCloudTrailPages?: number;
}

/** The account id could not be found: no `accountId` and no working STS client. */
export class AccountIdUnavailableError extends Error {
  override readonly name = "AccountIdUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const systemClock: Clock = { now: () => new Date() };
const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** IAM credentials of one AWS account, discovered at O(1) + O(departed users) calls. */
export class AwsIamSource implements CredentialSource {
  readonly id = "aws-iam" as const;
  /** Calls made by revocation, verification and investigation, by operation. */
  readonly calls = new CallCounter();
  readonly #options: AwsIamSourceOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #clock: Clock;
  readonly #revoker: AwsIamRevoker;
  readonly #bucket: TokenBucket;
  #accountId: Promise<string> | undefined;

  constructor(options: AwsIamSourceOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? realSleep;
    this.#clock = options.clock ?? systemClock;
    this.#revoker = new AwsIamRevoker({ iam: options.iam, calls: this.calls, config: options.config });
    this.#bucket = new TokenBucket(options.config.cloudTrailRequestsPerSecond, this.#sleep, () =>
      this.#clock.now().getTime(),
    );
    if (options.accountId !== undefined) this.#accountId = Promise.resolve(options.accountId);
  }

  /** The account id: given, or from STS GetCallerIdentity (once), counted in `calls`. */
  accountId(calls: CallCounter = this.calls): Promise<string> {
    if (this.#accountId) return this.#accountId;
    const sts = this.#options.sts;
    if (!sts) return Promise.reject(new AccountIdUnavailableError("give accountId or an STS client"));
    const pending = calls
      .run("sts:GetCallerIdentity", () => sts.send(new GetCallerIdentityCommand({})))
      .then((who) => {
        if (!who.Account) throw new AccountIdUnavailableError("GetCallerIdentity returned no account");
        return who.Account;
      })
      .catch((error: unknown) => {
        this.#accountId = undefined;
        throw error instanceof AccountIdUnavailableError
          ? error
          : new AccountIdUnavailableError("GetCallerIdentity failed", { cause: error });
      });
    this.#accountId = pending;
    return pending;
  }

  /**
   * Read-only checks for `iam-hygiene check`: who the scan runs as (GetCallerIdentity), and that it
   * may read the account's users (GetAccountAuthorizationDetails, one user). Write permissions
   * cannot be checked without writing; docs/deploy.md lists them.
   */
  async preflight(): Promise<PreflightCheck[]> {
    const checks: PreflightCheck[] = [];
    const sts = this.#options.sts;
    try {
      const who = sts ? await sts.send(new GetCallerIdentityCommand({})) : undefined;
      const account = who?.Account ?? (await this.accountId());
      checks.push({
        name: "aws-iam: identity",
        ok: true,
        detail: `account ${account}${who?.Arn ? ` as ${who.Arn}` : ""}`,
      });
    } catch (error) {
      const { name, message } = errorInfo(error);
      checks.push({
        name: "aws-iam: identity",
        ok: false,
        detail: `GetCallerIdentity failed: ${name}: ${message} (AWS credentials or region missing or refused)`,
      });
      return checks;
    }
    try {
      await this.#options.iam.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: ["User"], MaxItems: 1 }),
      );
      checks.push({
        name: "aws-iam: read users",
        ok: true,
        detail: "GetAccountAuthorizationDetails answers",
      });
    } catch (error) {
      const { name, message } = errorInfo(error);
      checks.push({
        name: "aws-iam: read users",
        ok: false,
        detail: `GetAccountAuthorizationDetails failed: ${name}: ${message}${
          isAwsError(error, "AccessDenied")
            ? ' (grant the read statements in docs/deploy.md, "Permissions")'
            : ""
        }`,
      });
    }
    return checks;
  }

  /** Discovers the account's credentials. Never throws: failures become `problems`. */
  async discover(ctx: DiscoverContext): Promise<Discovery> {
    // Each run counts its own calls, so `stats` describe this discovery alone.
    const calls = new CallCounter();
    let accountId: string;
    try {
      accountId = await this.accountId(calls);
    } catch (error) {
      const { name, message } = errorInfo(error);
      return {
        credentials: [],
        // Without its account the source scans nothing: the whole source failed.
        problems: [
          {
            source: "aws-iam",
            subject: "source",
            errorName: name,
            message: `account id unknown: ${message}`,
          },
        ],
        stats: calls.stats(),
        notes: [],
      };
    }
    const discovery = await discoverAccount(
      {
        iam: this.#options.iam,
        calls,
        accountId,
        config: this.#options.config,
        ownership: this.#options.ownership,
        sleep: this.#sleep,
        clock: this.#clock,
        reportTimeoutMs: this.#options.reportTimeoutMs ?? 300_000,
      },
      ctx,
    );
    return { ...discovery, accounts: [accountId] };
  }

  /** Revokes one credential (per key id, reversibly). Never throws for provider errors. */
  revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    return this.#revoker.revoke(credential, ctx);
  }

  /** Reads one credential back after revocation. */
  verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    return this.#revoker.verify(credential, ctx);
  }

  /** Deletes access keys deactivated by this scanner more than `deleteKeysAfterDays` ago. */
  purgeQuarantined(keys: readonly QuarantinedKey[], now: Date): Promise<ActionRecord[]> {
    return this.#revoker.purgeQuarantined(keys, now);
  }

  /**
   * Purges quarantined access keys: those the store's history says this scanner deactivated in
   * this account more than `deleteKeysAfterDays` ago, read again and deleted only if still
   * inactive. Keys not yet due are left alone (nothing recorded); with the option off (null),
   * nothing is read or deleted. Each outcome is returned for every finding that recorded the key.
   */
  async housekeeping(ctx: HousekeepingContext): Promise<HousekeepingAction[]> {
    const days = this.#options.config.deleteKeysAfterDays;
    if (days === null) return [];
    let accountId: string;
    try {
      accountId = await this.accountId();
    } catch {
      // Discovery has already reported the account as a problem; nothing can be purged blind.
      return [];
    }
    const due = quarantinedKeysIn(ctx.history, accountId).filter(
      ({ key }) => key.deactivatedAt.getTime() + days * DAY_MS <= ctx.now.getTime(),
    );
    // A principal protected, or excepted, since its key was deactivated keeps the key: a
    // deletion cannot be undone, so the policy's word is asked again now.
    const held = due.map(({ key, findingIds }) => ctx.leaveAlone?.({ principal: key.userName, findingIds }));
    const purged = await this.purgeQuarantined(
      due.filter((_, i) => held[i] === undefined).map((d) => d.key),
      ctx.now,
    );
    let next = 0;
    return due.flatMap(({ key, findingIds }, i) => {
      const why = held[i];
      const action: ActionRecord | undefined =
        why === undefined
          ? purged[next++]
          : {
              type: "revoke",
              status: "skipped",
              detail: `DeleteAccessKey ${key.accessKeyId} (user ${key.userName}): left alone: ${why}`,
              at: ctx.now,
            };
      return action ? findingIds.map((findingId) => ({ findingId, action })) : [];
    });
  }

  /**
   * CloudTrail evidence for an access key since `since` (usually the departure). Other
   * kinds, and runs without CloudTrail, answer with evidence saying why nothing was read.
   * Never throws: a CloudTrail failure is recorded in the evidence.
   */
  async investigate(credential: Credential, since: Date): Promise<Evidence> {
    const cloudTrail = this.#options.cloudTrail;
    if (credential.kind !== "access-key") {
      return {
        cloudTrail: "not-applicable",
        reason: `CloudTrail lookup is by access key id, not ${credential.kind}`,
      };
    }
    if (!cloudTrail || !this.#options.config.cloudTrailLookup) {
      return { cloudTrail: "off", reason: "cloudTrailLookup is off or no CloudTrail client was given" };
    }
    try {
      const accessKeyId = await this.#revoker.accessKeyIdOf(credential);
      return await investigateAccessKey(
        {
          cloudTrail,
          calls: this.calls,
          bucket: this.#bucket,
          maxPages: this.#options.maxCloudTrailPages ?? 10,
        },
        accessKeyId,
        since,
        this.#clock.now(),
      );
    } catch (error) {
      const { name, message } = errorInfo(error);
      return { cloudTrail: "failed", errorName: name, errorMessage: message };
    }
  }
}
