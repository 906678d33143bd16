/**
 * The per-account stack: resources and their key properties, every IAM statement, cdk-nag,
 * config validation at synth time, and one snapshot. Synthesised once (bundling is the slow
 * part); the report-mode stack reuses the bundles from the same process.
 */
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, type ConfigInput, parseConfig } from "../../lambdas/config.ts";
import { awsCognitoPermissions } from "../../lambdas/sources/aws-cognito/permissions.ts";
import { awsIamPolicyStatements } from "../../lambdas/sources/aws-iam/permissions.ts";
import { STORE_TABLE } from "../../lambdas/store/dynamodb.ts";
import { IamHygieneScanner } from "../../lib/iam-hygiene-scanner.ts";
import { IamHygieneStack } from "../../lib/iam-hygiene-stack.ts";
import {
  PROTECTED_PRINCIPAL_DENIED_ACTIONS,
  SELF_PROTECTION_DENIED_ACTIONS,
  WILDCARD_RESOURCE_ACTIONS,
} from "../../lib/permissions.ts";
import {
  acknowledgements,
  type FoundStatement,
  iamStatements,
  nagApp,
  normalisedTemplate,
  projectContext,
  type SynthOutcome,
  scanSecretReads,
  synthWithValidation,
} from "./support.ts";

const ACCOUNT = "111122223333";
const POOL_ID = "eu-west-1_AbC123";
const SLACK_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:iam-hygiene/slack-AbCdEf`;
const SESSION_ROLE = `arn:aws:iam::${ACCOUNT}:role/Developer`;

const enforceConfig: ConfigInput = {
  mode: "enforce",
  sources: {
    "aws-iam": { sessionRevocationRoleTag: { key: "iam-hygiene-revocable" } },
    "aws-cognito": { enabled: true, pools: [{ userPoolId: POOL_ID }] },
  },
  notifications: { slack: { enabled: true, token: { env: "SLACK_TOKEN" }, securityChannel: "C0SEC" } },
  protectedPrincipals: ["break-glass-*", `arn:aws:iam::${ACCOUNT}:role/admins/*`, "ops@corp.example"],
};

let enforce: { outcome: SynthOutcome; template: Template; stack: IamHygieneStack };
let report: { template: Template; stack: IamHygieneStack };

beforeAll(() => {
  // Prepare: an enforce-mode stack with every optional input, and a default (report) stack.
  const app = nagApp();
  const topicStack = new Stack(app, "Topics");
  const stack = new IamHygieneStack(app, "Enforce", {
    scanner: {
      config: enforceConfig,
      sessionRevocationRoleArns: [SESSION_ROLE],
      slackTokenSecret: secretsmanager.Secret.fromSecretCompleteArn(topicStack, "Slack", SLACK_ARN),
      alarmTopic: new sns.Topic(topicStack, "Alarms", { enforceSSL: true }),
    },
  });
  let started = Date.now();
  const outcome = synthWithValidation(app);
  console.log(`enforce stack synthesised (with cdk-nag) in ${Date.now() - started} ms`);
  enforce = { outcome, template: Template.fromStack(stack), stack };

  const reportApp = new App({ context: projectContext() });
  const reportStack = new IamHygieneStack(reportApp, "IamHygiene");
  started = Date.now();
  report = { template: Template.fromStack(reportStack), stack: reportStack };
  console.log(`report stack synthesised in ${Date.now() - started} ms`);
}, 120_000);

describe("cdk-nag AwsSolutions (Validations API)", () => {
  it("synthesises with zero unacknowledged findings", () => {
    // Assess
    expect(enforce.outcome.error?.message).toBeUndefined();
    const nag = enforce.outcome.report?.pluginReports.find((r) => r.pluginName === "AwsSolutions");
    expect(nag?.violations ?? []).toEqual([]);
  });

  it("leaves no unacknowledged construct warning", () => {
    Annotations.fromStack(enforce.stack).hasNoWarning("*", Match.anyValue());
  });

  it("gives every acknowledgement a reason", () => {
    const acks = acknowledgements(enforce.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.trim().length, ack.id).toBeGreaterThan(10);
  });
});

describe("store", () => {
  it("is an on-demand table with PITR, a rotating customer key, deletion protection and TTL", () => {
    const t = enforce.template;
    t.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: STORE_TABLE.partitionKey, KeyType: "HASH" },
        { AttributeName: STORE_TABLE.sortKey, KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: "KMS", KMSMasterKeyId: Match.anyValue() },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: STORE_TABLE.timeToLiveAttribute, Enabled: true },
    });
    t.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    t.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  });
});

describe("data bucket", () => {
  it("is versioned, KMS-encrypted, private, access-logged, with lifecycle rules", () => {
    enforce.template.hasResourceProperties("AWS::S3::Bucket", {
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: "iam-hygiene-data/" },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: "departures/", NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
          Match.objectLike({ Prefix: "reports/", NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
        ]),
      },
    });
  });

  it("never expires the audit prefix", () => {
    const buckets = enforce.template.findResources("AWS::S3::Bucket");
    const rules = Object.values(buckets).flatMap(
      (b) =>
        (b as { Properties: { LifecycleConfiguration?: { Rules: { Prefix?: string }[] } } }).Properties
          .LifecycleConfiguration?.Rules ?? [],
    );
    expect(rules.some((r) => r.Prefix?.startsWith("audit"))).toBe(false);
  });

  it("denies requests without TLS on both buckets", () => {
    const policies = enforce.template.findResources("AWS::S3::BucketPolicy");
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });
});

describe("functions", () => {
  it("run Node.js 22 on arm64 with X-Ray, JSON logs, source maps and Powertools settings", () => {
    const fns = enforce.template.findResources("AWS::Lambda::Function", {
      Properties: { Description: Match.stringLikeRegexp("^iam-hygiene") },
    });
    expect(Object.keys(fns)).toHaveLength(2);
    for (const fn of Object.values(fns)) {
      expect(fn).toMatchObject({
        Properties: {
          Runtime: "nodejs22.x",
          Architectures: ["arm64"],
          TracingConfig: { Mode: "Active" },
          LoggingConfig: { LogFormat: "JSON" },
          Environment: {
            Variables: {
              NODE_OPTIONS: "--enable-source-maps",
              POWERTOOLS_SERVICE_NAME: "iam-hygiene",
              POWERTOOLS_METRICS_NAMESPACE: "IamHygiene",
              IAM_HYGIENE_CONFIG: expect.anything(),
            },
          },
        },
      });
    }
  });

  it("runs one scan at a time for up to 15 minutes, with a dead-letter queue", () => {
    enforce.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "iam-hygiene scheduled and targeted scan",
      ReservedConcurrentExecutions: 1,
      Timeout: 900,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    enforce.template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    enforce.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("gives the webhook 10 seconds, the secret ARN and the scan function's name", () => {
    enforce.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "iam-hygiene HR departures webhook",
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({
          WEBHOOK_SECRET_ARN: Match.anyValue(),
          SCAN_FUNCTION_NAME: Match.anyValue(),
          STORE_TABLE_NAME: Match.anyValue(),
        }),
      },
    });
  });

  it("passes the validated config with the deployment's store, audit, departures and protected principals", () => {
    // Prepare: the config as the stack resolved it (tokens included).
    const config = enforce.stack.scanner.config;
    // Assess
    expect(config.mode).toBe("enforce");
    expect(config.store.type).toBe("dynamodb");
    expect(config.audit).toMatchObject({ type: "s3", prefix: "audit/" });
    expect(config.departures.source).toMatchObject({ type: "s3" });
    expect(config.protectedPrincipals).toContain("break-glass-*");
    expect(config.protectedPrincipals).toContain(enforce.stack.scanner.scannerRole.roleArn);
    expect(config.notifications.slack?.token.secretArn).toBe(SLACK_ARN);
    expect(config.sources["aws-iam"].sessionRevocationRoleArns).toEqual([SESSION_ROLE]);
    // Parsing it again (what the Lambda does) changes nothing.
    expect(parseConfig(JSON.parse(JSON.stringify(config)))).toEqual(JSON.parse(JSON.stringify(config)));
  });
});

describe("triggers", () => {
  it("schedules the scan hourly through Scheduler with a DLQ and retries", () => {
    enforce.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 hour)",
      Target: {
        Input: JSON.stringify({ trigger: "schedule" }),
        DeadLetterConfig: { Arn: Match.anyValue() },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        RoleArn: Match.anyValue(),
      },
    });
  });

  it("rescans when the departure list object is created", () => {
    enforce.template.hasResourceProperties("Custom::S3BucketNotifications", {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "departures/departures.csv" }] } },
          }),
        ],
      },
    });
  });

  it("exposes POST /departures on a throttled, access-logged HTTP API", () => {
    enforce.template.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP" });
    enforce.template.resourceCountIs("AWS::ApiGatewayV2::Route", 1);
    enforce.template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /departures" });
    enforce.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      AccessLogSettings: { DestinationArn: Match.anyValue() },
    });
    enforce.template.hasOutput("WebhookUrl", {});
  });
});

describe("observability", () => {
  it("alarms on scan errors, dead letters and the safety metrics, notifying the topic", () => {
    const t = enforce.template;
    t.resourceCountIs("AWS::CloudWatch::Alarm", 9);
    for (const [metric, period] of [
      ["UsedAfterDeparture", 300],
      ["BrakeEngaged", 300],
      ["DepartureListRejected", 300],
      ["RevocationFailures", 300],
      ["SourceProblems", 3600],
      ["NotificationFailures", 3600],
    ] as const) {
      t.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "IamHygiene",
        MetricName: metric,
        Dimensions: [{ Name: "service", Value: "iam-hygiene" }],
        Statistic: "Sum",
        Period: period,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [Match.anyValue()],
        OKActions: [Match.anyValue()],
      });
    }
    t.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "Errors", Namespace: "AWS/Lambda" });
    t.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
    });
  });

  it("has a dashboard with lingering credentials by source, revocations, p50/p95, tickets, errors and notification failures", () => {
    const dashboards = enforce.template.findResources("AWS::CloudWatch::Dashboard");
    const body = JSON.stringify(Object.values(dashboards)[0]);
    for (const text of [
      "Lingering credentials by source",
      "LingeringCredentials",
      "Revocations",
      "TimeToRevokeSeconds",
      '\\"stat\\":\\"p50\\"',
      '\\"stat\\":\\"p95\\"',
      "OpenTickets",
      "Errors",
      "NotificationFailures",
    ]) {
      expect(body).toContain(text);
    }
  });
});

describe("IAM", () => {
  let statements: FoundStatement[];
  beforeAll(() => {
    statements = iamStatements(enforce.template);
  });

  it("grants no `*` or `service:*` action and no managed admin policy", () => {
    for (const s of statements) {
      for (const action of s.Action) {
        expect(action).not.toBe("*");
        expect(action).not.toMatch(/^[a-z0-9-]+:\*$/);
      }
    }
    const roles = enforce.template.findResources("AWS::IAM::Role");
    expect(JSON.stringify(roles)).not.toMatch(/AdministratorAccess|PowerUserAccess|IAMFullAccess/);
  });

  it('allows Resource "*" only for the documented actions', () => {
    for (const s of statements.filter((x) => x.Effect === "Allow" && x.Resource.includes("*"))) {
      for (const action of s.Action) expect(Object.keys(WILDCARD_RESOURCE_ACTIONS), action).toContain(action);
    }
  });

  it("scopes the aws-iam actions to this account's users and roles", () => {
    const scoped = awsIamPolicyStatements.filter(
      (s) => s.scope !== "*" && s.sid !== "AwsIamRevokeRoleSessions",
    );
    for (const spec of scoped) {
      const found = statements.find((s) => s.Sid === spec.sid);
      expect(found, spec.sid).toBeDefined();
      expect(JSON.stringify(found?.Resource)).toContain(`:${spec.scope}/*`);
    }
  });

  it("limits iam:PutRolePolicy to the listed roles and to roles with the tag", () => {
    const putRolePolicy = statements.filter(
      (s) => s.Effect === "Allow" && s.Action.includes("iam:PutRolePolicy"),
    );
    expect(putRolePolicy).toHaveLength(2);
    expect(putRolePolicy.find((s) => s.Sid === "AwsIamRevokeRoleSessions")?.Resource).toEqual([SESSION_ROLE]);
    expect(putRolePolicy.find((s) => s.Sid === "AwsIamRevokeRoleSessionsTagged")?.Condition).toEqual({
      Null: { "aws:ResourceTag/iam-hygiene-revocable": "false" },
    });
  });

  it("lets iam:AttachUserPolicy attach AWSDenyAll only", () => {
    const attach = statements.filter(
      (s) => s.Effect === "Allow" && s.Action.includes("iam:AttachUserPolicy"),
    );
    expect(attach.map((s) => [s.Sid, s.Action])).toEqual([
      ["AwsIamDenyAllFallback", ["iam:AttachUserPolicy"]],
    ]);
    expect(attach[0]?.Condition).toEqual({
      ArnEquals: {
        "iam:PolicyARN": {
          "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/AWSDenyAll"]],
        },
      },
    });
  });

  it("scopes Cognito to the configured pool", () => {
    const cognito = statements.filter((s) => s.Action.some((a) => a.startsWith("cognito-idp:")));
    expect(cognito.flatMap((s) => s.Action).sort()).toEqual(
      [...awsCognitoPermissions.read, ...awsCognitoPermissions.write].sort(),
    );
    for (const s of cognito) {
      expect(JSON.stringify(s.Resource)).toContain(`:userpool/${POOL_ID}`);
    }
  });

  it("lets the scan read the secrets the config names, and no other", () => {
    const reads = statements.filter((s) => s.Action.includes("secretsmanager:GetSecretValue"));
    const scanRoleId = enforce.stack.resolve(
      (enforce.stack.scanner.scannerRole.node.defaultChild as CfnElement).logicalId,
    );
    const scanPolicyIds = Object.entries(enforce.template.findResources("AWS::IAM::Policy"))
      .filter(([, r]) => JSON.stringify(r).includes(`"Ref":"${scanRoleId}"`))
      .map(([id]) => id);
    const scanReads = reads.filter((s) => scanPolicyIds.includes(s.logicalId));
    expect(scanReads.flatMap((s) => s.Resource)).toEqual([SLACK_ARN]);
  });

  it("denies the scanner any change to its own role", () => {
    const deny = statements.find((s) => s.Sid === "DenySelfModification");
    expect(deny?.Effect).toBe("Deny");
    expect(deny?.Action.sort()).toEqual([...SELF_PROTECTION_DENIED_ACTIONS].sort());
    expect(deny?.Action).toEqual(expect.arrayContaining(["iam:PutRolePolicy", "iam:UpdateAccessKey"]));
    const scanRoleId = enforce.stack.resolve(
      (enforce.stack.scanner.scannerRole.node.defaultChild as CfnElement).logicalId,
    );
    expect(deny?.Resource).toEqual([{ "Fn::GetAtt": [scanRoleId, "Arn"] }]);
  });

  it("denies every revocation action on the users and roles protectedPrincipals names", () => {
    // Prepare: a name pattern (any path), an ARN pattern, and an email (also a possible name).
    const deny = statements.find((s) => s.Sid === "DenyProtectedPrincipals");
    const name = (glob: string) => ({
      "Fn::Join": [
        "",
        ["arn:", { Ref: "AWS::Partition" }, ":iam::", { Ref: "AWS::AccountId" }, `:*/${glob}`],
      ],
    });
    // Assess
    expect(deny?.Effect).toBe("Deny");
    expect([...(deny?.Action ?? [])].sort()).toEqual([...PROTECTED_PRINCIPAL_DENIED_ACTIONS].sort());
    expect(deny?.Action).toEqual(
      expect.arrayContaining(
        awsIamPolicyStatements.filter((s) => s.access === "write").flatMap((s) => s.actions),
      ),
    );
    // (CDK sorts a statement's resources.)
    const sorted = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();
    expect(sorted(deny?.Resource ?? [])).toEqual(
      sorted([
        name("break-glass-*"),
        name("BREAK-GLASS-*"),
        name("Break-Glass-*"),
        `arn:aws:iam::${ACCOUNT}:role/admins/*`,
        `arn:aws:iam::${ACCOUNT}:role/ADMINS/*`,
        `arn:aws:iam::${ACCOUNT}:role/Admins/*`,
        name("ops@corp.example"),
        name("OPS@CORP.EXAMPLE"),
        name("Ops@Corp.Example"),
      ]),
    );
    // The scanner's own role (a deploy-time ARN) is DenySelfModification's, not this statement's.
    expect(JSON.stringify(deny?.Resource)).not.toContain("Fn::GetAtt");
  });

  it("renders no protected-principal Deny when no pattern is an IAM name or ARN", () => {
    // The default stack's only protected principals are its own role's, known at deploy time.
    expect(iamStatements(report.template).find((s) => s.Sid === "DenyProtectedPrincipals")).toBeUndefined();
  });

  it("gives the webhook only departure-event writes, invoking the scan and reading its secret", () => {
    const webhookRoleId = enforce.stack.resolve(
      (enforce.stack.scanner.webhookRole.node.defaultChild as CfnElement).logicalId,
    );
    const policyIds = Object.entries(enforce.template.findResources("AWS::IAM::Policy"))
      .filter(([, r]) => JSON.stringify(r).includes(`"Ref":"${webhookRoleId}"`))
      .map(([id]) => id);
    const actions = statements
      .filter((s) => policyIds.includes(s.logicalId))
      .flatMap((s) => s.Action)
      .sort();
    expect(actions).toEqual(
      [
        "dynamodb:PutItem",
        "dynamodb:Query",
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "lambda:InvokeFunction",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
    const store = statements.find((s) => s.Sid === "StoreDepartureEvents");
    expect(store?.Condition).toEqual({
      "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["DEPARTURE"] },
    });
  });

  it("grants no revocation action in report mode", () => {
    const reportStatements = iamStatements(report.template);
    const writes = awsIamPolicyStatements.filter((s) => s.access === "write").flatMap((s) => s.actions);
    const allowed = reportStatements.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
    for (const action of writes) expect(allowed).not.toContain(action);
    expect(report.stack.scanner.config.mode).toBe("report");
  });
});

describe("the GitHub fine-grained PAT grants token", () => {
  const TOKEN_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:iam-hygiene/github-AbCdEf`;
  const PAT_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:iam-hygiene/github-app-GhIjKl`;
  const github = { enabled: true, org: "corp", token: { secretArn: TOKEN_ARN } };

  it("given as a prop, is put in the config and readable by the scan", () => {
    // Act
    const { reads, scanner } = scanSecretReads((scope) => ({
      config: { sources: { github } },
      connectorSecrets: {
        githubPatGrants: secretsmanager.Secret.fromSecretCompleteArn(scope, "Pat", PAT_ARN),
      },
    }));
    // Assess
    expect(scanner.config.sources.github?.patGrantsToken).toEqual({ secretArn: PAT_ARN });
    expect(reads).toEqual(expect.arrayContaining([TOKEN_ARN, PAT_ARN]));
  });

  it("named by the config's secretArn, is readable by the scan", () => {
    const { reads } = scanSecretReads(() => ({
      config: { sources: { github: { ...github, patGrantsToken: { secretArn: PAT_ARN } } } },
    }));
    expect(reads).toEqual(expect.arrayContaining([TOKEN_ARN, PAT_ARN]));
  });
});

describe("config validation at synth time", () => {
  it("fails with every problem and its path", () => {
    // Prepare
    const bad = {
      mode: "destroy",
      sources: { "aws-cognito": { enabled: true, pools: [{ userPoolId: "nope" }] } },
      brake: { maxRevocationsPerRun: -1 },
    } as unknown as ConfigInput;
    // Act
    let thrown: unknown;
    try {
      new IamHygieneScanner(new Stack(new App(), "Bad"), "Scanner", { config: bad });
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(thrown).toBeInstanceOf(ConfigError);
    const paths = (thrown as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "mode",
        "sources.aws-cognito.pools.0.userPoolId",
        "brake.maxRevocationsPerRun",
      ]),
    );
    expect((thrown as Error).message).toContain("sources.aws-cognito.pools.0.userPoolId");
  });
});

describe("member-account pools outside an org stack", () => {
  it("refuses a Cognito pool with an account, in the stack and in the construct: nothing of theirs would reach it", () => {
    // Prepare
    const config = {
      sources: {
        "aws-cognito": {
          enabled: true,
          pools: [
            { userPoolId: "eu-west-1_Own1" },
            { userPoolId: "eu-west-1_Other2", account: "222222222222" },
          ],
        },
      },
    };
    const thrownBy = (act: () => unknown): unknown => {
      try {
        act();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    // Act
    const inStack = thrownBy(
      () =>
        new IamHygieneStack(new App({ context: projectContext() }), "OneAccount", { scanner: { config } }),
    );
    const inApp = thrownBy(
      () =>
        new IamHygieneScanner(new Stack(new App({ context: projectContext() }), "Existing"), "Scanner", {
          config,
        }),
    );
    // Assess
    for (const thrown of [inStack, inApp]) {
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).problems.map((p) => p.path)).toEqual([
        "sources.aws-cognito.pools.1.account",
      ]);
      expect((thrown as Error).message).toContain("deploy a scanner in 222222222222 with the pool");
    }
  });
});

describe("config size", () => {
  it("fails synth when the config would not fit in Lambda's environment", () => {
    // Prepare: many long exceptions (bundles are cached from beforeAll, so this is quick).
    const exceptions = Array.from({ length: 40 }, (_, i) => ({
      principal: `contractor-${i}-with-a-rather-long-principal-name`,
      reason: "handover to the data platform team in progress",
      approver: "ciso@corp.example",
      expires: "2099-12-31",
    }));
    // Act
    const act = () =>
      new IamHygieneScanner(new Stack(new App({ context: projectContext() }), "Big"), "Scanner", {
        config: { exceptions },
      });
    // Assess
    expect(act).toThrow(/bytes as JSON/);
  });
});

describe("snapshot", () => {
  it("matches the report-mode template (asset hashes normalised)", () => {
    expect(normalisedTemplate(report.template)).toMatchSnapshot();
  });
});
