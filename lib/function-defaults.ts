/**
 * The defaults every iam-hygiene function shares: one place for runtime, architecture,
 * bundling, tracing and logging, so the scan, the webhook and the org scan cannot drift.
 *
 * Bundling decision: the AWS SDK v3 clients are bundled, not taken from the runtime. The
 * Node.js 22 runtime ships *a* v3 SDK whose version AWS changes without notice; bundling pins
 * the exact clients the tests ran against (package-lock.json). All functions share one
 * code-split build (`lib/bundle.ts`); each loads at cold start only what its handler imports
 * (figures in docs/deploy.md, "Bundles").
 */
import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC_NAMESPACE } from "../lambdas/observability.ts";
import { handlerOf, lambdaCode } from "./bundle.ts";

export { ESM_REQUIRE_BANNER, LAMBDA_ENTRIES, PROJECT_ROOT } from "./bundle.ts";

/** Powertools service name; also the `service` dimension Powertools Metrics adds to every metric. */
export const POWERTOOLS_SERVICE_NAME = "iam-hygiene";

/** The CloudWatch namespace of the metrics the scan emits. */
export const METRICS_NAMESPACE = METRIC_NAMESPACE;

/** Props of `HygieneFunction`. */
export interface HygieneFunctionProps {
  /** Entry point relative to the project root, one of `LAMBDA_ENTRIES`. */
  readonly entry: string;
  /** What the function does, for the console. */
  readonly description: string;
  /** Maximum run time. */
  readonly timeout: Duration;
  /**
   * Memory in MiB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Reserved concurrency; `1` makes runs strictly one at a time.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /** Environment variables besides the Powertools and Node.js ones. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Where failed asynchronous invocations go (after Lambda's own retries).
   * @default - none (synchronous callers see the error)
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * How often Lambda retries a failed asynchronous invocation.
   * @default - Lambda's default (2), with no EventInvokeConfig resource
   */
  readonly retryAttempts?: number;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Removal policy of the function's log group. */
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * A Node.js 22 arm64 function with its own role and log group. The role starts empty (no
 * managed policies, not even AWSLambdaBasicExecutionRole): logging is granted on this
 * function's log group only, X-Ray by the tracing setting, everything else by the caller.
 */
export class HygieneFunction extends Construct {
  /** The function. */
  readonly function: lambda.Function;
  /** Its execution role. */
  readonly role: iam.Role;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HygieneFunctionProps) {
    super(scope, id);
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of ${props.description}`,
    });
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "WriteOwnLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(this, "Function", {
      // The shared split build; this function's entry file is named by its handler.
      code: lambdaCode(),
      handler: handlerOf(props.entry),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
  }
}

/** Seconds in 15 minutes, Lambda's maximum timeout. */
export const MAX_LAMBDA_TIMEOUT = Duration.minutes(15);
