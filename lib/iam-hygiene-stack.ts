/** The per-account stack: one `IamHygieneScanner` and the outputs an operator needs. */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { IamHygieneScanner, type IamHygieneScannerProps, withAlarmTopicArn } from "./iam-hygiene-scanner.ts";

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
    new CfnOutput(this, "WebhookUrl", {
      description: "Give HR this URL (POST, HMAC signed) for departure events",
      value: this.scanner.webhookUrl,
    });
    new CfnOutput(this, "WebhookSecretArn", {
      description: "The HMAC secret HR signs with (share it through your secrets process)",
      value: this.scanner.webhookSecret.secretArn,
    });
    new CfnOutput(this, "DataBucketName", {
      description: "Upload the HR departure list here",
      value: this.scanner.bucket.bucketName,
    });
    new CfnOutput(this, "DeparturesObjectKey", {
      description: "Key of the departure list; writing it starts a targeted scan",
      value: this.scanner.departuresObjectKey,
    });
    new CfnOutput(this, "ScanFunctionName", { value: this.scanner.scanFunction.functionName });
    new CfnOutput(this, "DashboardName", { value: this.scanner.dashboard.dashboardName });
  }
}
