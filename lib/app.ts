/**
 * What `bin/app.ts` builds, as a function of the app's context, so the tests synthesise exactly
 * what `cdk synth` does. `cdk synth|deploy -c config=iam-hygiene.json` gives the per-account
 * stack; adding `-c organizationId=o-... -c targetOuIds=ou-a,ou-b` gives the org-wide stack
 * instead (in the security account). cdk-nag's AwsSolutions checks run on every synth.
 */
import { readFileSync } from "node:fs";
import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { type ConfigInput, parseConfigText } from "../lambdas/config.ts";
import { IamHygieneStack } from "./iam-hygiene-stack.ts";
import { IamHygieneOrgStack } from "./org/iam-hygiene-org-stack.ts";

/** The context keys the app reads (`-c key=value`), each with what it does. */
export const APP_CONTEXT_KEYS = {
  config: "Path of the config (JSON, `//` comments allowed). @default `{}` (report mode)",
  stackName: 'Stack name; the org stack gets "Org" appended. @default "IamHygiene"',
  organizationId: "`o-...`: deploy the org-wide stack instead of the per-account one.",
  targetOuIds: "Comma-separated OUs (or the root `r-...`) the member role goes to (org stack).",
  scannerRoleName: 'Name of the member-account role (org stack). @default "IamHygieneScanner"',
  alarmEmail: "Comma-separated emails subscribed to a new, encrypted alarm topic.",
  alarmTopicArn: "An existing SNS topic every alarm notifies (instead of alarmEmail).",
} as const;

/** A context key the app reads. */
export type AppContextKey = keyof typeof APP_CONTEXT_KEYS;

/**
 * Adds cdk-nag and the stack the context asks for to `app`, and returns the stack. Throws a
 * `ConfigError` (every problem with its path) when the config is invalid.
 */
export function buildApp(app: App): IamHygieneStack | IamHygieneOrgStack {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const context = (key: AppContextKey): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const list = (key: AppContextKey): string[] =>
    (context(key) ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");

  const config = readConfig(context("config"));
  const stackName = context("stackName") ?? "IamHygiene";
  const alarmEmails = list("alarmEmail");
  const alarmTopicArn = context("alarmTopicArn");
  if (alarmTopicArn && alarmEmails.length > 0) {
    throw new Error("give alarmTopicArn or alarmEmail, not both: subscribe the emails to your topic instead");
  }
  const scanner = { config, ...(alarmEmails.length > 0 ? { alarmEmails } : {}) };
  const organizationId = context("organizationId");
  if (organizationId) {
    const scannerRoleName = context("scannerRoleName");
    return new IamHygieneOrgStack(app, `${stackName}Org`, {
      organizationId,
      targetOrganizationalUnitIds: list("targetOuIds"),
      ...(scannerRoleName ? { scannerRoleName } : {}),
      ...(alarmTopicArn ? { alarmTopicArn } : {}),
      scanner,
    });
  }
  return new IamHygieneStack(app, stackName, { scanner, ...(alarmTopicArn ? { alarmTopicArn } : {}) });
}

function readConfig(path: string | undefined): ConfigInput {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the config ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseConfigText(text, path);
}
