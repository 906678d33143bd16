import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { makeHandler as makeOrgHandler } from "../../../lambdas/handlers/org-account-scan.ts";
import {
  ScanEventError,
  scanRequestFromEvent,
  targetedScanEvent,
} from "../../../lambdas/handlers/scan-events.ts";
import { makeHandler } from "../../../lambdas/handlers/scheduled-scan.ts";
import { METRIC, scanMetrics, timesToRevoke } from "../../../lambdas/observability.ts";
import { toJsonReport } from "../../../lambdas/report/json.ts";
import type { ScanReport, ScanRequest } from "../../../lambdas/scan.ts";
import { person } from "../../support/fixtures.ts";
import { scanReportFixture } from "../../support/scan-report-fixture.ts";

const context = { functionName: "scan", awsRequestId: "req-1" } as unknown as Context;
const quietLogger = () => new Logger({ serviceName: "test", logLevel: "SILENT" });
const quietMetrics = () =>
  new Metrics({
    namespace: "Test",
    serviceName: "test",
    logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
  });

describe("scan events", () => {
  it("reads a schedule, a targeted webhook scan and an S3 notification", () => {
    expect(scanRequestFromEvent({ trigger: "schedule" })).toEqual({ apply: true, trigger: "schedule" });
    expect(scanRequestFromEvent(undefined)).toEqual({ apply: true, trigger: "schedule" });
    const jane = person();
    const targeted = scanRequestFromEvent(
      JSON.parse(JSON.stringify(targetedScanEvent("hr-webhook:e1", "e1", [jane]))),
    );
    expect(targeted.trigger).toBe("hr-webhook:e1");
    expect(targeted.people?.[0]?.departedAt).toEqual(jane.departedAt);
    const s3 = scanRequestFromEvent({
      Records: [
        { eventSource: "aws:s3", s3: { bucket: { name: "b" }, object: { key: "departures/hr+list.csv" } } },
      ],
    });
    expect(s3.trigger).toBe("s3:b/departures/hr list.csv");
  });

  it("refuses anything else, naming the field", () => {
    expect(() =>
      scanRequestFromEvent({ trigger: "x", people: [{ emails: [], departedAt: "yesterday" }], eventId: "e" }),
    ).toThrow(ScanEventError);
    expect(() => scanRequestFromEvent({ surprise: 1 })).toThrow(/unrecognised scan event/);
  });

  it("takes only known sources in `only`, and at least one", () => {
    expect(scanRequestFromEvent({ only: ["aws-iam", "okta"] })).toEqual({
      apply: true,
      trigger: "schedule",
      only: ["aws-iam", "okta"],
    });
    // A misspelt source, or none, would scan nothing and still report "completed".
    expect(() => scanRequestFromEvent({ only: ["aws_iam"] })).toThrow(/unrecognised scan event: only\.0: /);
    expect(() => scanRequestFromEvent({ only: [] })).toThrow(/unrecognised scan event: only: /);
  });
});

describe("scan metrics", () => {
  it("counts incidents, revocations and lingering credentials per source", () => {
    const report = scanReportFixture();
    const points = scanMetrics(report);
    const value = (name: string) => points.find((p) => p.name === name && !p.dimensions)?.value;
    expect(value(METRIC.usedAfterDeparture)).toBe(
      report.plan.items.filter((i) => i.finding.ruleId === "used-after-departure").length,
    );
    expect(value(METRIC.brakeEngaged)).toBe(report.plan.brake.engaged ? 1 : 0);
    expect(
      points.filter((p) => p.name === METRIC.lingeringCredentials).every((p) => p.dimensions?.Source),
    ).toBe(true);
    expect(points.filter((p) => p.name === METRIC.timeToRevokeSeconds).map((p) => p.value)).toEqual(
      timesToRevoke(report),
    );
  });

  it("counts revocations and their failures per credential, as the report's totals do", () => {
    // Prepare: Bob's key carries two revoke findings; a copy of the run where every revocation failed.
    const report = scanReportFixture();
    const failed: ScanReport = {
      ...report,
      plan: {
        ...report.plan,
        items: report.plan.items.map((i) =>
          i.decision.action === "revoke"
            ? {
                ...i,
                actions: [{ type: "revoke" as const, status: "failed" as const, detail: "UpdateAccessKey" }],
              }
            : i,
        ),
      },
    };
    const value = (r: ScanReport, name: string) =>
      scanMetrics(r).find((p) => p.name === name && !p.dimensions)?.value;

    // Act
    const revocations = value(report, METRIC.revocations);
    const failures = value(failed, METRIC.revocationFailures);

    // Assess
    expect(revocations).toBe(4);
    expect(revocations).toBe(toJsonReport(report).totals.revoked);
    expect(failures).toBe(5);
    expect(failures).toBe(toJsonReport(failed).totals.revokeFailed);
  });
});

describe("the scan handler", () => {
  it("runs the use case with the parsed request and answers a short summary", async () => {
    const seen: ScanRequest[] = [];
    const report = scanReportFixture();
    const handler = makeHandler({
      scan: async (request) => {
        seen.push(request);
        return report;
      },
      logger: quietLogger(),
      metrics: quietMetrics(),
    });
    const result = await handler({ trigger: "schedule" }, context);
    expect(seen).toEqual([{ apply: true, trigger: "schedule" }]);
    expect(result).toMatchObject({
      scanId: report.scanId,
      findings: report.plan.items.length,
      status: "completed",
      // Credentials, not findings: Bob's key carries two findings and is one revocation.
      revoked: toJsonReport(report).totals.revoked,
    });
    expect(result.revoked).toBe(4);
  });
});

describe("the scan handler's deadline", () => {
  it("lets the scan run to the invocation's end: no early answer while it goes on acting", async () => {
    // Prepare: less time left than the scan takes (Lambda itself would end it at the deadline).
    const handler = makeHandler({
      scan: async () => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return scanReportFixture();
      },
      logger: quietLogger(),
      metrics: quietMetrics(),
    });
    const timed = { ...context, getRemainingTimeInMillis: () => 50 } as Context;

    // Act
    const result = await handler({ trigger: "schedule" }, timed);

    // Assess: the scan's own answer, not a TimeoutError with the scan still running behind it.
    expect(result.status).toBe("completed");
  });
});

describe("the org account handler", () => {
  it("scans the named account through its role, scoped to that account", async () => {
    const calls: Array<{ accountId: string; request: ScanRequest }> = [];
    const handler = makeOrgHandler({
      logger: quietLogger(),
      metrics: quietMetrics(),
      scanAccount: async (target, request) => {
        calls.push({ accountId: target.accountId, request });
        return scanReportFixture();
      },
    });
    await handler(
      { accountId: "210987654321", roleArn: "arn:aws:iam::210987654321:role/IamHygieneScanner" },
      context,
    );
    expect(calls[0]?.request).toEqual({ apply: true, trigger: "org:210987654321", account: "210987654321" });
    await expect(handler({ accountId: "nope", roleArn: "x" }, context)).rejects.toThrow(
      /accountId: a 12-digit account id/,
    );
  });

  it("refuses a role in another account than the account it is to scan", async () => {
    // Prepare
    const scanned: string[] = [];
    const handler = makeOrgHandler({
      logger: quietLogger(),
      metrics: quietMetrics(),
      scanAccount: async (target) => {
        scanned.push(target.accountId);
        return scanReportFixture();
      },
    });

    // Act
    const answer = handler(
      { accountId: "222222222222", roleArn: "arn:aws:iam::333333333333:role/IamHygieneScanner" },
      context,
    );

    // Assess: nothing scanned; the role would have read 333's credentials as 222's.
    await expect(answer).rejects.toThrow(/roleArn: the role ARN is in another account than accountId/);
    expect(scanned).toEqual([]);
  });

  it("publishes the account's failure before its deadline, while the scan is still running", async () => {
    // Prepare: 1.1 s left, a scan that takes longer than the deadline watch allows.
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const errors: string[] = [];
    const logger = quietLogger();
    logger.error = ((message: string) => {
      errors.push(message);
    }) as typeof logger.error;
    const metrics = new Metrics({ namespace: "Test", serviceName: "test" });
    const handler = makeOrgHandler({
      logger,
      metrics,
      scanAccount: async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return scanReportFixture();
      },
    });
    const timed = { ...context, getRemainingTimeInMillis: () => 1_100 } as Context;

    // Act
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await handler(
        { accountId: "222222222222", roleArn: "arn:aws:iam::222222222222:role/IamHygieneScanner" },
        timed,
      );
    } finally {
      process.stdout.write = write;
    }

    // Assess: the failure point went out, with and without the account, and the log says why.
    const emf = printed
      .join("")
      .split("\n")
      .filter((line) => line.includes("AccountScanFailures"));
    expect(emf.length).toBeGreaterThanOrEqual(2);
    expect(emf.some((line) => line.includes('"Account":"222222222222"'))).toBe(true);
    expect(errors).toEqual(["member account scan ran out of time; Lambda ends it at its deadline"]);
  });
});
