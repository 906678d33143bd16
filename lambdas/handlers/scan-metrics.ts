/** Publishing a scan's figures with Powertools' Metrics (EMF), shared by the scan handlers. */
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { scanMetrics } from "../observability.ts";
import type { ScanReport } from "../scan.ts";

/** Adds a scan's metric points (see `observability.ts`) to Powertools' Metrics. */
export function publishScanMetrics(metrics: Metrics, report: ScanReport): void {
  for (const point of scanMetrics(report)) {
    const metric = point.dimensions ? metrics.singleMetric() : metrics;
    for (const [name, value] of Object.entries(point.dimensions ?? {})) metric.addDimension(name, value);
    metric.addMetric(
      point.name,
      point.unit === "Seconds" ? MetricUnit.Seconds : MetricUnit.Count,
      point.value,
    );
  }
}
