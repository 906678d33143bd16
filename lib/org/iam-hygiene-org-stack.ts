/**
 * `IamHygieneOrgStack`: iam-hygiene for a whole AWS Organization, deployed in the security
 * account. It holds a full `IamHygieneScanner` (store, data bucket, webhook, alarms; it also
 * scans the security account itself), plus:
 *
 * - a Step Functions state machine: `organizations:ListAccounts` (paginated, JSONata), then a
 *   Distributed Map running the org account scan once per active member account;
 * - an EventBridge Scheduler schedule starting it;
 * - a service-managed StackSet delivering the member-account scanner role to the target OUs.
 */
import {
  type CfnElement,
  CfnOutput,
  CfnStackSet,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as schedulerTargets from "aws-cdk-lib/aws-scheduler-targets";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import { type Config, ConfigError } from "../../lambdas/config.ts";
import { HygieneFunction, LAMBDA_ENTRIES, MAX_LAMBDA_TIMEOUT } from "../function-defaults.ts";
import {
  addScannerOutputs,
  CONFIG_ENV,
  IamHygieneScanner,
  type IamHygieneScannerProps,
  withAlarmTopicArn,
} from "../iam-hygiene-scanner.ts";
import { SCAN_METRICS, scanMetric } from "../metrics.ts";
import {
  SCANNER_PRINCIPAL_PARAMETER,
  SECURITY_HUB_REGION_PARAMETER,
  scannerRoleTemplate,
} from "./scanner-role-template.ts";

/**
 * Actions the org stack grants on `Resource: "*"` besides `WILDCARD_RESOURCE_ACTIONS`, with the
 * reason. The infra tests fail on any other.
 */
export const ORG_WILDCARD_RESOURCE_ACTIONS: Readonly<Record<string, string>> = {
  "organizations:ListAccounts": "Organizations' ListAccounts supports no resource-level permissions.",
  "xray:GetSamplingRules": "Step Functions X-Ray tracing: no resource-level permissions.",
  "xray:GetSamplingTargets": "Step Functions X-Ray tracing: no resource-level permissions.",
  ...Object.fromEntries(
    [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ].map((action) => [
      action,
      "Step Functions execution logging uses CloudWatch Logs vended log delivery, which supports no resource-level permissions.",
    ]),
  ),
};

/** Props of `IamHygieneOrgStack`. */
export interface IamHygieneOrgStackProps extends StackProps {
  /** The organization id (`o-...`); the member role trusts only principals of this organization. */
  readonly organizationId: string;
  /** OUs (`ou-...` or the root `r-...`) the StackSet deploys the member role to, now and on account creation. */
  readonly targetOrganizationalUnitIds: readonly string[];
  /**
   * Regions of the StackSet instances. IAM is global: one region is enough.
   * @default - this stack's region
   */
  readonly stackSetRegions?: readonly string[];
  /**
   * Whether the StackSet is managed from the management account (`SELF`) or from a delegated
   * administrator account such as a security account (`DELEGATED_ADMIN`).
   * @default "DELEGATED_ADMIN"
   */
  readonly callAs?: "SELF" | "DELEGATED_ADMIN";
  /**
   * Name of the scanner role in every member account.
   * @default "IamHygieneScanner"
   */
  readonly scannerRoleName?: string;
  /**
   * External id the org scan presents when assuming the member role.
   * @default - none; the trust is pinned to the org scan role and `aws:PrincipalOrgID`
   */
  readonly externalId?: string;
  /**
   * How many accounts are scanned at once.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Share of accounts whose scan may fail before the whole run fails (e.g. accounts outside
   * the target OUs, which have no scanner role).
   * @default 10
   */
  readonly toleratedFailurePercentage?: number;
  /**
   * When the org-wide scan runs.
   * @default ScheduleExpression.rate(Duration.hours(6))
   */
  readonly orgSchedule?: scheduler.ScheduleExpression;
  /**
   * Props of the security account's own scanner (config, secrets, alarms...). Its config and
   * store are shared with the org scan.
   * @default {}
   */
  readonly scanner?: IamHygieneScannerProps;
  /**
   * An existing SNS topic, by ARN, that every alarm notifies (imported into this stack; what
   * `cdk -c alarmTopicArn=...` sets). `scanner.alarmTopic`, if given, wins.
   * @default - `scanner.alarmTopic`, or the topic `scanner.alarmEmails` creates
   */
  readonly alarmTopicArn?: string;
}

/** iam-hygiene for an AWS Organization, in the security account. */
export class IamHygieneOrgStack extends Stack {
  /** The security account's scanner; its store and bucket are shared with the org scan. */
  readonly scanner: IamHygieneScanner;
  /** One iteration of the Distributed Map: scans one member account. */
  readonly orgScanFunction: lambda.Function;
  /** The org scan function's role: the only principal member roles trust. */
  readonly orgScanRole: iam.Role;
  /** ListAccounts, then a Distributed Map over the accounts. */
  readonly stateMachine: sfn.StateMachine;
  /** The StackSet delivering the member-account scanner role. */
  readonly stackSet: CfnStackSet;
  /** The schedule starting the state machine. */
  readonly orgSchedule: scheduler.Schedule;
  /** The member role's name. */
  readonly scannerRoleName: string;
  /** Alarm on failed org-wide runs (more account scans failed than tolerated, or a ListAccounts error). */
  readonly orgScanFailedAlarm: cloudwatch.Alarm;
  /**
   * Alarm on any one member account's scan failing, even within the tolerated share (the run
   * then succeeds, but that account went unchecked).
   */
  readonly accountScanFailedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: IamHygieneOrgStackProps) {
    super(scope, id, {
      description: "iam-hygiene: organization-wide scan (security account)",
      ...props,
    });
    if (!/^o-[a-z0-9]{10,32}$/.test(props.organizationId)) {
      throw new Error(`organizationId "${props.organizationId}" is not an organization id (o-...)`);
    }
    if (props.targetOrganizationalUnitIds.length === 0) {
      throw new Error("targetOrganizationalUnitIds is empty: the member role would reach no account");
    }
    const roleName = props.scannerRoleName ?? "IamHygieneScanner";
    this.scannerRoleName = roleName;

    const scannerProps = withAlarmTopicArn(this, props.scanner, props.alarmTopicArn);
    this.scanner = new IamHygieneScanner(this, "IamHygiene", {
      ...scannerProps,
      // Pools with an account are the member scans' (the member role template grants them).
      memberAccountPools: true,
      protectedPrincipals: [
        ...(props.scanner?.protectedPrincipals ?? []),
        roleName,
        `arn:${this.partition}:iam::*:role/${roleName}`,
        `arn:${this.partition}:sts::*:assumed-role/${roleName}/*`,
      ],
    });
    const config = this.scanner.config;
    refuseOwnAccountAsMember(config, this.account);

    // The org account scan: the scanner's config, plus its own role as a protected principal.
    const orgScan = new HygieneFunction(this, "OrgAccountScan", {
      entry: LAMBDA_ENTRIES.orgAccountScan,
      description: "iam-hygiene org account scan (one member account per invocation)",
      timeout: MAX_LAMBDA_TIMEOUT,
      memorySize: props.scanner?.scanMemorySize ?? 1024,
      environment: {},
      logRetention: props.scanner?.logRetention ?? logs.RetentionDays.ONE_YEAR,
      logRemovalPolicy: removalOf(props),
    });
    this.orgScanFunction = orgScan.function;
    this.orgScanRole = orgScan.role;
    this.orgScanFunction.addEnvironment(
      CONFIG_ENV,
      this.toJsonString({
        ...config,
        protectedPrincipals: [...config.protectedPrincipals, this.orgScanRole.roleArn],
      }),
    );
    this.orgScanFunction.addEnvironment("STORE_TABLE_NAME", this.scanner.table.tableName);
    // Member scans import their Security Hub findings with the member role, in the member
    // account (Security Hub takes a default-product finding only from the account it names).
    this.scanner.grantScanData(this.orgScanRole, { securityHub: false });
    this.orgScanRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "AssumeMemberScannerRole",
        actions: ["sts:AssumeRole"],
        resources: [`arn:${this.partition}:iam::*:role/${roleName}`],
        conditions: { StringEquals: { "aws:ResourceOrgID": props.organizationId } },
      }),
    );

    this.stateMachine = this.#stateMachine(props, roleName);
    this.orgSchedule = this.#schedule(props);
    [this.orgScanFailedAlarm, this.accountScanFailedAlarm] = this.#observe();

    const securityHub = config.notifications.securityHub?.enabled ?? false;
    const template = scannerRoleTemplate({
      roleName,
      organizationId: props.organizationId,
      mode: config.mode,
      protectedPrincipals: config.protectedPrincipals,
      securityHub,
      sessionRevocationRoleArns: config.sources["aws-iam"].sessionRevocationRoleArns,
      cognito: config.sources["aws-cognito"],
      ...(config.sources["aws-iam"].sessionRevocationRoleTag
        ? { sessionRevocationRoleTagKey: config.sources["aws-iam"].sessionRevocationRoleTag.key }
        : {}),
      ...(props.externalId ? { externalId: props.externalId } : {}),
    });
    this.stackSet = new CfnStackSet(this, "ScannerRoleStackSet", {
      stackSetName: `${this.stackName}-scanner-role`,
      description: "iam-hygiene member-account scanner role",
      permissionModel: "SERVICE_MANAGED",
      callAs: props.callAs ?? "DELEGATED_ADMIN",
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ["CAPABILITY_NAMED_IAM"],
      managedExecution: { Active: true },
      operationPreferences: {
        failureTolerancePercentage: 10,
        maxConcurrentPercentage: 25,
        regionConcurrencyType: "PARALLEL",
      },
      parameters: [
        { parameterKey: SCANNER_PRINCIPAL_PARAMETER, parameterValue: this.orgScanRole.roleArn },
        // Member scans import findings in this stack's region, whatever the StackSet's regions.
        ...(securityHub
          ? [{ parameterKey: SECURITY_HUB_REGION_PARAMETER, parameterValue: this.region }]
          : []),
      ],
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...props.targetOrganizationalUnitIds] },
          regions: [...(props.stackSetRegions ?? [this.region])],
        },
      ],
      templateBody: JSON.stringify(template),
    });

    addScannerOutputs(this, this.scanner);
    new CfnOutput(this, "StateMachineArn", { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, "OrgScanRoleArn", {
      description: "The only principal the member scanner roles trust",
      value: this.orgScanRole.roleArn,
    });

    this.#acknowledgeFindings(props.organizationId, roleName);
  }

  #stateMachine(props: IamHygieneOrgStackProps, roleName: string): sfn.StateMachine {
    const activeOthers = `Accounts[(Status = "ACTIVE" or State = "ACTIVE") and Id != "${this.account}"].Id[]`;
    const collect = (previous: string) =>
      `{% {"accounts": $append(${previous}, $states.result.${activeOthers}), "nextToken": $exists($states.result.NextToken) ? $states.result.NextToken : ""} %}`;
    const listAccounts = (id: string, parameters: Record<string, unknown>, previous: string) =>
      tasks.CallAwsService.jsonata(this, id, {
        service: "organizations",
        action: "listAccounts",
        parameters,
        // organizations:ListAccounts supports no resource-level permissions.
        iamAction: "organizations:ListAccounts",
        iamResources: ["*"],
        outputs: collect(previous),
      }).addRetry({
        errors: ["Organizations.TooManyRequestsException", "Organizations.ServiceException"],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        jitterStrategy: sfn.JitterType.FULL,
      });
    const firstPage = listAccounts("ListAccounts", {}, "[]");
    const nextPage = listAccounts(
      "ListMoreAccounts",
      { NextToken: "{% $states.input.nextToken %}" },
      "$states.input.accounts",
    );

    const scanAccount = tasks.LambdaInvoke.jsonata(this, "ScanAccount", {
      lambdaFunction: this.orgScanFunction,
      payload: sfn.TaskInput.fromObject({
        accountId: "{% $states.input.accountId %}",
        roleArn: "{% $states.input.roleArn %}",
        ...(props.externalId ? { externalId: props.externalId } : {}),
      }),
      retryOnServiceExceptions: false,
      outputs: "{% $states.result.Payload.status %}",
    }).addRetry({
      errors: [
        "Lambda.TooManyRequestsException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
      ],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 6,
      maxDelay: Duration.minutes(2),
      jitterStrategy: sfn.JitterType.FULL,
    });

    const map = sfn.DistributedMap.jsonata(this, "ScanEachAccount", {
      items: sfn.ProvideItems.jsonata("{% $states.input.accounts %}"),
      itemSelector: {
        accountId: "{% $states.context.Map.Item.Value %}",
        roleArn: `{% "arn:${this.partition}:iam::" & $states.context.Map.Item.Value & ":role/${roleName}" %}`,
      },
      maxConcurrency: props.maxConcurrency ?? 10,
      toleratedFailurePercentage: props.toleratedFailurePercentage ?? 10,
      label: "ScanEachAccount",
      mapExecutionType: sfn.StateMachineType.STANDARD,
      outputs: '{% {"accounts": $count($states.result)} %}',
    });
    // Mode and execution type come from the DistributedMap itself (mapExecutionType).
    map.itemProcessor(scanAccount);

    const morePages = sfn.Choice.jsonata(this, "MoreAccounts?")
      .when(sfn.Condition.jsonata('{% $states.input.nextToken != "" %}'), nextPage)
      .otherwise(map);
    nextPage.next(morePages);

    const logGroup = new logs.LogGroup(this, "OrgScanStateMachineLogs", {
      retention: props.scanner?.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: removalOf(props),
    });
    return new sfn.StateMachine(this, "OrgScanStateMachine", {
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(firstPage.next(morePages)),
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
  }

  #observe(): [cloudwatch.Alarm, cloudwatch.Alarm] {
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      const topic = this.scanner.alarmTopic;
      if (topic) {
        created.addAlarmAction(new cloudwatchActions.SnsAction(topic));
        created.addOkAction(new cloudwatchActions.SnsAction(topic));
      }
      return created;
    };
    const runFailed = alarm(
      "OrgScanFailedAlarm",
      this.stateMachine.metricFailed({ period: Duration.hours(1), statistic: "Sum" }),
      "An org-wide iam-hygiene run failed: more account scans failed than tolerated, or listing accounts failed.",
    );
    // The map tolerates a share of failed accounts so one broken account cannot stop the rest;
    // the run then succeeds, and without this alarm nobody would hear that account went unchecked.
    // Not the function's Errors: accounts outside the target OUs have no role and fail every
    // run by design; this metric counts only accounts whose role was assumed and whose scan failed.
    const accountFailed = alarm(
      "OrgAccountScanFailedAlarm",
      scanMetric(SCAN_METRICS.accountScanFailures, { period: Duration.hours(1) }),
      "A member account's iam-hygiene scan failed after its role was assumed (throttling that outlasted the retries, an error reading the store, a timeout). The org run may still have succeeded: that account's credentials went unchecked. The metric's Account dimension and the function's logs name the account.",
    );
    this.scanner.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Org-wide runs",
        left: [
          this.stateMachine.metricSucceeded({ period: Duration.hours(1), label: "Succeeded" }),
          this.stateMachine.metricFailed({ period: Duration.hours(1), label: "Failed" }),
        ],
        right: [
          this.orgScanFunction.metricErrors({ period: Duration.hours(1), label: "Account scan errors" }),
          scanMetric(SCAN_METRICS.accountScanFailures, {
            period: Duration.hours(1),
            label: "Accounts whose scan failed (role assumed)",
          }),
        ],
        width: 24,
      }),
    );
    return [runFailed, accountFailed];
  }

  #schedule(props: IamHygieneOrgStackProps): scheduler.Schedule {
    const role = new iam.Role(this, "OrgSchedulerRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
      description: "EventBridge Scheduler: starts the iam-hygiene org scan",
    });
    return new scheduler.Schedule(this, "OrgSchedule", {
      description: "iam-hygiene: organization-wide scan",
      schedule: props.orgSchedule ?? scheduler.ScheduleExpression.rate(Duration.hours(6)),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.scanner.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });
  }

  #acknowledgeFindings(organizationId: string, roleName: string): void {
    Validations.of(this.orgScanRole).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${roleName}]`,
        reason: `Member accounts are discovered at run time; AssumeRole is limited to the role named ${roleName} in accounts of ${organizationId} (aws:ResourceOrgID).`,
      },
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "X-Ray tracing (Tracing.ACTIVE): PutTraceSegments and PutTelemetryRecords support no resource-level scoping.",
      },
    );
    const sm = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.resolve((this.stateMachine.node.defaultChild as CfnElement).logicalId)}"}]}]}`;
    const fn = `<${this.resolve((this.orgScanFunction.node.defaultChild as CfnElement).logicalId)}.Arn>`;
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${sm}`;
    Validations.of(this.stateMachine).acknowledge(
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason: `Actions without resource-level permissions: ${Object.keys(ORG_WILDCARD_RESOURCE_ACTIONS).join(", ")}, xray:PutTraceSegments, xray:PutTelemetryRecords (see ORG_WILDCARD_RESOURCE_ACTIONS).`,
      },
      {
        id: `AwsSolutions-IAM5[Resource::${fn}:*]`,
        reason:
          "Step Functions' LambdaInvoke grants invoke on the org scan function and its versions/aliases.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${executions}:*]`,
        reason:
          "A Distributed Map starts and tracks child executions of this state machine, named at run time.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${executions}/ScanEachAccount:*]`,
        reason: "Child executions of the ScanEachAccount Distributed Map are named at run time.",
      },
    );
    Validations.of(this.orgScanFunction).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 is the runtime the project targets and tests against (docs/deploy.md); a runtime upgrade is a deliberate, tested change.",
    });
  }
}

/** The removal policy of the org stack's own log groups: the scanner's. */
function removalOf(props: IamHygieneOrgStackProps): RemovalPolicy {
  return props.scanner?.removalPolicy ?? RemovalPolicy.RETAIN;
}

/**
 * A pool whose `account` is the security account itself would be scanned by nobody: the
 * security account's own scan covers the pools without an `account`, and the org run scans the
 * other accounts. Checked when the stack's account is known at synth (an `env` is given).
 */
function refuseOwnAccountAsMember(config: Config, stackAccount: string): void {
  if (Token.isUnresolved(stackAccount) || !config.sources["aws-cognito"].enabled) return;
  const problems = config.sources["aws-cognito"].pools.flatMap((pool, i) =>
    pool.account === stackAccount
      ? [
          {
            path: `sources.aws-cognito.pools.${i}.account`,
            message: `is this stack's own account (${stackAccount}), which the member scans skip: leave account out for the security account's pools`,
          },
        ]
      : [],
  );
  if (problems.length > 0) throw new ConfigError(problems, "IamHygieneOrgStack config");
}
