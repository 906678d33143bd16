/**
 * The custom metrics the scan emits (Powertools Metrics, embedded metric format) and the
 * CloudWatch `Metric` objects the alarms and the dashboard read. Powertools adds the
 * `service` dimension (POWERTOOLS_SERVICE_NAME) to every metric, so every metric here
 * carries it too; `LingeringCredentials` adds `Source`.
 */
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { METRIC } from "../lambdas/observability.ts";
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from "./function-defaults.ts";

/** Metric names, exactly as the scan handler emits them (`lambdas/observability.ts`). */
export const SCAN_METRICS = METRIC;

/** One scan metric with the Powertools `service` dimension. */
export function scanMetric(
  metricName: string,
  options: { readonly statistic?: string; readonly period?: Duration; readonly label?: string } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: POWERTOOLS_SERVICE_NAME },
    statistic: options.statistic ?? "Sum",
    period: options.period ?? Duration.minutes(5),
    ...(options.label ? { label: options.label } : {}),
  });
}

/** Lingering credentials, one line per `Source` dimension value (a metric-math SEARCH). */
export function lingeringCredentialsBySource(
  period: Duration = Duration.hours(1),
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},Source,service} MetricName="${SCAN_METRICS.lingeringCredentials}" service="${POWERTOOLS_SERVICE_NAME}"', 'Maximum', ${period.toSeconds()})`,
    usingMetrics: {},
    label: "Lingering credentials",
    period,
  });
}
