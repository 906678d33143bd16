/** Publishing a scan's figures with Powertools' Metrics (EMF), shared by the scan handlers. */
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRIC, type MetricPoint, scanMetrics } from "../observability.ts";
import type { ScanReport } from "../scan.ts";

/** The dimension naming the member account of an org-wide scan. */
export const ACCOUNT_DIMENSION = "Account";

/** How a scan's figures are published. */
export interface PublishOptions {
  /**
   * The member account an org-wide scan covered. Every point is then published twice: with
   * its usual dimensions (`service`, and `Source` where it has one), which the alarms and the
   * dashboard watch whatever the account, and with `Account` added as well.
   * @default - no account: each point once
   */
  readonly account?: string;
}

/** Adds a scan's metric points (see `observability.ts`) to Powertools' Metrics. */
export function publishScanMetrics(metrics: Metrics, report: ScanReport, options: PublishOptions = {}): void {
  for (const point of scanMetrics(report)) {
    publishPoint(metrics, point, point.dimensions ?? {});
    if (options.account) {
      publishPoint(metrics, point, { ...point.dimensions, [ACCOUNT_DIMENSION]: options.account });
    }
  }
}

/** One failed member-account scan: once without the account (for the alarm), once with it. */
export function publishAccountScanFailure(metrics: Metrics, account: string): void {
  const point: MetricPoint = { name: METRIC.accountScanFailures, unit: "Count", value: 1 };
  publishPoint(metrics, point, {});
  publishPoint(metrics, point, { [ACCOUNT_DIMENSION]: account });
}

/**
 * One point with `dimensions` on top of Powertools' default `service` dimension. Points without
 * dimensions of their own share the handler's Metrics (one EMF document at the end); the others
 * are each a single metric, so their dimensions reach no other point.
 */
function publishPoint(
  metrics: Metrics,
  point: MetricPoint,
  dimensions: Readonly<Record<string, string>>,
): void {
  const entries = Object.entries(dimensions);
  const metric = entries.length > 0 ? metrics.singleMetric() : metrics;
  for (const [name, value] of entries) metric.addDimension(name, value);
  metric.addMetric(point.name, point.unit === "Seconds" ? MetricUnit.Seconds : MetricUnit.Count, point.value);
}
