/**
 * The figures a scan publishes as CloudWatch metrics (namespace `IamHygiene`), from its
 * report. The CDK construct's alarms and dashboard read exactly these names.
 */
import type { ScanReport } from "./scan.ts";

/** Metric names: the construct's alarms and dashboard use these constants. */
export const METRIC = {
  usedAfterDeparture: "UsedAfterDeparture",
  brakeEngaged: "BrakeEngaged",
  departureListRejected: "DepartureListRejected",
  revocations: "Revocations",
  revocationFailures: "RevocationFailures",
  lingeringCredentials: "LingeringCredentials",
  timeToRevokeSeconds: "TimeToRevokeSeconds",
  openTickets: "OpenTickets",
  sourceProblems: "SourceProblems",
  /**
   * An org-wide run's scan of one member account failed after its role was assumed (emitted by
   * the org account scan only; a role that cannot be assumed is not counted here).
   */
  accountScanFailures: "AccountScanFailures",
} as const;

export const METRIC_NAMESPACE = "IamHygiene";

/** One data point. */
export interface MetricPoint {
  readonly name: string;
  readonly unit: "Count" | "Seconds";
  readonly value: number;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** Seconds from each revoked credential's owner's departure to its verified revocation. */
export function timesToRevoke(report: ScanReport): number[] {
  const out: number[] = [];
  for (const item of report.plan.items) {
    const departedAt = item.finding.match?.person.departedAt;
    const verified = item.actions.find((a) => a.type === "verify" && a.status === "verified");
    if (item.finding.ruleId !== "departed-owner-active-credential" || !departedAt || !verified?.at) continue;
    out.push(Math.max(0, (verified.at.getTime() - departedAt.getTime()) / 1000));
  }
  return out;
}

/** Every metric point a scan report yields. */
export function scanMetrics(report: ScanReport): MetricPoint[] {
  const items = report.plan.items;
  const count = (predicate: (i: (typeof items)[number]) => boolean) => items.filter(predicate).length;
  const points: MetricPoint[] = [
    {
      name: METRIC.usedAfterDeparture,
      unit: "Count",
      value: count((i) => i.finding.ruleId === "used-after-departure"),
    },
    { name: METRIC.brakeEngaged, unit: "Count", value: report.plan.brake.engaged ? 1 : 0 },
    { name: METRIC.departureListRejected, unit: "Count", value: report.departures.rejected ? 1 : 0 },
    {
      name: METRIC.revocations,
      unit: "Count",
      value: count((i) => i.actions.some((a) => a.type === "verify" && a.status === "verified")),
    },
    {
      name: METRIC.revocationFailures,
      unit: "Count",
      value: count((i) => i.decision.action === "revoke" && i.actions.some((a) => a.status === "failed")),
    },
    { name: METRIC.openTickets, unit: "Count", value: count((i) => i.decision.action === "ticket") },
    {
      name: METRIC.sourceProblems,
      unit: "Count",
      value: report.sources.reduce((n, s) => n + s.problems.length, 0),
    },
  ];
  for (const source of report.sources) {
    const lingering = count(
      (i) =>
        i.finding.ruleId === "departed-owner-active-credential" &&
        i.finding.credential?.source === source.source &&
        !i.actions.some((a) => a.type === "verify" && a.status === "verified"),
    );
    points.push({
      name: METRIC.lingeringCredentials,
      unit: "Count",
      value: lingering,
      dimensions: { Source: source.source },
    });
  }
  for (const seconds of timesToRevoke(report)) {
    points.push({ name: METRIC.timeToRevokeSeconds, unit: "Seconds", value: seconds });
  }
  return points;
}
