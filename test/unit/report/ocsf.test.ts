import { describe, expect, it } from "vitest";
import { OCSF_SEVERITY_ID, toOcsfFindings } from "../../../lambdas/report/ocsf.ts";
import { ALL_REPORT_FIXTURES, scanReportFixture } from "../../support/scan-report-fixture.ts";

describe("toOcsfFindings", () => {
  it.each(ALL_REPORT_FIXTURES)(
    "writes Detection Finding events with the required attributes (%s)",
    (_n, fixture) => {
      const events = toOcsfFindings(fixture(), { region: "eu-west-1" });

      for (const ev of events) {
        expect(ev.class_uid).toBe(2004);
        expect(ev.category_uid).toBe(2);
        expect(ev.type_uid).toBe(2004 * 100 + ev.activity_id);
        expect([1, 3]).toContain(ev.activity_id);
        expect(Number.isInteger(ev.time)).toBe(true);
        expect(ev.finding_info.uid).toBeTruthy();
        expect(ev.finding_info.title).toBeTruthy();
        expect(ev.metadata).toMatchObject({
          version: "1.1.0",
          product: { name: "iam-hygiene", vendor_name: "iam-hygiene" },
        });
        expect([1, 2, 3, 4]).toContain(ev.status_id);
      }
    },
  );

  it("maps severities to OCSF severity_id and outcomes to status", () => {
    expect(OCSF_SEVERITY_ID).toEqual({ info: 1, low: 2, medium: 3, high: 4, critical: 5 });
    const events = toOcsfFindings(scanReportFixture());
    const used = events.find((e) => e.finding_info.types.includes("used-after-departure"));
    const ticketed = events.find((e) => e.resources[0]?.name === "ci-deployer");
    const closed = events.filter((e) => e.activity_id === 3);

    expect(used).toMatchObject({
      severity_id: 5,
      severity: "Critical",
      status_id: 4,
      status: "Resolved",
      confidence_id: 2,
    });
    expect(used?.resources[0]?.owner).toMatchObject({ email_addr: "bob.smith@corp.example", uid: "E200" });
    expect(ticketed).toMatchObject({ severity_id: 4, status_id: 2 });
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ type_uid: 200403, status_id: 4 });
  });
});
