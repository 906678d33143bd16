/**
 * One iteration of the org-wide Step Functions Distributed Map: assume the scanner role in a
 * member account and run the same scan there. The store (in the security account) is shared,
 * so the lease and "no longer seen" are scoped to that account.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import middy from "@middy/core";
import * as z from "zod";
import { METRIC_NAMESPACE } from "../observability.ts";
import { runScan, type ScanReport, type ScanRequest } from "../scan.ts";
import { createRuntime, scanDependencies } from "../wiring.ts";
import { lambdaRuntime, loggerAdapter } from "./lambda-runtime.ts";
import { publishScanMetrics } from "./scan-metrics.ts";

const eventSchema = z
  .object({
    accountId: z.string().regex(/^\d{12}$/, "a 12-digit account id"),
    roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, "a role ARN"),
    externalId: z.string().min(1).optional(),
  })
  .strict();

/** An org iteration event that is not `{ accountId, roleArn }`. */
export class OrgScanEventError extends Error {
  override readonly name = "OrgScanEventError";
}

export interface OrgScanDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly scanAccount: (target: z.infer<typeof eventSchema>, request: ScanRequest) => Promise<ScanReport>;
}

/** Builds the handler around its dependencies. */
export function makeHandler(deps: OrgScanDeps) {
  return middy<unknown, { accountId: string; scanId: string; status: string; findings: number }>()
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .handler(async (event) => {
      const parsed = eventSchema.safeParse(event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new OrgScanEventError(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
      }
      const target = parsed.data;
      const report = await deps.scanAccount(target, {
        apply: true,
        trigger: `org:${target.accountId}`,
        account: target.accountId,
      });
      // The same figures as a single-account scan, per member account, for the alarms and dashboard.
      deps.metrics.addDimension("Account", target.accountId);
      publishScanMetrics(deps.metrics, report);
      return {
        accountId: target.accountId,
        scanId: report.scanId,
        status: report.status,
        findings: report.plan.items.length,
      };
    });
}

const logger = new Logger({ serviceName: "iam-hygiene-org" });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: "iam-hygiene" });
const sts = new STSClient({ retryMode: "adaptive", maxAttempts: 8 });

/** The deployed handler: the member account's clients use the assumed role's credentials. */
export const handler = makeHandler({
  logger,
  metrics,
  scanAccount: async (target, request) => {
    const home = lambdaRuntime(logger);
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: target.roleArn,
        RoleSessionName: `iam-hygiene-${target.accountId}`,
        DurationSeconds: 3600,
        ...(target.externalId ? { ExternalId: target.externalId } : {}),
      }),
    );
    const creds = assumed.Credentials;
    if (!creds?.AccessKeyId || !creds.SecretAccessKey)
      throw new Error(`AssumeRole ${target.roleArn} returned no credentials`);
    // Clients in the member account; the store, audit and secrets stay in the security account.
    const member = createRuntime({
      config: home.config,
      env: process.env,
      useSecretsManager: true,
      log: loggerAdapter(logger),
      clientSettings: {
        credentials: {
          accessKeyId: creds.AccessKeyId,
          secretAccessKey: creds.SecretAccessKey,
          sessionToken: creds.SessionToken,
          ...(creds.Expiration ? { expiration: creds.Expiration } : {}),
        },
      },
    });
    const deps = await scanDependencies(
      { ...member, store: home.store, secrets: home.secrets, ...(home.audit ? { audit: home.audit } : {}) },
      {},
    );
    return runScan(deps, request);
  },
});
