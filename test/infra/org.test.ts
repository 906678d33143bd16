/**
 * The org-wide stack: the state machine (ListAccounts, Distributed Map, retries), its schedule,
 * the StackSet and the member role it delivers, the org scan role, and cdk-nag.
 */
import type { CfnElement } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../lambdas/config.ts";
import { awsIamPolicyStatements } from "../../lambdas/sources/aws-iam/permissions.ts";
import { IamHygieneOrgStack, ORG_WILDCARD_RESOURCE_ACTIONS } from "../../lib/org/iam-hygiene-org-stack.ts";
import {
  SCANNER_PRINCIPAL_PARAMETER,
  SECURITY_HUB_REGION_PARAMETER,
  scannerRoleTemplate,
} from "../../lib/org/scanner-role-template.ts";
import {
  PROTECTED_PRINCIPAL_DENIED_ACTIONS,
  SELF_PROTECTION_DENIED_ACTIONS,
  WILDCARD_RESOURCE_ACTIONS,
} from "../../lib/permissions.ts";
import {
  acknowledgements,
  iamStatements,
  nagApp,
  type SynthOutcome,
  synthWithValidation,
  unbundledContext,
} from "./support.ts";

const ORG = "o-abcdefghij";
const OUS = ["ou-abcd-11111111", "ou-abcd-22222222"];

let outcome: SynthOutcome;
let template: Template;
let stack: IamHygieneOrgStack;

beforeAll(() => {
  // Prepare: the org stack in enforce mode with an external id. Its functions share the one
  // asset scanner.test.ts builds and checks, so this template is synthesised without bundling.
  const app = nagApp(unbundledContext());
  stack = new IamHygieneOrgStack(app, "Org", {
    organizationId: ORG,
    targetOrganizationalUnitIds: OUS,
    externalId: "iam-hygiene-external-id",
    maxConcurrency: 5,
    scanner: {
      config: {
        mode: "enforce",
        notifications: { securityHub: { enabled: true } },
        protectedPrincipals: ["break-glass-*"],
        // A pool of the security account, and one of a member account.
        sources: {
          "aws-cognito": {
            enabled: true,
            pools: [
              { userPoolId: "eu-west-1_Home1" },
              { userPoolId: "eu-west-1_Member2", account: "222222222222" },
            ],
          },
        },
      },
    },
  });
  outcome = synthWithValidation(app);
  template = Template.fromStack(stack);
}, 120_000);

type Json = Record<string, unknown>;

/** The state machine definition, with the tokens in it flattened to placeholders. */
function definition(): Json {
  const machines = template.findResources("AWS::StepFunctions::StateMachine");
  const body = (Object.values(machines)[0] as { Properties: { DefinitionString: unknown } }).Properties
    .DefinitionString;
  const join = body as { "Fn::Join": [string, unknown[]] };
  const text = join["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "TOKEN")).join("");
  return JSON.parse(text) as Json;
}

describe("cdk-nag AwsSolutions", () => {
  it("synthesises with zero unacknowledged findings", () => {
    expect(outcome.error?.message).toBeUndefined();
    const nag = outcome.report?.pluginReports.find((r) => r.pluginName === "AwsSolutions");
    expect(nag?.violations ?? []).toEqual([]);
  });

  it("leaves no unacknowledged construct warning", () => {
    Annotations.fromStack(stack).hasNoWarning("*", Match.anyValue());
  });

  it("gives every acknowledgement a reason", () => {
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.trim().length, ack.id).toBeGreaterThan(10);
  });
});

describe("state machine", () => {
  it("lists the organization's accounts page by page, then runs a Distributed Map", () => {
    // Act
    const def = definition();
    const states = def.States as Record<string, Json>;
    // Assess
    expect(def.QueryLanguage).toBe("JSONata");
    expect(def.StartAt).toBe("ListAccounts");
    expect(states.ListAccounts?.Resource).toBe("arn:TOKEN:states:::aws-sdk:organizations:listAccounts");
    expect(states.ListMoreAccounts?.Arguments).toEqual({ NextToken: "{% $states.input.nextToken %}" });
    expect(states["MoreAccounts?"]?.Type).toBe("Choice");
    const map = states.ScanEachAccount as Json;
    expect(map.Type).toBe("Map");
    expect(map.MaxConcurrency).toBe(5);
    expect(map.ToleratedFailurePercentage).toBe(10);
    expect(map.ItemProcessor).toMatchObject({
      ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
    });
    expect(map.ItemSelector).toMatchObject({ accountId: "{% $states.context.Map.Item.Value %}" });
  });

  it("invokes the org account scan with { accountId, roleArn, externalId } and retries throttling with backoff", () => {
    const map = (definition().States as Record<string, Json>).ScanEachAccount as Json;
    const processor = map.ItemProcessor as { States: Record<string, Json> };
    const invoke = processor.States.ScanAccount as Json;
    expect(invoke.Arguments).toMatchObject({
      Payload: {
        accountId: "{% $states.input.accountId %}",
        roleArn: "{% $states.input.roleArn %}",
        externalId: "iam-hygiene-external-id",
      },
    });
    expect(invoke.Retry).toEqual([
      expect.objectContaining({
        ErrorEquals: expect.arrayContaining(["Lambda.TooManyRequestsException"]),
        BackoffRate: 2,
        MaxAttempts: 6,
        JitterStrategy: "FULL",
      }),
    ]);
  });

  it("is started by an EventBridge Scheduler schedule and logs every execution", () => {
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(6 hours)",
      Target: { Arn: { Ref: Match.stringLikeRegexp("OrgScanStateMachine") } },
    });
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ALL" }),
    });
  });
});

describe("outputs", () => {
  it("tells operators where HR posts, with which secret, and where the departure list goes", () => {
    // The same four as the per-account stack, pointing at the security account's scanner.
    const outputs = template.findOutputs("*");
    expect(Object.keys(outputs).sort()).toEqual([
      "DataBucketName",
      "DeparturesObjectKey",
      "OrgScanRoleArn",
      "StateMachineArn",
      "WebhookSecretArn",
      "WebhookUrl",
    ]);
    expect(stack.resolve(outputs.DataBucketName?.Value)).toEqual(
      stack.resolve(stack.scanner.bucket.bucketName),
    );
    expect(stack.resolve(outputs.WebhookSecretArn?.Value)).toEqual(
      stack.resolve(stack.scanner.webhookSecret.secretArn),
    );
    expect(outputs.DeparturesObjectKey?.Value).toBe(stack.scanner.departuresObjectKey);
  });
});

describe("org observability", () => {
  it("alarms on failed org-wide runs and graphs them on the dashboard", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/States",
      MetricName: "ExecutionsFailed",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    // One member account failing within the tolerated share leaves the run green: its own alarm,
    // on the handler's metric (not Lambda Errors, which accounts without the role raise by design).
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "IamHygiene",
      MetricName: "AccountScanFailures",
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    const dashboards = template.findResources("AWS::CloudWatch::Dashboard");
    expect(JSON.stringify(dashboards)).toContain("Org-wide runs");
  });
});

describe("org account scan function", () => {
  it("runs Node.js 22 on arm64 and may only assume the member role inside the organization", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("org account scan"),
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Timeout: 900,
    });
    const assume = iamStatements(template).find((s) => s.Sid === "AssumeMemberScannerRole");
    expect(assume?.Action).toEqual(["sts:AssumeRole"]);
    expect(assume?.Condition).toEqual({ StringEquals: { "aws:ResourceOrgID": ORG } });
    expect(JSON.stringify(assume?.Resource)).toContain(":iam::*:role/IamHygieneScanner");
  });

  it('allows Resource "*" only for the documented actions', () => {
    const documented = new Set([
      ...Object.keys(WILDCARD_RESOURCE_ACTIONS),
      ...Object.keys(ORG_WILDCARD_RESOURCE_ACTIONS),
    ]);
    for (const s of iamStatements(template).filter((x) => x.Effect === "Allow" && x.Resource.includes("*"))) {
      for (const action of s.Action) expect([...documented], action).toContain(action);
    }
  });
});

describe("StackSet", () => {
  it("is service-managed and auto-deploys the member role to the target OUs", () => {
    template.hasResourceProperties("AWS::CloudFormation::StackSet", {
      PermissionModel: "SERVICE_MANAGED",
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ["CAPABILITY_NAMED_IAM"],
      CallAs: "DELEGATED_ADMIN",
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: OUS }, Regions: Match.anyValue() }],
      Parameters: [
        { ParameterKey: SCANNER_PRINCIPAL_PARAMETER, ParameterValue: Match.anyValue() },
        // Security Hub is on: member scans import findings in this stack's region.
        { ParameterKey: SECURITY_HUB_REGION_PARAMETER, ParameterValue: { Ref: "AWS::Region" } },
      ],
    });
  });

  it("lets the member role import findings into its own account's Security Hub, and deny protected principals", () => {
    // Prepare
    const stackSets = template.findResources("AWS::CloudFormation::StackSet");
    const body = JSON.parse(
      (Object.values(stackSets)[0] as { Properties: { TemplateBody: string } }).Properties.TemplateBody,
    ) as {
      Parameters: Json;
      Resources: { ScannerRole: { Properties: { Policies: { PolicyDocument: { Statement: Json[] } }[] } } };
    };
    const statements = body.Resources.ScannerRole.Properties.Policies[0]?.PolicyDocument.Statement ?? [];
    // Assess: the default product of the member account itself, in the parameter's region...
    expect(statements.find((s) => s.Sid === "SecurityHubImport")).toEqual({
      Sid: "SecurityHubImport",
      Effect: "Allow",
      Action: "securityhub:BatchImportFindings",
      Resource: {
        "Fn::Sub":
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
          "arn:${AWS::Partition}:securityhub:${SecurityHubRegion}:${AWS::AccountId}:product/${AWS::AccountId}/default",
      },
    });
    expect(body.Parameters[SECURITY_HUB_REGION_PARAMETER]).toMatchObject({ Type: "String" });
    // ...and the config's protected principals, plus the member role's own name, denied.
    const deny = statements.find((s) => s.Sid === "DenyProtectedPrincipals");
    expect(deny?.Effect).toBe("Deny");
    expect(deny?.Resource).toEqual(
      expect.arrayContaining([
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
        { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/break-glass-*" },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
        { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/IamHygieneScanner" },
      ]),
    );
  });

  it("leaves Security Hub to the member role: the org scan role imports nothing at home", () => {
    // The security account's own scan (the scanner's function) still imports at home.
    const imports = iamStatements(template).filter((s) =>
      s.Action.includes("securityhub:BatchImportFindings"),
    );
    const orgRoleId = stack.resolve((stack.orgScanRole.node.defaultChild as CfnElement).logicalId);
    const orgPolicyIds = Object.entries(template.findResources("AWS::IAM::Policy"))
      .filter(([, r]) => JSON.stringify(r).includes(`"Ref":"${orgRoleId}"`))
      .map(([id]) => id);
    expect(imports).toHaveLength(1);
    expect(orgPolicyIds.length).toBeGreaterThan(0);
    expect(orgPolicyIds).not.toContain(imports[0]?.logicalId);
  });

  it("delivers a role trusted only by the org scan role, inside the organization, with the external id", () => {
    // Prepare
    const stackSets = template.findResources("AWS::CloudFormation::StackSet");
    const body = JSON.parse(
      (Object.values(stackSets)[0] as { Properties: { TemplateBody: string } }).Properties.TemplateBody,
    ) as { Resources: { ScannerRole: { Properties: Json } } };
    const role = body.Resources.ScannerRole.Properties;
    // Assess
    expect(role.RoleName).toBe("IamHygieneScanner");
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: { Ref: SCANNER_PRINCIPAL_PARAMETER } },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:PrincipalOrgID": ORG, "sts:ExternalId": "iam-hygiene-external-id" },
          },
        },
      ],
    });
  });
});

describe("Cognito pools in an org-wide deployment", () => {
  it("grants the member pool to the member role and the security account's pool to its own scan, never the other way", () => {
    // Prepare
    const stackSet = Object.values(template.findResources("AWS::CloudFormation::StackSet"))[0] as {
      Properties: { TemplateBody: unknown };
    };
    const body = JSON.stringify(stackSet.Properties.TemplateBody);
    const ownPolicies = JSON.stringify(template.findResources("AWS::IAM::Policy"));
    // Assess
    expect(body).toContain("cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Member2");
    expect(body).not.toContain("eu-west-1_Home1");
    expect(ownPolicies).toContain("userpool/eu-west-1_Home1");
    expect(ownPolicies).not.toContain("eu-west-1_Member2");
  });

  it("refuses a pool whose account is the security account's own, when the stack's account is known", () => {
    // Act
    const act = () =>
      new IamHygieneOrgStack(nagApp(unbundledContext()), "OrgWithEnv", {
        env: { account: "111111111111", region: "eu-west-1" },
        organizationId: ORG,
        targetOrganizationalUnitIds: OUS,
        scanner: {
          config: {
            sources: {
              "aws-cognito": {
                enabled: true,
                pools: [{ userPoolId: "eu-west-1_Mine1", account: "111111111111" }],
              },
            },
          },
        },
      });
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/is this stack's own account \(111111111111\), which the member scans skip/);
  });
});

describe("member role template", () => {
  it("renders the same aws-iam statements, scoped per account, and denies changes to itself", () => {
    // Act
    const body = scannerRoleTemplate({
      roleName: "IamHygieneScanner",
      organizationId: ORG,
      mode: "enforce",
      sessionRevocationRoleArns: [],
    }) as {
      Resources: { ScannerRole: { Properties: { Policies: { PolicyDocument: { Statement: Json[] } }[] } } };
    };
    const statements = body.Resources.ScannerRole.Properties.Policies[0]?.PolicyDocument.Statement ?? [];
    // Assess: every declared statement but role-session revocation (no roles listed or tagged).
    const sids = statements.map((s) => s.Sid);
    for (const spec of awsIamPolicyStatements.filter((s) => s.sid !== "AwsIamRevokeRoleSessions")) {
      expect(sids).toContain(spec.sid);
    }
    const users = statements.find((s) => s.Sid === "AwsIamReadUsers");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder.
    expect(users?.Resource).toEqual({ "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*" });
    // The condition's placeholder is substituted too: a literal `${AWS::Partition}` would never match.
    expect(statements.find((s) => s.Sid === "AwsIamDenyAllFallback")?.Condition).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder.
      ArnEquals: { "iam:PolicyARN": { "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSDenyAll" } },
    });
    const deny = statements.find((s) => s.Sid === "DenySelfModification");
    expect(deny?.Effect).toBe("Deny");
    expect([...((deny?.Action as string[]) ?? [])].sort()).toEqual(
      [...SELF_PROTECTION_DENIED_ACTIONS].sort(),
    );
    for (const s of statements) expect(s.Action).not.toContain("iam:*");
    // Nowhere else is a placeholder left outside an Fn::Sub.
    const bare: string[] = [];
    const walk = (value: unknown, key?: string): void => {
      if (typeof value === "string" && value.includes("${AWS::") && key !== "Fn::Sub") bare.push(value);
      else if (Array.isArray(value)) for (const inner of value) walk(inner);
      else if (value !== null && typeof value === "object")
        for (const [k, inner] of Object.entries(value)) walk(inner, k);
    };
    walk(statements);
    expect(bare).toEqual([]);
  });

  it("denies the revocation actions on the protected principals, and grants Security Hub only when asked", () => {
    // Act
    const render = (options: { protectedPrincipals?: string[]; securityHub?: boolean }) =>
      scannerRoleTemplate({
        roleName: "IamHygieneScanner",
        organizationId: ORG,
        mode: "enforce",
        sessionRevocationRoleArns: [],
        ...options,
      }) as {
        Parameters: Json;
        Resources: { ScannerRole: { Properties: { Policies: { PolicyDocument: { Statement: Json[] } }[] } } };
      };
    const guarded = render({
      protectedPrincipals: ["break-glass*", "arn:aws:iam::*:role/ops/*", "a@b.example"],
    });
    const plain = render({});
    const statements = (t: ReturnType<typeof render>) =>
      t.Resources.ScannerRole.Properties.Policies[0]?.PolicyDocument.Statement ?? [];
    // Assess
    const deny = statements(guarded).find((s) => s.Sid === "DenyProtectedPrincipals");
    expect(deny?.Effect).toBe("Deny");
    expect([...((deny?.Action as string[]) ?? [])].sort()).toEqual(
      [...PROTECTED_PRINCIPAL_DENIED_ACTIONS].sort(),
    );
    expect(deny?.Resource).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
      { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/break-glass*" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
      { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/BREAK-GLASS*" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
      { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/Break-Glass*" },
      "arn:aws:iam::*:role/ops/*",
      "arn:aws:iam::*:role/OPS/*",
      "arn:aws:iam::*:role/Ops/*",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
      { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/a@b.example" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
      { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/A@B.EXAMPLE" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
      { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*/A@B.Example" },
    ]);
    expect(statements(plain).map((s) => s.Sid)).not.toContain("DenyProtectedPrincipals");
    expect(statements(plain).map((s) => s.Sid)).not.toContain("SecurityHubImport");
    expect(plain.Parameters[SECURITY_HUB_REGION_PARAMETER]).toBeUndefined();
    expect(statements(render({ securityHub: true })).map((s) => s.Sid)).toContain("SecurityHubImport");
  });

  it("grants the Cognito actions on the member accounts' pools only, each in its own account, and revokes only in enforce mode", () => {
    // Prepare: a pool of the security account, and one in each of two member accounts.
    const cognito = parseConfig({
      sources: {
        "aws-cognito": {
          enabled: true,
          pools: [
            { userPoolId: "eu-west-1_Home1" },
            { userPoolId: "eu-west-1_Member2", account: "222222222222" },
            { userPoolId: "us-east-1_Member3", account: "333333333333", region: "us-east-2" },
          ],
        },
      },
    }).sources["aws-cognito"];
    const render = (mode: "report" | "enforce", section = cognito) =>
      (
        scannerRoleTemplate({
          roleName: "IamHygieneScanner",
          organizationId: ORG,
          mode,
          sessionRevocationRoleArns: [],
          cognito: section,
        }) as {
          Resources: {
            ScannerRole: { Properties: { Policies: { PolicyDocument: { Statement: Json[] } }[] } };
          };
        }
      ).Resources.ScannerRole.Properties.Policies[0]?.PolicyDocument.Statement ?? [];
    // Act
    const enforce = render("enforce");
    const report = render("report");
    const off = render("enforce", { ...cognito, enabled: false });
    // Assess
    const memberPools = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder.
      { "Fn::Sub": "arn:${AWS::Partition}:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Member2" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder.
      { "Fn::Sub": "arn:${AWS::Partition}:cognito-idp:us-east-2:333333333333:userpool/us-east-1_Member3" },
    ];
    expect(enforce.find((s) => s.Sid === "AwsCognitoRead")?.Resource).toEqual(memberPools);
    expect(enforce.find((s) => s.Sid === "AwsCognitoRevoke")?.Resource).toEqual(memberPools);
    expect(JSON.stringify(enforce)).not.toContain("Home1");
    expect(report.map((s) => s.Sid)).toContain("AwsCognitoRead");
    expect(report.map((s) => s.Sid)).not.toContain("AwsCognitoRevoke");
    expect(off.map((s) => s.Sid)).not.toContain("AwsCognitoRead");
  });

  it("refuses more member pools than one role's policy can name, and takes as many as fit", () => {
    // Prepare: pools spread over member accounts; each member role names all of them.
    const withPools = (count: number) =>
      parseConfig({
        sources: {
          "aws-cognito": {
            enabled: true,
            pools: Array.from({ length: count }, (_, i) => ({
              userPoolId: `eu-west-1_Pool${i}`,
              account: String(200_000_000_000 + i),
            })),
          },
        },
      }).sources["aws-cognito"];
    const render = (count: number) => () =>
      scannerRoleTemplate({
        roleName: "IamHygieneScanner",
        organizationId: ORG,
        mode: "enforce",
        sessionRevocationRoleArns: [],
        cognito: withPools(count),
      });
    // Assess
    expect(render(20)).not.toThrow();
    expect(render(60)).toThrow(ConfigError);
    expect(render(60)).toThrow(/over IAM's 10240 for a role/);
  });

  it("grants reads only in report mode", () => {
    const body = scannerRoleTemplate({
      roleName: "IamHygieneScanner",
      organizationId: ORG,
      mode: "report",
      sessionRevocationRoleArns: [],
    });
    const writes = awsIamPolicyStatements.filter((s) => s.access === "write").flatMap((s) => s.actions);
    const allowed = JSON.stringify(
      (
        body as {
          Resources: {
            ScannerRole: { Properties: { Policies: { PolicyDocument: { Statement: Json[] } }[] } };
          };
        }
      ).Resources.ScannerRole.Properties.Policies[0]?.PolicyDocument.Statement.filter(
        (s) => s.Effect === "Allow",
      ),
    );
    for (const action of writes) expect(allowed).not.toContain(`"${action}"`);
  });
});
