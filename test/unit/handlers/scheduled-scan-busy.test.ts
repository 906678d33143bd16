/**
 * The scan handler when another scan holds the lease: a one-off scan (the webhook's targeted
 * scan, a new departures object) fails its invocation so Lambda retries it and, after its
 * retries, the dead-letter queue keeps it; a scheduled scan answers `busy` (the next schedule
 * comes anyway).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { retriesWhenBusy, targetedScanEvent } from "../../../lambdas/handlers/scan-events.ts";
import { makeHandler, ScanBusyError } from "../../../lambdas/handlers/scheduled-scan.ts";
import type { ScanReport, ScanRequest } from "../../../lambdas/scan.ts";
import { person } from "../../support/fixtures.ts";
import { scanReportFixture } from "../../support/scan-report-fixture.ts";

const context = { functionName: "scan", awsRequestId: "req-1" } as unknown as Context;
const s3Event = {
  Records: [
    { eventSource: "aws:s3", s3: { bucket: { name: "b" }, object: { key: "departures/departures.csv" } } },
  ],
};

function handlerAnswering(status: ScanReport["status"]) {
  return makeHandler({
    scan: async (request: ScanRequest) => ({ ...scanReportFixture(), trigger: request.trigger, status }),
    logger: new Logger({ serviceName: "test", logLevel: "SILENT" }),
    metrics: new Metrics({
      namespace: "Test",
      serviceName: "test",
      logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
    }),
  });
}

describe("a busy scan in the scan handler", () => {
  it("fails a targeted (webhook) scan and an S3-object scan with ScanBusyError, so Lambda retries them", async () => {
    const handler = handlerAnswering("busy");
    const webhook = JSON.parse(JSON.stringify(targetedScanEvent("hr-webhook:e1", "e1", [person()])));

    await expect(handler(webhook, context)).rejects.toThrow(ScanBusyError);
    await expect(handler(webhook, context)).rejects.toThrow(
      /\(hr-webhook:e1\) found another scan holding the lease/,
    );
    await expect(handler(s3Event, context)).rejects.toThrow(ScanBusyError);
  });

  it("answers busy for a scheduled scan, and succeeds for a completed targeted one", async () => {
    await expect(handlerAnswering("busy")({ trigger: "schedule" }, context)).resolves.toMatchObject({
      status: "busy",
    });
    const webhook = JSON.parse(JSON.stringify(targetedScanEvent("hr-webhook:e1", "e1", [person()])));
    await expect(handlerAnswering("completed")(webhook, context)).resolves.toMatchObject({
      status: "completed",
    });
  });

  it("retries only one-off events", () => {
    expect(retriesWhenBusy({ apply: true, trigger: "schedule" })).toBe(false);
    expect(retriesWhenBusy({ apply: true, trigger: "s3:b/departures.csv" })).toBe(true);
    expect(retriesWhenBusy({ apply: true, trigger: "hr-webhook:e1", people: [person()] })).toBe(true);
  });
});
