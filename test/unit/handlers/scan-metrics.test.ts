/**
 * `NotificationFailures`: what a scan could not deliver (Slack messages, tickets), counted from
 * the report the scan already writes, through the real notification step where it matters: a
 * revoked Jira token against the local Jira fake, a Slack secret that cannot be read.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { METRIC, notificationFailures, scanMetrics } from "../../../lambdas/observability.ts";
import { runScan, type ScanReport } from "../../../lambdas/scan.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";
import { createRuntime, deliveryAdaptersFromConfig, notificationStep } from "../../../lambdas/wiring.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import { scanReportFixture } from "../../support/scan-report-fixture.ts";

const NOW = new Date("2026-06-01T12:00:00Z");

/** The value of `NotificationFailures` a report publishes (one point, no dimension of its own). */
function published(report: ScanReport): number | undefined {
  const points = scanMetrics(report).filter((p) => p.name === METRIC.notificationFailures);
  expect(points).toHaveLength(1);
  expect(points[0]?.dimensions).toBeUndefined();
  return points[0]?.value;
}

describe("NotificationFailures: a revoked Jira token and an unreadable Slack secret", () => {
  let jira: FakeJira;
  let dir: string;

  beforeAll(async () => {
    jira = await FakeJira.start("SEC", "bot@corp.example", "the-current-jira-token");
  });
  afterAll(async () => {
    await jira.close();
  });

  /** One notification step over the fixture's plan, in the Lambda's wiring, on a fresh local store. */
  async function notifyOnce(storeMaxAttempts: number): Promise<ScanReport> {
    dir = await mkdtemp(join(tmpdir(), "iam-hygiene-notify-metric-"));
    try {
      const config = parseConfig({
        mode: "enforce",
        store: { type: "local", dir: "state" },
        notifications: {
          // SLACK_TOKEN is not set: the channel cannot be set up this run.
          slack: { enabled: true, token: { env: "SLACK_TOKEN" }, securityChannel: "C0SECURITY" },
        },
        tickets: {
          type: "jira",
          host: jira.host,
          projectKey: "SEC",
          email: "bot@corp.example",
          apiToken: { env: "JIRA_TOKEN" },
        },
      });
      const base = createRuntime({
        config,
        env: { JIRA_TOKEN: "a-revoked-jira-token" },
        configPath: join(dir, "iam-hygiene.json"),
        clock: fixedClock(NOW),
      });
      const runtime = {
        ...base,
        store: new LocalDirectoryStore(join(dir, "state"), { maxAttempts: storeMaxAttempts }),
      };
      const notify = notificationStep(runtime, await deliveryAdaptersFromConfig(runtime));
      const fixture = scanReportFixture();
      const outcome = await notify?.({
        scanId: fixture.scanId,
        startedAt: NOW,
        now: NOW,
        plan: fixture.plan,
        resolved: [],
        applied: true,
      });
      return { ...fixture, ...(outcome ? { notifications: outcome } : {}) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("counts the tickets that failed this run, plus one for the Slack channel that could not be set up", async () => {
    // Prepare: the store's default of 8 attempts, so a first failure is retried later.
    // Act
    const report = await notifyOnce(8);

    // Assess: Jira refused the first tickets (then the run deferred the rest as an outage).
    const outcome = report.notifications;
    expect(outcome?.failed).toBeGreaterThan(0);
    expect(outcome?.details?.dead).toEqual([]);
    expect(outcome?.details?.unavailable).toHaveLength(1);
    expect(published(report)).toBe((outcome?.failed ?? 0) + 1);
  });

  it("counts the tickets given up as dead this run, each once", async () => {
    // Prepare: a store that gives an item up after one attempt.
    // Act
    const report = await notifyOnce(1);

    // Assess: every refused ticket went dead; dead items are counted once, not again as failed.
    const dead = report.notifications?.details?.dead as string[] | undefined;
    expect(dead?.length).toBeGreaterThan(0);
    expect(report.notifications?.failed).toBe(dead?.length);
    expect(published(report)).toBe((dead?.length ?? 0) + 1);
  });
});

describe("NotificationFailures: the rest of the cases", () => {
  it("is zero when everything was delivered, and when no channel is configured", () => {
    // Prepare
    const delivered = scanReportFixture();
    const { notifications: _, ...silent } = scanReportFixture();

    // Act / Assess
    expect(delivered.notifications?.failed).toBe(0);
    expect(published(delivered)).toBe(0);
    expect(notificationFailures(silent)).toBe(0);
  });

  it("is one when the notification step failed as a whole, as the scan records it", async () => {
    // Prepare: the step itself throws (the store's outbox unreachable, say); the scan goes on.
    const quiet = { info() {}, warn() {}, error() {} };

    // Act
    const report = await runScan(
      {
        config: parseConfig({}),
        clock: fixedClock(NOW),
        sources: [],
        notify: async () => {
          throw new Error("Jira: 401 Unauthorized");
        },
        log: quiet,
      },
      { apply: true, trigger: "schedule" },
    );

    // Assess
    expect(report.status).toBe("completed");
    expect(report.notifications).toBeUndefined();
    expect(published(report)).toBe(1);
  });
});
