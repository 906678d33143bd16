/**
 * The CDK app as `cdk synth` runs it: `bin/app.ts` itself in a child process (the CLI's
 * environment: CDK_OUTDIR, CDK_CONTEXT_JSON, no AWS credentials), and `buildApp` in process for
 * each way of calling it (per-account, org-wide, alarm email, alarm topic, bad config).
 * Bundling is skipped (`unbundledContext`): scanner.test.ts builds and checks the one asset all
 * functions share, so this file costs no second build.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lambdas/config.ts";
import { METRIC } from "../../lambdas/observability.ts";
import { buildApp } from "../../lib/app.ts";
import { PROJECT_ROOT } from "../../lib/bundle.ts";
import { IamHygieneOrgStack } from "../../lib/org/iam-hygiene-org-stack.ts";
import { synthWithValidation, unbundledContext } from "./support.ts";

const run = promisify(execFile);
const TOPIC_ARN = "arn:aws:sns:eu-west-1:111122223333:security-alarms";

/** Every alarm of the per-account scanner, by the metric it watches. */
const SCANNER_ALARM_METRICS = [
  "Errors",
  "Errors",
  "ApproximateNumberOfMessagesVisible",
  METRIC.usedAfterDeparture,
  METRIC.brakeEngaged,
  METRIC.departureListRejected,
  METRIC.revocationFailures,
  METRIC.sourceProblems,
  METRIC.notificationFailures,
].sort();

/** A config file as an operator writes one (JSON with comments). */
function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "iam-hygiene-app-")), "iam-hygiene.jsonc");
  writeFileSync(path, text);
  return path;
}

/** `buildApp` with `context` (on top of cdk.json's), synthesised with cdk-nag. */
function synth(context: Record<string, unknown>) {
  const app = new App({ context: unbundledContext(context) });
  const stack = buildApp(app);
  const outcome = synthWithValidation(app);
  return { stack, outcome, template: Template.fromStack(stack) };
}

/** The iam-hygiene functions (not aws-cdk-lib's bucket-notifications handler). */
function hygieneFunctions(template: Template): number {
  return Object.keys(
    template.findResources("AWS::Lambda::Function", {
      Properties: { Description: Match.stringLikeRegexp("^iam-hygiene") },
    }),
  ).length;
}

function alarmMetrics(template: Template): string[] {
  return Object.values(template.findResources("AWS::CloudWatch::Alarm"))
    .map((a) => (a as { Properties: { MetricName: string } }).Properties.MetricName)
    .sort();
}

describe("bin/app.ts, run as the CDK CLI runs it", () => {
  it("synthesises the per-account stack offline, cdk-nag clean, with the config and alarm email given", async () => {
    // Prepare: the CLI passes context in CDK_CONTEXT_JSON and the output directory in CDK_OUTDIR.
    const outdir = mkdtempSync(join(tmpdir(), "iam-hygiene-cdk-out-"));
    const config = configFile('{\n  // enforce from day one\n  "mode": "enforce"\n}\n');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(unbundledContext({ config, alarmEmail: "secops@corp.example" })),
      AWS_EC2_METADATA_DISABLED: "true",
    };
    // Act
    await run(process.execPath, ["--import", "tsx", "bin/app.ts"], { cwd: PROJECT_ROOT, env });
    // Assess
    const template = Template.fromJSON(
      JSON.parse(readFileSync(join(outdir, "IamHygiene.template.json"), "utf8")) as Record<string, unknown>,
    );
    expect(hygieneFunctions(template)).toBe(2);
    expect(alarmMetrics(template)).toEqual(SCANNER_ALARM_METRICS);
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "secops@corp.example",
    });
    const scan = template.findResources("AWS::Lambda::Function", {
      Properties: { Description: "iam-hygiene scheduled and targeted scan" },
    });
    expect(JSON.stringify(scan)).toContain('\\"mode\\":\\"enforce\\"');
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
      artifacts: Record<string, { type: string }>;
    };
    expect(Object.keys(manifest.artifacts)).toContain("IamHygiene");
  }, 60_000);

  it("exits 1 with every problem and its path when the config is invalid", async () => {
    const config = configFile('{ "mode": "destroy", "brake": { "maxRevocationsPerRun": -1 } }');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      CDK_OUTDIR: mkdtempSync(join(tmpdir(), "iam-hygiene-cdk-out-")),
      CDK_CONTEXT_JSON: JSON.stringify(unbundledContext({ config })),
    };
    const failure = await run(process.execPath, ["--import", "tsx", "bin/app.ts"], {
      cwd: PROJECT_ROOT,
      env,
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("mode");
    expect(failure?.stderr).toContain("brake.maxRevocationsPerRun");
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe("buildApp", () => {
  it("with no context: the report-mode per-account stack, two functions, every alarm, no actions", () => {
    // Act
    const { stack, outcome, template } = synth({});
    // Assess
    expect(outcome.error?.message).toBeUndefined();
    expect(stack.stackName).toBe("IamHygiene");
    expect(hygieneFunctions(template)).toBe(2);
    expect(alarmMetrics(template)).toEqual(SCANNER_ALARM_METRICS);
    template.resourceCountIs("AWS::SNS::Topic", 0);
    template.allResourcesProperties("AWS::CloudWatch::Alarm", { AlarmActions: Match.absent() });
  });

  it("with alarmEmail: an encrypted, TLS-only topic every alarm notifies, and a subscription per address", () => {
    // Act
    const { outcome, template } = synth({ alarmEmail: "secops@corp.example, oncall@corp.example" });
    // Assess
    expect(outcome.error?.message).toBeUndefined();
    template.resourceCountIs("AWS::SNS::Topic", 1);
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs("AWS::SNS::Subscription", 2);
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
          }),
        ]),
      },
    });
    // CloudWatch may use the topic's key (it cannot use alias/aws/sns), and the key rotates.
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
    const topicId = Object.keys(template.findResources("AWS::SNS::Topic"))[0];
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")) as {
      Properties: { AlarmActions?: unknown[]; OKActions?: unknown[] };
    }[];
    expect(alarms).toHaveLength(SCANNER_ALARM_METRICS.length);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it("with organizationId: the org stack, whose every alarm (org runs included) notifies alarmTopicArn", () => {
    // Act
    const { stack, outcome, template } = synth({
      organizationId: "o-abcdefghij",
      targetOuIds: "ou-abcd-11111111, ou-abcd-22222222",
      alarmTopicArn: TOPIC_ARN,
      stackName: "Security",
    });
    // Assess
    expect(outcome.error?.message).toBeUndefined();
    expect(stack).toBeInstanceOf(IamHygieneOrgStack);
    expect(stack.stackName).toBe("SecurityOrg");
    expect(hygieneFunctions(template)).toBe(3);
    template.resourceCountIs("AWS::StepFunctions::StateMachine", 1);
    template.hasResourceProperties("AWS::CloudFormation::StackSet", {
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: ["ou-abcd-11111111", "ou-abcd-22222222"] } },
      ],
    });
    expect(alarmMetrics(template)).toEqual(
      [...SCANNER_ALARM_METRICS, "ExecutionsFailed", "AccountScanFailures"].sort(),
    );
    template.resourceCountIs("AWS::SNS::Topic", 0);
    template.allResourcesProperties("AWS::CloudWatch::Alarm", {
      AlarmActions: [TOPIC_ARN],
      OKActions: [TOPIC_ARN],
    });
  });

  it("refuses an invalid config with every problem and its path, and an email and a topic at once", () => {
    const config = configFile('{ "mode": "destroy" }');
    expect(() => buildApp(new App({ context: unbundledContext({ config }) }))).toThrow(ConfigError);
    expect(() =>
      buildApp(
        new App({
          context: unbundledContext({ alarmEmail: "secops@corp.example", alarmTopicArn: TOPIC_ARN }),
        }),
      ),
    ).toThrow(/alarmTopicArn or alarmEmail/);
    expect(() => buildApp(new App({ context: unbundledContext({ alarmEmail: "secops" }) }))).toThrow(
      /not an email address/,
    );
  });
});
