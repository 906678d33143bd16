/**
 * Helpers for the infra tests: an App with the project's feature flags (cdk.json) and cdk-nag,
 * synthesised once per test file, and readers for IAM statements and the validation report.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, type CfnElement, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { IamHygieneScanner, type IamHygieneScannerProps } from "../../lib/iam-hygiene-scanner.ts";

const CDK_JSON = new URL("../../cdk.json", import.meta.url);

/** cdk.json's context: the feature flags `cdk synth` runs with. */
export function projectContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(CDK_JSON, "utf8")) as { context: Record<string, unknown> }).context;
}

/** An App with cdk.json's context (feature flags), or `context`, and the AwsSolutions checks. */
export function nagApp(context: Record<string, unknown> = projectContext()): App {
  const app = new App({ context });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/**
 * cdk.json's context plus `aws:cdk:bundling-stacks: []`: CDK then skips every asset's bundling
 * (what `cdk synth --exclusively` does for other stacks). For tests about the template, not the
 * code: the bundle itself is built and checked by scanner.test.ts and the benchmarks.
 */
export function unbundledContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...projectContext(), "aws:cdk:bundling-stacks": [], ...extra };
}

/** The outcome of synthesising an app with validation plugins. */
export interface SynthOutcome {
  /** The synthesis error (unacknowledged findings fail synthesis), if any. */
  readonly error?: Error;
  /** The validation report the plugins wrote, if synthesis got that far. */
  readonly report?: ValidationReport;
}

/** The parts of CDK's validation-report.json the tests read. */
export interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly conclusion: string;
    readonly violations: readonly { readonly ruleName: string; readonly violatingConstructs: unknown[] }[];
  }[];
}

/** Synthesises the app, capturing a validation failure instead of throwing. */
export function synthWithValidation(app: App): SynthOutcome {
  try {
    const assembly = app.synth();
    return { report: readReport(assembly.directory) };
  } catch (error) {
    return { error: error as Error, report: readReport(app.outdir) };
  }
}

function readReport(dir: string): ValidationReport | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "validation-report.json"), "utf8")) as ValidationReport;
  } catch {
    return undefined;
  }
}

/** One IAM statement of a template, with where it came from. */
export interface FoundStatement {
  readonly logicalId: string;
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Sid?: string;
  readonly Condition?: Record<string, unknown>;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every statement of every AWS::IAM::Policy and inline role policy in the template. */
export function iamStatements(template: Template): FoundStatement[] {
  const out: FoundStatement[] = [];
  const push = (logicalId: string, document: { Statement?: unknown } | undefined) => {
    for (const s of asArray(document?.Statement) as Record<string, unknown>[]) {
      out.push({
        logicalId,
        Effect: s.Effect as string,
        Action: asArray(s.Action as string | string[]),
        Resource: asArray(s.Resource),
        ...(s.Sid ? { Sid: s.Sid as string } : {}),
        ...(s.Condition ? { Condition: s.Condition as Record<string, unknown> } : {}),
      });
    }
  };
  for (const [id, r] of Object.entries(template.findResources("AWS::IAM::Policy"))) {
    push(id, (r as { Properties: { PolicyDocument: { Statement?: unknown } } }).Properties.PolicyDocument);
  }
  for (const [id, r] of Object.entries(template.findResources("AWS::IAM::Role"))) {
    const policies = (r as { Properties: { Policies?: { PolicyDocument: { Statement?: unknown } }[] } })
      .Properties.Policies;
    for (const p of policies ?? []) push(id, p.PolicyDocument);
  }
  return out;
}

/**
 * The secrets the scan function's role may read, in a scanner built with `props` in a stack of
 * its own (no bundling), and the scanner.
 */
export function scanSecretReads(
  props: (scope: Stack) => IamHygieneScannerProps,
  stackName = "Scanner",
): { reads: unknown[]; scanner: IamHygieneScanner } {
  const stack = new Stack(new App({ context: unbundledContext() }), stackName);
  const scanner = new IamHygieneScanner(stack, "IamHygiene", props(stack));
  const template = Template.fromStack(stack);
  const roleId = stack.resolve((scanner.scannerRole.node.defaultChild as CfnElement).logicalId);
  const policyIds = Object.entries(template.findResources("AWS::IAM::Policy"))
    .filter(([, r]) => JSON.stringify(r).includes(`"Ref":"${roleId}"`))
    .map(([id]) => id);
  const reads = iamStatements(template)
    .filter((s) => policyIds.includes(s.logicalId) && s.Action.includes("secretsmanager:GetSecretValue"))
    .flatMap((s) => s.Resource);
  return { reads, scanner };
}

/** The template with asset hashes and S3 keys replaced, so code changes do not churn the snapshot. */
export function normalisedTemplate(template: Template): unknown {
  const json = JSON.stringify(template.toJSON());
  return JSON.parse(
    json
      .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, "[ASSET_HASH]$1")
      .replace(/"S3Key":"[^"]*"/g, '"S3Key":"[ASSET]"'),
  );
}

/** Every cdk-nag (or annotation) acknowledgement recorded under `scope`, with its reason. */
export function acknowledgements(scope: IConstruct): { id: string; reason: string }[] {
  const acks: { id: string; reason: string }[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        acks.push({ id, reason: typeof reason === "string" ? reason : "" });
      }
    }
  }
  return acks;
}
