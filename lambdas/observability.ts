/**
 * The figures a scan publishes as CloudWatch metrics (namespace `IamHygiene`), from its
 * report. The CDK construct's alarms and dashboard read exactly these names.
 */
import type { PlanItem } from "./core/plan-types.ts";
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
   * What a scan could not deliver: outbox items (Slack messages, tickets) that failed this run or
   * were given up as dead, plus one per configured channel that could not be set up, plus one
   * when the notification step failed as a whole. See `notificationFailures`.
   */
  notificationFailures: "NotificationFailures",
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

/**
 * How many distinct credentials the plan items that match `predicate` name. Revocations,
 * tickets and lingering credentials are per credential: two findings on one key (e.g.
 * used-after-departure and departed-owner) are one revocation. A run finding, which names no
 * credential, counts as itself.
 */
export function countCredentials(items: readonly PlanItem[], predicate: (item: PlanItem) => boolean): number {
  const ids = new Set<string>();
  for (const item of items) if (predicate(item)) ids.add(item.finding.credential?.id ?? item.finding.id);
  return ids.size;
}

/** True when the item's credential was revoked and read back as revoked. */
export function revokedAndVerified(item: PlanItem): boolean {
  return item.actions.some((a) => a.type === "verify" && a.status === "verified");
}

/** True when the plan said revoke and a step of it (revoke or read-back) failed. */
export function revocationFailed(item: PlanItem): boolean {
  return item.decision.action === "revoke" && item.actions.some((a) => a.status === "failed");
}

/**
 * What a scan could not deliver, from its report: the outcome's `failed` (the notification step
 * in `wiring.ts` counts there the items that failed this run and those given up as dead), one per
 * configured channel whose adapter could not be set up (`details.unavailable`), and one when the
 * step failed as a whole (`notificationFailure`; the report does not say which channels it would
have served).
 */
export function notificationFailures(report: ScanReport): number {
  const outcome = report.notifications;
  if (outcome === undefined) {
    return report.notificationFailure !== undefined ? 1 : 0;
  }
  const unavailable = outcome.details?.unavailable;
  return outcome.failed + (Array.isArray(unavailable) ? unavailable.length : 0);
}

/** Every metric point a scan report yields. */
export function scanMetrics(report: ScanReport): MetricPoint[] {
  const items = report.plan.items;
  const count = (predicate: (i: PlanItem) => boolean) => items.filter(predicate).length;
  const credentials = (predicate: (i: PlanItem) => boolean) => countCredentials(items, predicate);
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
      value: credentials(revokedAndVerified),
    },
    { name: METRIC.revocationFailures, unit: "Count", value: credentials(revocationFailed) },
    { name: METRIC.openTickets, unit: "Count", value: credentials((i) => i.decision.action === "ticket") },
    {
      name: METRIC.sourceProblems,
      unit: "Count",
      value: report.sources.reduce((n, s) => n + s.problems.length, 0),
    },
    { name: METRIC.notificationFailures, unit: "Count", value: notificationFailures(report) },
  ];
  for (const source of report.sources) {
    const lingering = credentials(
      (i) =>
        i.finding.ruleId === "departed-owner-active-credential" &&
        i.finding.credential?.source === source.source &&
        !revokedAndVerified(i),
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
