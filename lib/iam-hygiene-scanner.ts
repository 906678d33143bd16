/**
 * `IamHygieneScanner`: the whole per-account deployment in one L3 construct. A scheduled
 * scan, a targeted rescan when HR drops a new departure list in S3 or calls the webhook,
 * the store, the reports and audit bucket, least-privilege roles written from the action
 * lists the sources declare, alarms and a dashboard.
 */
import { type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as schedulerTargets from "aws-cdk-lib/aws-scheduler-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as snsSubscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  type Config,
  ConfigError,
  type ConfigInput,
  parseConfig,
  type SecretRef,
} from "../lambdas/config.ts";
import { awsCognitoPoolArns } from "../lambdas/sources/aws-cognito/permissions.ts";
import { awsIamPolicyStatements } from "../lambdas/sources/aws-iam/permissions.ts";
import { STORE_PARTITIONS, STORE_TABLE } from "../lambdas/store/dynamodb.ts";
import { HygieneFunction, LAMBDA_ENTRIES, MAX_LAMBDA_TIMEOUT } from "./function-defaults.ts";
import { lingeringCredentialsBySource, SCAN_METRICS, scanMetric } from "./metrics.ts";
import {
  protectedPrincipalsStatement,
  type ScannerMode,
  scannerAllowStatements,
  selfProtectionStatement,
  WILDCARD_RESOURCE_ACTIONS,
} from "./permissions.ts";

/** The environment variable holding the validated configuration as JSON. */
export const CONFIG_ENV = "IAM_HYGIENE_CONFIG";

/** Lambda allows 4 KiB of environment variables in all; the config must leave room for the rest. */
const MAX_CONFIG_ENV_BYTES = 3_400;

/** Length a token is assumed to resolve to when the config's size is estimated at synth time. */
const TOKEN_LENGTH_ESTIMATE = 100;

/** S3 key prefixes of the data bucket. */
export const BUCKET_PREFIXES = {
  departures: "departures/",
  reports: "reports/",
  audit: "audit/",
} as const;

/** Secrets of the third-party sources, each replacing the `secretArn` of its config section. */
export interface ConnectorSecrets {
  /**
   * The Google Workspace service account JSON key (`sources.google-workspace.serviceAccountKey`).
   * @default - the config's `secretArn`, if any
   */
  readonly googleWorkspace?: secretsmanager.ISecret;
  /**
   * The Okta API token (`sources.okta.apiToken`).
   * @default - the config's `secretArn`, if any
   */
  readonly okta?: secretsmanager.ISecret;
  /**
   * The GitHub token (`sources.github.token`).
   * @default - the config's `secretArn`, if any
   */
  readonly github?: secretsmanager.ISecret;
  /**
   * The GitHub App installation token for fine-grained PAT grants
   * (`sources.github.patGrantsToken`).
   * @default - the config's `secretArn`, if any
   */
  readonly githubPatGrants?: secretsmanager.ISecret;
  /**
   * The Okta service app's private key (`sources.okta.oauth.privateKey`), when `oauth` is set.
   * @default - the config's `secretArn`, if any
   */
  readonly oktaPrivateKey?: secretsmanager.ISecret;
  /**
   * The GitHub App's private key (`sources.github.app.privateKey`), when `app` is set.
   * @default - the config's `secretArn`, if any
   */
  readonly githubAppPrivateKey?: secretsmanager.ISecret;
}

/** Stage throttling of the HR webhook API. */
export interface WebhookThrottle {
  /**
   * Steady-state requests per second.
   * @default 5
   */
  readonly rateLimit?: number;
  /**
   * Burst of requests.
   * @default 10
   */
  readonly burstLimit?: number;
}

/** Props of `IamHygieneScanner`. */
export interface IamHygieneScannerProps {
  /**
   * The iam-hygiene configuration (docs/config.schema.json), validated at synth time: a wrong
   * config fails synth with every problem and its path. The construct fills in `store`,
   * `audit`, the departures source and the protected principals it owns.
   * @default {} (a report-mode IAM scan)
   */
  readonly config?: ConfigInput;
  /**
   * When the scheduled scan runs.
   * @default ScheduleExpression.rate(Duration.hours(1))
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /**
   * Overrides the config's `mode`. `report` grants read actions only; `enforce` adds revocation.
   * @default - the config's mode (itself `report` by default)
   */
  readonly mode?: ScannerMode;
  /**
   * The key of the HR departure list in the data bucket. Writing it triggers a targeted scan.
   * Used when the config names no S3 departures source of its own.
   * @default "departures/departures.csv"
   */
  readonly departuresObjectKey?: string;
  /**
   * User pools the Cognito statements are scoped to.
   * @default - the ARNs of the pools in `sources.aws-cognito.pools` without an `account`
   */
  readonly cognitoUserPoolArns?: readonly string[];
  /**
   * Whether pools configured with an `account` are scanned elsewhere, by an org stack's member
   * scans (`IamHygieneOrgStack` sets it). Otherwise such a pool is refused at synth: this
   * scanner reaches its own account only, so nothing would ever scan it.
   * @default false
   */
  readonly memberAccountPools?: boolean;
  /**
   * Roles whose sessions may be revoked (scopes `iam:PutRolePolicy`). Merged into the config's
   * `sources.aws-iam.sessionRevocationRoleArns`.
   * @default - the config's list
   */
  readonly sessionRevocationRoleArns?: readonly string[];
  /**
   * Secrets of Google Workspace, Okta and GitHub.
   * @default - the `secretArn` each config section names
   */
  readonly connectorSecrets?: ConnectorSecrets;
  /**
   * The Slack bot token (`notifications.slack.token`).
   * @default - the config's `secretArn`, if any
   */
  readonly slackTokenSecret?: secretsmanager.ISecret;
  /**
   * The ticket system's token (`tickets.apiToken` for Jira, `tickets.token` for GitHub Issues).
   * @default - the config's `secretArn`, if any
   */
  readonly ticketSecret?: secretsmanager.ISecret;
  /**
   * The HMAC secret HR signs webhook calls with.
   * @default - a generated 64-character secret, encrypted with the construct's key
   */
  readonly webhookSecret?: secretsmanager.ISecret;
  /**
   * Principals never acted on, added to the config's `protectedPrincipals`. The scanner's own
   * role (ARN and assumed-role sessions) is always added.
   * @default []
   */
  readonly protectedPrincipals?: readonly string[];
  /**
   * Where alarms notify (alarm and OK actions).
   * @default - the topic `alarmEmails` creates, else alarms without actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Email addresses subscribed to an alarm topic the construct creates (TLS only, encrypted
   * with a customer managed key CloudWatch may use). Ignored when `alarmTopic` is given.
   * Each address confirms its subscription from the email AWS sends.
   * @default - no topic is created
   */
  readonly alarmEmails?: readonly string[];
  /**
   * Retention of the functions' and the API's log groups.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the table, buckets, key, secret and log groups when the stack is deleted.
   * With anything but `DESTROY`, the table also has deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * HR webhook stage throttling.
   * @default { rateLimit: 5, burstLimit: 10 }
   */
  readonly webhookThrottle?: WebhookThrottle;
  /**
   * The bucket the data bucket's server access logs go to.
   * @default - a new SSE-S3 bucket in this construct
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * Enables S3 Object Lock (governance mode) on the data bucket with this default retention,
   * so audit records cannot be deleted or overwritten before it ends. Only at bucket creation.
   * @default - no Object Lock
   */
  readonly objectLockRetention?: Duration;
  /**
   * Days a noncurrent version of a departure list or report is kept.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Memory of the scan function, in MiB.
   * @default 1024
   */
  readonly scanMemorySize?: number;
}

/**
 * The iam-hygiene scanner for one AWS account. See docs/deploy.md.
 *
 * @example
 * new IamHygieneScanner(this, "IamHygiene", { config: { mode: "report" } });
 */
/**
 * The scanner props with the alarm topic a stack was given by ARN (`cdk -c alarmTopicArn=...`)
 * imported into `scope`; a topic already in `props` wins.
 */
export function withAlarmTopicArn(
  scope: Construct,
  props: IamHygieneScannerProps | undefined,
  alarmTopicArn: string | undefined,
): IamHygieneScannerProps {
  if (!alarmTopicArn || props?.alarmTopic) return { ...props };
  return { ...props, alarmTopic: sns.Topic.fromTopicArn(scope, "AlarmTopic", alarmTopicArn) };
}

/**
 * The outputs every stack with a scanner gives its operators: where HR posts and with which
 * secret, and where the departure list goes.
 */
export function addScannerOutputs(stack: Stack, scanner: IamHygieneScanner): void {
  new CfnOutput(stack, "WebhookUrl", {
    description: "Give HR this URL (POST, HMAC signed) for departure events",
    value: scanner.webhookUrl,
  });
  new CfnOutput(stack, "WebhookSecretArn", {
    description: "The HMAC secret HR signs with (share it through your secrets process)",
    value: scanner.webhookSecret.secretArn,
  });
  new CfnOutput(stack, "DataBucketName", {
    description: "Upload the HR departure list here",
    value: scanner.bucket.bucketName,
  });
  new CfnOutput(stack, "DeparturesObjectKey", {
    description: "Key of the departure list; writing it starts a targeted scan",
    value: scanner.departuresObjectKey,
  });
}

export class IamHygieneScanner extends Construct {
  /** The scan: scheduled, on a new departure list, and on webhook events. One run at a time. */
  readonly scanFunction: lambda.Function;
  /** The HR webhook behind `POST /departures`. */
  readonly webhookFunction: lambda.Function;
  /** The store: findings, outbox, leases, departure events. */
  readonly table: dynamodb.Table;
  /** Departure lists (`departures/`), reports (`reports/`) and the audit log (`audit/`). */
  readonly bucket: s3.Bucket;
  /** The HTTP API of the HR webhook. */
  readonly api: apigwv2.HttpApi;
  /** The API's `$default` stage (throttled, access-logged). */
  readonly apiStage: apigwv2.HttpStage;
  /** The full URL HR posts departures to. */
  readonly webhookUrl: string;
  /** The CloudWatch dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm, by name. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Where the alarms notify: `alarmTopic`, or the topic `alarmEmails` created, if any. */
  readonly alarmTopic?: sns.ITopic;
  /** The scan function's role. Its ARN is always a protected principal. */
  readonly scannerRole: iam.Role;
  /** The webhook function's role. */
  readonly webhookRole: iam.Role;
  /** The customer managed key of the table, the bucket and the webhook secret. */
  readonly key: kms.Key;
  /** Failed asynchronous scan invocations and undeliverable schedule events. */
  readonly deadLetterQueue: sqs.Queue;
  /** The HMAC secret of the webhook. */
  readonly webhookSecret: secretsmanager.ISecret;
  /** The EventBridge Scheduler schedule of the scan. */
  readonly schedule: scheduler.Schedule;
  /** The role EventBridge Scheduler invokes the scan with. */
  readonly schedulerRole: iam.Role;
  /** The configuration the functions receive (validated; may contain tokens). */
  readonly config: Config;
  /** The S3 key whose object-created events trigger a targeted scan. */
  readonly departuresObjectKey: string;

  readonly #secrets: secretsmanager.ISecret[] = [];
  /** Secrets given as props, by ARN: granted as given, so their own KMS keys are granted too. */
  readonly #propSecrets = new Map<string, secretsmanager.ISecret>();
  readonly #departuresGrant: { readonly resources: string[] };

  constructor(scope: Construct, id: string, props: IamHygieneScannerProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.departuresObjectKey = props.departuresObjectKey ?? `${BUCKET_PREFIXES.departures}departures.csv`;

    // 1. Validate what the user wrote, with the secrets given as props filled in.
    const userConfig = this.#validateUserConfig(props);
    // Fail before bundling when the config cannot fit, allowing for the fields the construct adds.
    checkConfigSize(JSON.stringify(userConfig), CONSTRUCT_FIELDS_ESTIMATE);

    // 2. Data: key, table, buckets, queue, secret.
    this.key = new kms.Key(this, "Key", {
      description: "iam-hygiene: store, data bucket and webhook secret",
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new dynamodb.Table(this, "Store", {
      partitionKey: { name: STORE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STORE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: STORE_TABLE.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    const accessLogs = props.accessLogsBucket ?? this.#accessLogsBucket(removalPolicy);
    this.bucket = new s3.Bucket(this, "Data", {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "iam-hygiene-data/",
      ...(props.objectLockRetention
        ? { objectLockDefaultRetention: s3.ObjectLockRetention.governance(props.objectLockRetention) }
        : {}),
      lifecycleRules: [
        // Old versions of departure lists and reports expire; the audit prefix is never expired.
        ...[BUCKET_PREFIXES.departures, BUCKET_PREFIXES.reports].map((prefix) => ({
          id: `expire-noncurrent-${prefix.replace("/", "")}`,
          prefix,
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 90),
        })),
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy,
      autoDeleteObjects: false,
    });
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself the dead-letter queue of the scan function and its schedule.",
    });
    this.webhookSecret =
      props.webhookSecret ??
      new secretsmanager.Secret(this, "WebhookSecret", {
        description: "iam-hygiene: HMAC secret HR signs POST /departures with",
        encryptionKey: this.key,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
      });
    if (!props.webhookSecret) {
      Validations.of(this.webhookSecret).acknowledge({
        id: "AwsSolutions-SMG4",
        reason:
          "A shared HMAC secret held by the HR system: rotation needs HR to switch at the same time, so it is rotated by a runbook (docs/deploy.md), not by a rotation Lambda.",
      });
    }

    // 3. Functions.
    const scan = new HygieneFunction(this, "Scan", {
      entry: LAMBDA_ENTRIES.scheduledScan,
      description: "iam-hygiene scheduled and targeted scan",
      timeout: MAX_LAMBDA_TIMEOUT,
      memorySize: props.scanMemorySize ?? 1024,
      reservedConcurrentExecutions: 1,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      environment: {},
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    this.scanFunction = scan.function;
    this.scannerRole = scan.role;

    const webhook = new HygieneFunction(this, "Webhook", {
      entry: LAMBDA_ENTRIES.hrWebhook,
      description: "iam-hygiene HR departures webhook",
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment: {},
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    this.webhookFunction = webhook.function;
    this.webhookRole = webhook.role;

    // 4. The configuration the functions run with.
    this.config = this.#deployedConfig(userConfig, props);
    if (!props.memberAccountPools) refuseMemberAccountPools(this.config);
    checkConfigSize(JSON.stringify(this.config));
    const configJson = stack.toJsonString(this.config);
    for (const fn of [this.scanFunction, this.webhookFunction]) {
      fn.addEnvironment(CONFIG_ENV, configJson);
      fn.addEnvironment("STORE_TABLE_NAME", this.table.tableName);
    }
    this.scanFunction.addEnvironment("DATA_BUCKET_NAME", this.bucket.bucketName);
    this.scanFunction.addEnvironment("DEPARTURES_OBJECT_KEY", this.departuresObjectKey);
    this.webhookFunction.addEnvironment("WEBHOOK_SECRET_ARN", this.webhookSecret.secretArn);
    this.webhookFunction.addEnvironment("SCAN_FUNCTION_NAME", this.scanFunction.functionName);

    // 5. Permissions.
    this.#departuresGrant = { resources: this.#departuresResources() };
    this.#grantScannerPermissions(props);
    this.grantScanData(this.scannerRole);
    this.#grantWebhookPermissions();

    // 6. Triggers: schedule, departures object, webhook API.
    // Our own role, rather than the stack-wide one aws-scheduler-targets would create.
    this.schedulerRole = new iam.Role(this, "SchedulerRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
      description: "EventBridge Scheduler: invokes the iam-hygiene scan",
    });
    this.schedule = new scheduler.Schedule(this, "Schedule", {
      description: "iam-hygiene: scheduled scan",
      schedule: props.schedule ?? scheduler.ScheduleExpression.rate(Duration.hours(1)),
      target: new schedulerTargets.LambdaInvoke(this.scanFunction, {
        role: this.schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: "schedule" }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });
    this.bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.LambdaDestination(this.scanFunction),
      { prefix: this.departuresObjectKey },
    );
    const api = this.#webhookApi(props, logRetention, removalPolicy);
    this.api = api.api;
    this.apiStage = api.stage;
    this.webhookUrl = `${api.stage.url}departures`;

    // 7. Observability.
    const alarmTopic = props.alarmTopic ?? this.#alarmTopic(props.alarmEmails ?? [], removalPolicy);
    if (alarmTopic) this.alarmTopic = alarmTopic;
    this.alarms = this.#alarms(alarmTopic);
    this.dashboard = this.#dashboard();

    this.#acknowledgeFindings();
  }

  /**
   * Grants what any scan of this deployment needs besides the sources' own actions: the store,
   * the departure list, writing reports and audit records, the key, the connector,
   * notification and ticket secrets, and (when on) Security Hub in this account. Used for the
   * scan function and the org account scan.
   * @param options.securityHub Import findings into this account's Security Hub. The org
   *   account scan imports with the member role, in the member account. @default true
   */
  grantScanData(grantee: iam.IGrantable, options: { readonly securityHub?: boolean } = {}): void {
    const policy = (statement: iam.PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
    policy(
      new iam.PolicyStatement({
        sid: "StoreReadWrite",
        actions: [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
        ],
        resources: [this.table.tableArn],
      }),
    );
    policy(
      new iam.PolicyStatement({
        sid: "ReadDepartureList",
        actions: ["s3:GetObject", "s3:GetObjectVersion"],
        resources: this.#departuresGrant.resources,
      }),
    );
    policy(
      new iam.PolicyStatement({
        sid: "WriteReportsAndAudit",
        actions: ["s3:PutObject"],
        resources: [
          this.bucket.arnForObjects(`${BUCKET_PREFIXES.reports}*`),
          this.bucket.arnForObjects(`${BUCKET_PREFIXES.audit}*`),
        ],
      }),
    );
    policy(
      new iam.PolicyStatement({
        sid: "UseDataKey",
        actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [this.key.keyArn],
      }),
    );
    if ((options.securityHub ?? true) && this.config.notifications.securityHub?.enabled) {
      const stack = Stack.of(this);
      policy(
        new iam.PolicyStatement({
          sid: "SecurityHubImport",
          actions: ["securityhub:BatchImportFindings"],
          resources: [
            `arn:${stack.partition}:securityhub:${stack.region}:${stack.account}:product/${stack.account}/default`,
          ],
        }),
      );
    }
    for (const secret of this.#secrets) secret.grantRead(grantee);
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      Validations.of(grantee.grantPrincipal).acknowledge(...this.#dataPrefixAcknowledgements());
    }
  }

  /** Reports and audit records are written under prefixes: the object ARNs end in `*`. */
  #dataPrefixAcknowledgements(): { id: string; reason: string }[] {
    const bucketArn = `<${logicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>`;
    return [
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${BUCKET_PREFIXES.reports}*]`,
        reason: "Reports are new objects named per scan under the reports/ prefix; PutObject only.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${BUCKET_PREFIXES.audit}*]`,
        reason: "Audit records are new objects named per scan under the audit/ prefix; PutObject only.",
      },
    ];
  }

  #validateUserConfig(props: IamHygieneScannerProps): Config {
    const input = structuredClone((props.config ?? {}) as Record<string, unknown>) as Record<string, unknown>;
    const ref = (secret: secretsmanager.ISecret): SecretRef => ({ secretArn: secret.secretArn });
    const sources = input.sources as Record<string, Record<string, unknown> | undefined> | undefined;
    const set = (
      section: Record<string, unknown> | undefined,
      field: string,
      secret?: secretsmanager.ISecret,
    ) => {
      if (!section || !secret) return;
      section[field] = ref(secret);
      this.#propSecrets.set(secret.secretArn, secret);
    };
    set(sources?.["google-workspace"], "serviceAccountKey", props.connectorSecrets?.googleWorkspace);
    set(sources?.okta, "apiToken", props.connectorSecrets?.okta);
    set(sources?.github, "token", props.connectorSecrets?.github);
    set(sources?.github, "patGrantsToken", props.connectorSecrets?.githubPatGrants);
    set(
      sources?.okta?.oauth as Record<string, unknown> | undefined,
      "privateKey",
      props.connectorSecrets?.oktaPrivateKey,
    );
    set(
      sources?.github?.app as Record<string, unknown> | undefined,
      "privateKey",
      props.connectorSecrets?.githubAppPrivateKey,
    );
    const notifications = input.notifications as
      | Record<string, Record<string, unknown> | undefined>
      | undefined;
    set(notifications?.slack, "token", props.slackTokenSecret);
    const tickets = input.tickets as Record<string, unknown> | undefined;
    set(tickets, tickets?.type === "github" ? "token" : "apiToken", props.ticketSecret);
    return parseConfig(input, `${this.node.path} config`);
  }

  #deployedConfig(user: Config, props: IamHygieneScannerProps): Config {
    const stack = Stack.of(this);
    const roleName = this.scannerRole.roleName;
    const departures = user.departures.source;
    const ownBucketSource = {
      type: "s3" as const,
      uri: `s3://${this.bucket.bucketName}/${this.departuresObjectKey}`,
    };
    const sessionRoles = [
      ...new Set([
        ...user.sources["aws-iam"].sessionRevocationRoleArns,
        ...(props.sessionRevocationRoleArns ?? []),
      ]),
    ];
    const deployed: Config = {
      ...user,
      mode: props.mode ?? user.mode,
      departures: {
        ...user.departures,
        // A local file means nothing in Lambda; the construct's bucket replaces it.
        source:
          departures?.type === "s3"
            ? departures
            : departures?.type === "dynamodb"
              ? { type: "dynamodb", table: this.table.tableName }
              : ownBucketSource,
      },
      protectedPrincipals: [
        ...new Set([
          ...user.protectedPrincipals,
          ...(props.protectedPrincipals ?? []),
          this.scannerRole.roleArn,
          roleName,
          `arn:${stack.partition}:sts::${stack.account}:assumed-role/${roleName}/*`,
        ]),
      ],
      sources: {
        ...user.sources,
        "aws-iam": { ...user.sources["aws-iam"], sessionRevocationRoleArns: sessionRoles },
      },
      store: { type: "dynamodb", table: this.table.tableName },
      audit:
        user.audit?.type === "s3"
          ? user.audit
          : { type: "s3", bucket: this.bucket.bucketName, prefix: BUCKET_PREFIXES.audit },
      reports: user.reports ?? { bucket: this.bucket.bucketName, prefix: BUCKET_PREFIXES.reports },
    };
    delete (deployed as { $schema?: string }).$schema;
    // What the functions receive must pass the same schema they parse it with.
    const checked = parseConfig(deployed, `${this.node.path} deployed config`);
    this.#collectSecrets(checked);
    return checked;
  }

  #collectSecrets(config: Config): void {
    const refs: (SecretRef | undefined)[] = [
      config.sources["google-workspace"]?.serviceAccountKey,
      config.sources.okta?.apiToken,
      config.sources.github?.token,
      config.sources.github?.patGrantsToken,
      config.notifications.slack?.token,
      config.tickets?.type === "jira" ? config.tickets.apiToken : config.tickets?.token,
    ];
    const seen = new Set<string>();
    // Appended, not inserted, so the ids of secrets imported before stay as they were.
    refs.push(config.sources.okta?.oauth?.privateKey, config.sources.github?.app?.privateKey);
    refs.forEach((ref, index) => {
      const arn = ref?.secretArn;
      if (!arn || seen.has(arn)) return;
      seen.add(arn);
      this.#secrets.push(this.#propSecrets.get(arn) ?? importSecret(this, `ConfigSecret${index}`, arn));
    });
  }

  #departuresResources(): string[] {
    const source = this.config.departures.source;
    const own = this.bucket.arnForObjects(this.departuresObjectKey);
    if (source?.type !== "s3") return [own];
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(source.uri);
    const stack = Stack.of(this);
    return match?.[1] && match[2] && !Token.isUnresolved(match[1])
      ? [own, `arn:${stack.partition}:s3:::${match[1]}/${match[2]}`]
      : [own];
  }

  #grantScannerPermissions(props: IamHygieneScannerProps): void {
    const stack = Stack.of(this);
    const config = this.config;
    const cognito = config.sources["aws-cognito"];
    const poolArns = cognito.enabled
      ? [
          ...(props.cognitoUserPoolArns ??
            awsCognitoPoolArns(cognito, { partition: stack.partition, accountId: stack.account })),
        ]
      : [];
    const statements = scannerAllowStatements({
      partition: stack.partition,
      accountId: stack.account,
      mode: config.mode,
      awsIam: config.sources["aws-iam"].enabled,
      cognitoUserPoolArns: poolArns,
      sessionRevocationRoleArns: config.sources["aws-iam"].sessionRevocationRoleArns,
      ...(config.sources["aws-iam"].sessionRevocationRoleTag
        ? { sessionRevocationRoleTagKey: config.sources["aws-iam"].sessionRevocationRoleTag.key }
        : {}),
    });
    for (const statement of statements) this.scannerRole.addToPrincipalPolicy(statement);
    this.scannerRole.addToPrincipalPolicy(selfProtectionStatement(this.scannerRole.roleArn));
    // Defense in depth: IAM itself refuses to touch a protected user or role.
    const guard = protectedPrincipalsStatement(config.protectedPrincipals, {
      partition: stack.partition,
      accountId: stack.account,
    });
    if (guard) this.scannerRole.addToPrincipalPolicy(guard);
  }

  #grantWebhookPermissions(): void {
    // The webhook stores departure events and lists them; the partition condition keeps it
    // away from findings, outbox and leases.
    this.webhookRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "StoreDepartureEvents",
        actions: ["dynamodb:PutItem", "dynamodb:Query"],
        resources: [this.table.tableArn],
        conditions: {
          "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [STORE_PARTITIONS.departure] },
        },
      }),
    );
    this.webhookRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "UseDataKey",
        actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [this.key.keyArn],
      }),
    );
    this.webhookRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "TriggerScan",
        actions: ["lambda:InvokeFunction"],
        resources: [this.scanFunction.functionArn],
      }),
    );
    this.webhookSecret.grantRead(this.webhookRole);
  }

  #accessLogsBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    const bucket = new s3.Bucket(this, "AccessLogs", {
      // S3 server access log delivery supports SSE-S3 only, not SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Object ownership is left to aws-cdk-lib: a bucket policy for log delivery with the
      // recommended feature flag, the LogDeliveryWrite ACL without it.
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        {
          id: "expire-access-logs",
          expiration: Duration.days(365),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy,
    });
    Validations.of(bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the server access log bucket of the data bucket; logging it to itself would loop.",
    });
    return bucket;
  }

  #webhookApi(
    props: IamHygieneScannerProps,
    logRetention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): { api: apigwv2.HttpApi; stage: apigwv2.HttpStage } {
    const api = new apigwv2.HttpApi(this, "Api", {
      description: "iam-hygiene: HR departures webhook (HMAC signed)",
      createDefaultStage: false,
    });
    api.addRoutes({
      path: "/departures",
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration("Webhook", this.webhookFunction, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    const accessLogs = new logs.LogGroup(this, "ApiAccessLogs", { retention: logRetention, removalPolicy });
    const stage = new apigwv2.HttpStage(this, "ApiStage", {
      httpApi: api,
      stageName: "$default",
      autoDeploy: true,
      throttle: {
        rateLimit: props.webhookThrottle?.rateLimit ?? 5,
        burstLimit: props.webhookThrottle?.burstLimit ?? 10,
      },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs) },
    });
    Validations.of(api).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "HR's system is not an IAM or JWT principal: every request is authenticated by an HMAC-SHA256 signature over timestamp and body, checked in the function with a 5-minute replay window.",
    });
    return { api, stage };
  }

  #alarms(topic: sns.ITopic | undefined): Record<string, cloudwatch.Alarm> {
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (
      name: string,
      metric: cloudwatch.IMetric,
      description: string,
      evaluationPeriods = 1,
    ): void => {
      const alarm = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (topic) {
        alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
        alarm.addOkAction(new cloudwatchActions.SnsAction(topic));
      }
      alarms[name] = alarm;
    };
    add(
      "ScanErrors",
      this.scanFunction.metricErrors({ period: Duration.minutes(15), statistic: "Sum" }),
      "The scan function failed. Check its logs; a failed run leaves credentials unrevoked. A one-off scan that found the lease busy also fails, on purpose, for Lambda to retry it: nothing is lost if the retry succeeds and DeadLetters stays empty.",
    );
    add(
      "WebhookErrors",
      this.webhookFunction.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
      "The HR webhook function failed; HR sees 5xx and should retry with the same event id.",
    );
    add(
      "DeadLetters",
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      "A scan invocation or a scheduled event failed for good and is in the dead-letter queue.",
    );
    add(
      SCAN_METRICS.usedAfterDeparture,
      scanMetric(SCAN_METRICS.usedAfterDeparture),
      "A credential of a departed person was used after the departure: investigate as an incident.",
    );
    add(
      SCAN_METRICS.brakeEngaged,
      scanMetric(SCAN_METRICS.brakeEngaged),
      "The revocation brake stopped a run: too many revocations planned. Review the plan before lifting it.",
    );
    add(
      SCAN_METRICS.departureListRejected,
      scanMetric(SCAN_METRICS.departureListRejected),
      "The HR departure list was rejected or quarantined; departures are not being acted on.",
    );
    add(
      SCAN_METRICS.revocationFailures,
      scanMetric(SCAN_METRICS.revocationFailures),
      "A revocation failed or could not be read back: a departed person's credential may still work. The scan's report names the credential and the error.",
    );
    // A source is read once per scan (hourly by default): an hour keeps the alarm up until the next run says otherwise.
    add(
      SCAN_METRICS.sourceProblems,
      scanMetric(SCAN_METRICS.sourceProblems, { period: Duration.hours(1) }),
      "A credential source could not be read completely (permissions, throttling, an outage): some of its credentials went unchecked. The scan's report lists the problems per source.",
    );
    // Delivery is retried from the outbox on later runs; an hour, like SourceProblems, spans one run.
    add(
      SCAN_METRICS.notificationFailures,
      scanMetric(SCAN_METRICS.notificationFailures, { period: Duration.hours(1) }),
      "Slack messages or tickets could not be delivered (items failed or were given up as dead), a configured channel could not be set up (its secret unreadable), or the notification step failed as a whole. Managers may not have been told and findings decided `ticket` may go unhandled. The scan's report (notifications, notes) and the function's logs name the channel and the error; dead items need a human.",
    );
    return alarms;
  }

  /**
   * A TLS-only topic for the alarms, with the emails subscribed. CloudWatch cannot publish to a
   * topic encrypted with the AWS managed key (alias/aws/sns), so it gets a customer managed key
   * of its own whose policy lets CloudWatch use it; the data key stays out of CloudWatch's reach.
   */
  #alarmTopic(emails: readonly string[], removalPolicy: RemovalPolicy): sns.Topic | undefined {
    if (emails.length === 0) return undefined;
    for (const email of emails) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw new Error(`alarmEmails: "${email}" is not an email address`);
      }
    }
    const stack = Stack.of(this);
    const key = new kms.Key(this, "AlarmTopicKey", {
      description: "iam-hygiene: alarm topic",
      enableKeyRotation: true,
      removalPolicy,
    });
    const cloudwatchPrincipal = new iam.ServicePrincipal("cloudwatch.amazonaws.com");
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [cloudwatchPrincipal],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );
    const topic = new sns.Topic(this, "AlarmTopic", {
      displayName: "iam-hygiene alarms",
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [cloudwatchPrincipal],
        actions: ["sns:Publish"],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: {
            "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
          },
        },
      }),
    );
    for (const email of emails) topic.addSubscription(new snsSubscriptions.EmailSubscription(email));
    return topic;
  }

  #dashboard(): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.days(7),
    });
    const hour = Duration.hours(1);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Lingering credentials by source",
        left: [lingeringCredentialsBySource(hour)],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Revocations",
        left: [scanMetric(SCAN_METRICS.revocations, { period: hour, label: "Revocations" })],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Time from departure to revocation (seconds)",
        left: [
          scanMetric(SCAN_METRICS.timeToRevokeSeconds, { statistic: "p50", period: hour, label: "p50" }),
          scanMetric(SCAN_METRICS.timeToRevokeSeconds, { statistic: "p95", period: hour, label: "p95" }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Open tickets",
        left: [
          scanMetric(SCAN_METRICS.openTickets, { statistic: "Maximum", period: hour, label: "Open tickets" }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Errors",
        left: [
          this.scanFunction.metricErrors({ period: hour, label: "Scan errors" }),
          this.webhookFunction.metricErrors({ period: hour, label: "Webhook errors" }),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: hour,
            label: "Dead letters",
          }),
          scanMetric(SCAN_METRICS.notificationFailures, { period: hour, label: "Notification failures" }),
        ],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: "Alarms",
        alarms: Object.values(this.alarms),
        width: 12,
      }),
    );
    return dashboard;
  }

  /** cdk-nag findings that are accepted by design, each with its reason. */
  #acknowledgeFindings(): void {
    const stack = Stack.of(this);
    const scanArn = `<${logicalId(this.scanFunction.node.defaultChild as CfnElement)}.Arn>`;
    const iam5 = (resource: string, reason: string) => ({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason,
    });
    const xray = iam5(
      "*",
      WILDCARD_RESOURCE_ACTIONS["xray:PutTraceSegments"] ?? "X-Ray has no resource scoping.",
    );
    const iamScopes = awsIamPolicyStatements.filter((s) => s.scope !== "*");
    const acks = [
      xray,
      ...[...new Set(iamScopes.map((s) => s.scope))].map((scope) =>
        iam5(
          `arn:<AWS::Partition>:iam::<AWS::AccountId>:${scope}/*`,
          `IAM ${scope}s are discovered at run time (departed people's principals are not known at deploy time); the actions are scoped to this account's ${scope}s: ${iamScopes
            .filter((s) => s.scope === scope)
            .map((s) => s.why)
            .join(" ")}`,
        ),
      ),
    ];
    Validations.of(this.scannerRole).acknowledge(...acks);
    Validations.of(this.webhookRole).acknowledge(xray);
    Validations.of(this.schedulerRole).acknowledge(
      iam5(
        `${scanArn}:*`,
        "aws-scheduler-targets grants invoke on the scan function and its versions/aliases.",
      ),
    );
    for (const fn of [this.scanFunction, this.webhookFunction]) {
      Validations.of(fn).acknowledge({
        id: "AwsSolutions-L1",
        reason:
          "Node.js 22 is the runtime the project targets and tests against (docs/deploy.md); a runtime upgrade is a deliberate, tested change.",
      });
    }
    // The bucket-notifications handler is a stack-wide singleton of aws-cdk-lib.
    const handler = stack.node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER_ID);
    if (handler) {
      Validations.of(handler).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason:
          "aws-cdk-lib's S3 bucket-notifications custom resource uses the basic execution role (logs only); it runs only at deployment and may only PutBucketNotification on the data bucket.",
      });
    }
  }
}

/** The construct id aws-cdk-lib gives its S3 bucket-notifications handler (a stack singleton). */
const BUCKET_NOTIFICATIONS_HANDLER_ID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";

/** The logical id a CloudFormation element will have, as cdk-nag prints it in finding ids. */
function logicalId(element: CfnElement): string {
  return Stack.of(element).resolve(element.logicalId) as string;
}

/** Bytes the construct-owned fields (store, audit, departures source, own role) add to the config. */
const CONSTRUCT_FIELDS_ESTIMATE = 700;

/** Throws a `ConfigError` when the config, tokens estimated at their deployed length, would not fit. */
function checkConfigSize(configJson: string, extra = 0): void {
  const estimated =
    extra + configJson.replace(/\$\{Token\[[^\]]+\]\}/g, "x".repeat(TOKEN_LENGTH_ESTIMATE)).length;
  if (estimated > MAX_CONFIG_ENV_BYTES) {
    throw new ConfigError(
      [
        {
          path: "",
          message: `is about ${estimated} bytes as JSON; Lambda environment variables allow ${MAX_CONFIG_ENV_BYTES} for it. Shorten exceptions or lists.`,
        },
      ],
      "IamHygieneScanner config",
    );
  }
}

/** A Secrets Manager secret by complete ARN, partial ARN or name. */
function importSecret(scope: Construct, id: string, ref: string): secretsmanager.ISecret {
  if (Token.isUnresolved(ref)) return secretsmanager.Secret.fromSecretCompleteArn(scope, id, ref);
  if (/^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(ref)) {
    return secretsmanager.Secret.fromSecretCompleteArn(scope, id, ref);
  }
  if (ref.startsWith("arn:")) return secretsmanager.Secret.fromSecretPartialArn(scope, id, ref);
  return secretsmanager.Secret.fromSecretNameV2(scope, id, ref);
}

/**
 * A pool with an `account` is scanned by that member account's org scan (`IamHygieneOrgStack`);
 * a scanner outside an org stack reaches its own account only, so such a pool would never be
 * scanned: refused at synth.
 */
function refuseMemberAccountPools(config: Config): void {
  const cognito = config.sources["aws-cognito"];
  if (!cognito.enabled) return;
  const problems = cognito.pools.flatMap((pool, i) =>
    pool.account === undefined
      ? []
      : [
          {
            path: `sources.aws-cognito.pools.${i}.account`,
            message: `is for org-wide deployments (IamHygieneOrgStack), whose member scan of ${pool.account} covers the pool; this scanner scans its own account only: remove the pool here, or deploy a scanner in ${pool.account} with the pool (without account)`,
          },
        ],
  );
  if (problems.length > 0) throw new ConfigError(problems, "IamHygieneScanner config");
}
