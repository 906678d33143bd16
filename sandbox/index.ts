import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { SandboxClock } from "./clock.ts";
import type { CloudTrailService } from "./cloudtrail/service.ts";
import type { CognitoService } from "./cognito/service.ts";
import type { Faults } from "./faults.ts";
import type { IamState } from "./iam/state.ts";
import type { S3Service } from "./s3/service.ts";
import type { Scenario } from "./scenario.ts";
import type { SecretsService } from "./secrets/service.ts";
import type { SecurityHubService } from "./securityhub/service.ts";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, SandboxCore } from "./server.ts";
import type { StsService } from "./sts/service.ts";

export type { Caller } from "./caller.ts";
export { SandboxClock } from "./clock.ts";
export { SandboxServiceError } from "./errors.ts";
export type { FaultSpec } from "./faults.ts";
export { CREDENTIAL_REPORT_COLUMNS } from "./iam/credential-report.ts";
export { CREDENTIAL_REPORT_TTL_MS } from "./iam/service.ts";
export type { AccessKey, IamRole, IamUser } from "./iam/state.ts";
export type { Scenario, ScenarioAccessKey, ScenarioRole, ScenarioUser } from "./scenario.ts";
export { InvalidScenarioError, parseScenario } from "./scenario.ts";
export { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY } from "./server.ts";

/** Options of `startSandbox`. */
export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** State to load at start. */
  scenario?: Scenario;
  /** Pins the sandbox clock to this time (a scenario's `now` overrides it). */
  now?: Date;
  /** Wall-clock time a credential report takes to generate. @default 0 */
  credentialReportDelayMs?: number;
  /** The region the sandbox claims to be. @default "us-east-1" */
  region?: string;
}

/** A running sandbox: one HTTP server on 127.0.0.1 that speaks IAM, STS, CloudTrail, S3, Secrets Manager and Cognito. */
export interface Sandbox {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  /** The account id of the loaded scenario. */
  readonly accountId: string;
  readonly region: string;
  /** Environment variables that point an AWS SDK (or a child process) at this sandbox. */
  env(): Record<string, string>;
  /** The settable clock every service reads. */
  readonly clock: SandboxClock;
  /** Validates a scenario and replaces all service state with it (faults and call counts are kept). */
  seed(scenario: Scenario): void;
  /** Empties every service and clears faults and call counts. */
  reset(): void;
  /** Fault injection: `faults.set("iam:ListUsers", { throttleAboveRps: 1 })`, `faults.clear()`. */
  readonly faults: Faults;
  /** Requests received (including throttled, failed and retried ones), keyed `service:Action`. */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** IAM state, for direct inspection. */
  readonly iam: IamState;
  /** STS sessions issued by AssumeRole. */
  readonly sts: StsService;
  /** CloudTrail event history. */
  readonly cloudtrail: CloudTrailService;
  /** S3 buckets and objects. */
  readonly s3: S3Service;
  /** Secrets Manager secrets. */
  readonly secrets: SecretsService;
  /** The Cognito user pools service. */
  readonly cognito: CognitoService;
  /** Security Hub findings imported with BatchImportFindings. */
  readonly securityHub: SecurityHubService;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** Starts a sandbox listening on 127.0.0.1 only. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const core = new SandboxCore({
    ...(options.region ? { region: options.region } : {}),
    credentialReportDelayMs: options.credentialReportDelayMs ?? 0,
  });
  if (options.now) core.clock.set(options.now);
  if (options.scenario) core.seed(options.scenario);

  const server = createServer((req, res) => {
    core.handle(req, res).catch((err: unknown) => {
      console.error("sandbox: request failed", err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    get accountId() {
      return core.iamState.accountId;
    },
    region: core.region,
    env: () => ({
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: core.region,
      AWS_DEFAULT_REGION: core.region,
      AWS_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: DEFAULT_SECRET_ACCESS_KEY,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    }),
    clock: core.clock,
    seed: (scenario) => core.seed(scenario),
    reset: () => core.reset(),
    faults: core.faults,
    calls: () => core.calls(),
    resetCalls: () => core.resetCalls(),
    iam: core.iamState,
    sts: core.sts,
    cloudtrail: core.cloudtrail,
    s3: core.s3,
    secrets: core.secrets,
    get cognito() {
      return core.cognito;
    },
    securityHub: core.securityHub,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
