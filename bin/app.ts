/**
 * The CDK app: `npx cdk synth|deploy -c config=iam-hygiene.json` deploys the per-account stack;
 * adding `-c organizationId=o-... -c targetOuIds=ou-a,ou-b` deploys the org-wide stack instead
 * (in the security account). cdk-nag's AwsSolutions checks run on every synth.
 *
 * Context keys (`APP_CONTEXT_KEYS` in lib/app.ts): `config` (path to the config, JSON with `//`
 * comments; @default `{}`, report mode), `stackName` (@default "IamHygiene"), `organizationId`,
 * `targetOuIds` and `scannerRoleName` (org stack), `alarmEmail` (comma-separated: a new
 * encrypted alarm topic with these subscriptions) or `alarmTopicArn` (an existing topic).
 */
import { App } from "aws-cdk-lib";
import { ConfigError } from "../lambdas/config.ts";
import { buildApp } from "../lib/app.ts";

try {
  buildApp(new App());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // Every problem with its path, without a stack trace.
  console.error(error.message);
  process.exit(1);
}
