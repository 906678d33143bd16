/**
 * The CDK app. `npx cdk synth|deploy -c config=iam-hygiene.json` deploys the per-account stack;
 * adding `-c organizationId=o-... -c targetOuIds=ou-a,ou-b` deploys the org-wide stack instead
 * (in the security account). cdk-nag's AwsSolutions checks run on every synth.
 *
 * Context keys: `config` (path to the config, JSON with `//` comments; @default `{}`, report
 * mode), `stackName` (@default "IamHygiene"), `organizationId` and `targetOuIds` (org stack),
 * `scannerRoleName` (@default "IamHygieneScanner"). Alarm topics: embed the construct (docs/deploy.md).
 */
import { readFileSync } from "node:fs";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ConfigError, type ConfigInput, parseConfigText } from "../lambdas/config.ts";
import { IamHygieneStack } from "../lib/iam-hygiene-stack.ts";
import { IamHygieneOrgStack } from "../lib/org/iam-hygiene-org-stack.ts";

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
};

function readConfig(path: string | undefined): ConfigInput {
  if (!path) return {};
  try {
    return parseConfigText(readFileSync(path, "utf8"), path);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw new Error(`cannot read the config ${path}: ${(error as Error).message}`, { cause: error });
  }
}

const config = readConfig(context("config"));
const stackName = context("stackName") ?? "IamHygiene";
const organizationId = context("organizationId");

if (organizationId) {
  const scannerRoleName = context("scannerRoleName");
  new IamHygieneOrgStack(app, `${stackName}Org`, {
    organizationId,
    targetOrganizationalUnitIds: (context("targetOuIds") ?? "")
      .split(",")
      .map((ou) => ou.trim())
      .filter((ou) => ou !== ""),
    ...(scannerRoleName ? { scannerRoleName } : {}),
    scanner: { config },
  });
} else {
  new IamHygieneStack(app, stackName, { scanner: { config } });
}
