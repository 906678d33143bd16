/** The per-account stack: one `IamHygieneScanner` and the outputs an operator needs. */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
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
    addScannerOutputs(this, this.scanner);
    new CfnOutput(this, "ScanFunctionName", { value: this.scanner.scanFunction.functionName });
    new CfnOutput(this, "DashboardName", { value: this.scanner.dashboard.dashboardName });
  }
}
