/**
 * One iteration of the org-wide Step Functions Distributed Map: assume the scanner role in a
 * member account and scan that account's IAM credentials there, and the Cognito pools configured
 * with that account. The credential sources' clients (IAM, STS, CloudTrail, Cognito) and Security
 * Hub use the member role, which grants the sources' actions (Cognito's on the configured member
 * pools only) and, when Security Hub is on, `BatchImportFindings` on the member account's default
 * product (Security Hub takes a default-product finding only from the account it names). The
 * departure list, the store, audit and reports, secrets and notifications stay in the security
 * account, with this function's own role. The store is shared, so the lease and "no longer
 * seen" are scoped to the member account.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import middy from "@middy/core";
import * as z from "zod";
import { AwsClients, awsRequestHandler } from "../aws-clients.ts";
import type { Config } from "../config.ts";
import { METRIC_NAMESPACE } from "../observability.ts";
import { runScan, type ScanReport, type ScanRequest } from "../scan.ts";
import { type Runtime, scanDependencies } from "../wiring.ts";
import { lambdaRuntime } from "./lambda-runtime.ts";
import { publishAccountScanFailure, publishScanMetrics } from "./scan-metrics.ts";

const eventSchema = z
  .object({
    accountId: z.string().regex(/^\d{12}$/, "a 12-digit account id"),
    roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, "a role ARN"),
    externalId: z.string().min(1).optional(),
  })
  .strict()
  // The role decides which account is read; the account id scopes the lease, the metrics and
  // "no longer seen". A mismatch would resolve one account's findings with another's credentials.
  .refine((e) => e.roleArn.split(":")[4] === e.accountId, {
    message: "the role ARN is in another account than accountId",
    path: ["roleArn"],
  });

/** The member account an iteration scans, and the role it assumes there. */
export type OrgScanTarget = z.infer<typeof eventSchema>;

/** An org iteration event that is not `{ accountId, roleArn }`. */
export class OrgScanEventError extends Error {
  override readonly name = "OrgScanEventError";
}

/**
 * The member role could not be assumed (refused, or answered without credentials): the account
 * is outside the StackSet's target OUs, or its stack instance is missing. Such an account's
 * iteration fails and counts toward the map's tolerated share, as before any scan started.
 */
export class MemberRoleError extends Error {
  override readonly name = "MemberRoleError";
}

/**
 * The sources scanned in every member account: `aws-iam`, and `aws-cognito` for the pools whose
 * `account` is that member account (the member role grants Cognito actions on those pools only,
 * lib/org/scanner-role-template.ts). The others are scanned once, by the security account's own
 * scan: Google Workspace, Okta and GitHub are organization-wide, and a pool without `account`
 * is the security account's.
 */
export const MEMBER_ACCOUNT_SOURCES: readonly string[] = ["aws-iam", "aws-cognito"];

/**
 * The config a member-account scan of `accountId` runs with, and the enabled sources it leaves to
 * the security account. Its Cognito pools are the ones configured for `accountId`, without their
 * `account` (in the member's own scan they are its own).
 */
export function memberAccountConfig(
  config: Config,
  accountId: string,
): { config: Config; skipped: string[] } {
  const skipped: string[] = [];
  const sources: Record<string, unknown> = { ...config.sources };
  for (const [name, section] of Object.entries(config.sources)) {
    if (!section?.enabled) continue;
    if (name === "aws-cognito") {
      const cognito = config.sources["aws-cognito"];
      const pools = cognito.pools
        .filter((pool) => pool.account === accountId)
        .map(({ account: _account, ...pool }) => pool);
      if (pools.length > 0) {
        sources[name] = { ...cognito, pools };
        continue;
      }
    } else if (MEMBER_ACCOUNT_SOURCES.includes(name)) continue;
    skipped.push(name);
    sources[name] = { ...section, enabled: false };
  }
  return { config: { ...config, sources: sources as Config["sources"] }, skipped };
}

/**
 * The member account's clients, signed with the assumed role: the IAM source's (IAM, STS,
 * CloudTrail, imported statically), Cognito's (loaded when a pool is configured for the
 * account) and Security Hub's (loaded by the publisher when on).
 */
export function memberSourceClients(credentials: AwsCredentialIdentity): AwsClients {
  return new AwsClients({ credentials }, { iam: IAMClient, sts: STSClient, cloudTrail: CloudTrailClient });
}

/** What `orgAccountScanner` needs. */
export interface OrgAccountScannerOptions {
  /** The security account's runtime (config, store, audit, secrets, clients), built once per cold start. */
  readonly home: () => Runtime;
  /** STS with the security account's credentials: assumes the member role. */
  readonly sts: STSClient;
}

/** Scans one member account: its IAM and its configured pools through the assumed role, everything else from the security account. */
export function orgAccountScanner(
  options: OrgAccountScannerOptions,
): (target: OrgScanTarget, request: ScanRequest) => Promise<ScanReport> {
  return async (target, request) => {
    const home = options.home();
    const assumed = await options.sts
      .send(
        new AssumeRoleCommand({
          RoleArn: target.roleArn,
          RoleSessionName: `iam-hygiene-${target.accountId}`,
          DurationSeconds: 3600,
          ...(target.externalId ? { ExternalId: target.externalId } : {}),
        }),
      )
      .catch((error: unknown) => {
        // Refused: no role there to scan with. Anything else (throttling, an STS outage) is a failure.
        if ((error as { name?: string }).name !== "AccessDenied") throw error;
        throw new MemberRoleError(
          `AssumeRole ${target.roleArn} refused: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      });
    const creds = assumed.Credentials;
    if (!creds?.AccessKeyId || !creds.SecretAccessKey) {
      throw new MemberRoleError(`AssumeRole ${target.roleArn} returned no credentials`);
    }
    const { config, skipped } = memberAccountConfig(home.config, target.accountId);
    if (skipped.length > 0) {
      home.log?.info("sources left to the security account's own scan", {
        accountId: target.accountId,
        skipped,
      });
    }
    const sourceClients = memberSourceClients({
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretAccessKey,
      ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}),
      ...(creds.Expiration ? { expiration: creds.Expiration } : {}),
    });
    const deps = await scanDependencies({ ...home, config, sourceClients });
    // The departure list is the company's; one member account's identities say nothing about
    // the share of the company it names (a 10-person list is 40% of a 25-user account). Only
    // the growth check holds here; the share is judged by the security account's own scan,
    // which sees the organization-wide sources.
    const assess = deps.assessDepartures;
    return runScan(assess ? { ...deps, assessDepartures: (list) => assess(list, 0) } : deps, request);
  };
}

/** What the handler needs; tests pass their own. */
export interface OrgScanDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly scanAccount: (target: OrgScanTarget, request: ScanRequest) => Promise<ScanReport>;
}

/** Builds the handler around its dependencies. */
export function makeHandler(deps: OrgScanDeps) {
  // No early timeout (see the scheduled scan's handler): Lambda ends the invocation at its
  // deadline and resets the environment, so an abandoned scan cannot act on. The deadline watch
  // publishes the account's failure just before, as any failed scan does.
  return middy<unknown, { accountId: string; scanId: string; status: string; findings: number }>({
    timeoutEarlyInMillis: 0,
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .handler(async (event, context) => {
      const parsed = eventSchema.safeParse(event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new OrgScanEventError(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
      }
      const target = parsed.data;
      const watch = deadlineWatch(context, () => {
        deps.logger.error("member account scan ran out of time; Lambda ends it at its deadline", {
          accountId: target.accountId,
        });
        publishAccountScanFailure(deps.metrics, target.accountId);
        deps.metrics.publishStoredMetrics();
      });
      let report: ScanReport;
      try {
        report = await deps.scanAccount(target, {
          apply: true,
          trigger: `org:${target.accountId}`,
          account: target.accountId,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof MemberRoleError) {
          // Expected for accounts outside the target OUs: the map's tolerated share covers them.
          deps.logger.warn("member role not assumed; account not scanned", {
            accountId: target.accountId,
            error: message,
          });
        } else {
          // The account has a role but its scan failed: within the tolerated share the run still
          // succeeds, so this metric (and its alarm) is how anyone hears the account went unchecked.
          deps.logger.error("member account scan failed", { accountId: target.accountId, error: message });
          publishAccountScanFailure(deps.metrics, target.accountId);
        }
        throw error;
      } finally {
        clearTimeout(watch);
      }
      // Each figure twice: without the account (what the alarms watch, so they fire for any
      // member account) and with an `Account` dimension (which account it was).
      publishScanMetrics(deps.metrics, report, { account: target.accountId });
      return {
        accountId: target.accountId,
        scanId: report.scanId,
        status: report.status,
        findings: report.plan.items.length,
      };
    });
}

/** How long before the invocation's deadline the deadline watch speaks. */
export const DEADLINE_MARGIN_MS = 1_000;

/**
 * Runs `atDeadline` `DEADLINE_MARGIN_MS` before the invocation's deadline (at once if less is
 * left), unless cleared first; nothing without a deadline (a test's bare context).
 */
function deadlineWatch(
  context: { getRemainingTimeInMillis?: () => number },
  atDeadline: () => void,
): ReturnType<typeof setTimeout> | undefined {
  const remaining = context.getRemainingTimeInMillis?.();
  if (remaining === undefined) return undefined;
  const watch = setTimeout(atDeadline, Math.max(0, remaining - DEADLINE_MARGIN_MS));
  watch.unref();
  return watch;
}

const logger = new Logger({ serviceName: "iam-hygiene-org" });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: "iam-hygiene" });

/** The deployed handler: the member account's IAM and pools through the assumed role, the rest at home. */
export const handler = makeHandler({
  logger,
  metrics,
  scanAccount: orgAccountScanner({
    home: () => lambdaRuntime(logger),
    sts: new STSClient({ retryMode: "adaptive", maxAttempts: 8, requestHandler: awsRequestHandler() }),
  }),
});
