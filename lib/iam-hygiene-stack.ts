/** The per-account stack: one `IamHygieneScanner` and the outputs an operator needs. */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { type Config, ConfigError } from "../lambdas/config.ts";
import {
  addScannerOutputs,
  IamHygieneScanner,
  type IamHygieneScannerProps,
  withAlarmTopicArn,
} from "./iam-hygiene-scanner.ts";

/** Props of `IamHygieneStack`. */
export interface IamHygieneStackProps extends StackProps {
  /**
   * Props of the scanner construct.
   * @default {} (report mode, hourly, generated webhook secret)
   */
  readonly scanner?: IamHygieneScannerProps;
  /**
   * An existing SNS topic, by ARN, that every alarm notifies (imported into this stack; what
   * `cdk -c alarmTopicArn=...` sets). `scanner.alarmTopic`, if given, wins.
   * @default - `scanner.alarmTopic`, or the topic `scanner.alarmEmails` creates
   */
  readonly alarmTopicArn?: string;
}

/** iam-hygiene in one account. Environment-agnostic unless `env` is given: synthesises offline. */
export class IamHygieneStack extends Stack {
  /** The scanner. */
  readonly scanner: IamHygieneScanner;

  constructor(scope: Construct, id: string, props: IamHygieneStackProps = {}) {
    super(scope, id, {
      description: "iam-hygiene: no credential outlives the person it belongs to",
      ...props,
    });
    this.scanner = new IamHygieneScanner(
      this,
      "IamHygiene",
      withAlarmTopicArn(this, props.scanner, props.alarmTopicArn),
    );
    refuseMemberAccountPools(this.scanner.config);
    addScannerOutputs(this, this.scanner);
    new CfnOutput(this, "ScanFunctionName", { value: this.scanner.scanFunction.functionName });
    new CfnOutput(this, "DashboardName", { value: this.scanner.dashboard.dashboardName });
  }
}

/**
 * A pool with an `account` is scanned by that member account's org scan (`IamHygieneOrgStack`);
 * this stack scans its own account only, so such a pool would never be scanned: refused at synth.
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
            message: `is for org-wide deployments (IamHygieneOrgStack), whose member scan of ${pool.account} covers the pool; this stack scans its own account only: remove it here, or deploy this stack in ${pool.account} with the pool`,
          },
        ],
  );
  if (problems.length > 0) throw new ConfigError(problems, "IamHygieneStack config");
}
