/** A one-finding `ScanReport` (a medium hygiene finding, report mode) for exit-code tests. */
import type { ScanReport } from "../../lambdas/scan.ts";

const AT = new Date("2026-06-01T12:00:00Z");

/** A completed report-mode scan with one medium `unrotated-access-key` finding. */
export function minimalScanReport(): ScanReport {
  return {
    version: 1,
    scanId: "scan-1",
    trigger: "cli",
    startedAt: AT,
    finishedAt: AT,
    status: "completed",
    applied: false,
    plan: {
      version: 1,
      mode: "report",
      generatedAt: AT,
      items: [
        {
          finding: {
            id: "f1",
            ruleId: "unrotated-access-key",
            severity: "medium",
            title: "Access key not rotated",
            summary: "access key AKIA1 of bob is 200 day(s) old",
            evidence: {},
          },
          decision: { findingId: "f1", action: "notify", why: "notify by policy" },
          actions: [],
        },
      ],
      brake: { engaged: false, wouldRevoke: 0, limit: 25, credentialsSeen: 10 },
      counts: { info: 0, low: 0, medium: 1, high: 0, critical: 0 },
    },
    departures: { origin: "hr.csv", people: 1, rejected: false, errors: [] },
    sources: [{ source: "aws-iam", credentials: 10, problems: [], stats: {}, notes: [] }],
    resolved: [],
    notes: [],
  };
}
