import { describe, expect, it } from "vitest";
import { ASFF_LIMITS, ASFF_SCHEMA_VERSION, toAsffFindings } from "../../../lambdas/report/asff.ts";
import { ALL_REPORT_FIXTURES, scanReportFixture } from "../../support/scan-report-fixture.ts";

const OPTIONS = { region: "eu-west-1", accountId: "123456789012" };
const REQUIRED = [
  "SchemaVersion",
  "Id",
  "ProductArn",
  "GeneratorId",
  "AwsAccountId",
  "Types",
  "CreatedAt",
  "UpdatedAt",
  "Severity",
  "Title",
  "Description",
  "Resources",
] as const;
const NAMESPACES = [
  "Software and Configuration Checks",
  "TTPs",
  "Effects",
  "Unusual Behaviors",
  "Sensitive Data Identifications",
];

describe("toAsffFindings", () => {
  it.each(ALL_REPORT_FIXTURES)(
    "sets every required attribute within Security Hub's limits (%s)",
    (_n, fixture) => {
      const findings = toAsffFindings(fixture(), OPTIONS);

      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) {
        for (const field of REQUIRED) expect(f[field], `${f.Id} ${field}`).toBeTruthy();
        expect(f.SchemaVersion).toBe(ASFF_SCHEMA_VERSION);
        expect(f.ProductArn).toBe("arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default");
        expect(f.GeneratorId).toMatch(/^iam-hygiene\//);
        expect(f.AwsAccountId).toMatch(/^\d{12}$/);
        expect(f.Title.length).toBeLessThanOrEqual(ASFF_LIMITS.title);
        expect(f.Description.length).toBeLessThanOrEqual(ASFF_LIMITS.description);
        expect(f.Resources.length).toBeGreaterThan(0);
        expect(f.Resources.length).toBeLessThanOrEqual(ASFF_LIMITS.resources);
        for (const t of f.Types)
          expect(NAMESPACES.some((ns) => t === ns || t.startsWith(`${ns}/`))).toBe(true);
        expect(f.FindingProviderFields.Severity).toEqual(f.Severity);
        expect(Date.parse(f.CreatedAt)).not.toBeNaN();
      }
      expect(new Set(findings.map((f) => f.Id)).size).toBe(findings.length);
    },
  );

  it("classifies a use after departure as initial access and maps severities and resources", () => {
    const findings = toAsffFindings(scanReportFixture(), OPTIONS);
    const used = findings.find((f) => f.GeneratorId === "iam-hygiene/used-after-departure");
    const okta = findings.find((f) => f.ProductFields["iam-hygiene/source"] === "okta");
    const password = findings.find((f) => f.ProductFields["iam-hygiene/outcome"] === "revoke-failed");

    expect(used?.Types).toContain("TTPs/Initial Access");
    expect(used?.Severity).toEqual({ Label: "CRITICAL", Original: "critical" });
    expect(used?.Resources[0]).toMatchObject({
      Type: "AwsIamAccessKey",
      Id: "AWS::IAM::AccessKey:AKIABOB0000000000002",
      Details: { AwsIamAccessKey: { AccessKeyId: "AKIABOB0000000000002", PrincipalName: "bsmith" } },
    });
    expect(used?.Workflow.Status).toBe("RESOLVED");
    expect(used?.Remediation?.Recommendation.Url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(password?.Resources[0]?.Type).toBe("AwsIamUser");
    expect(okta?.Resources[0]).toMatchObject({
      Type: "Other",
      Id: "okta:corp.example:web-sessions:00u1jane",
    });
    expect(okta?.AwsAccountId).toBe("123456789012");
  });

  it("archives findings resolved since the last scan, and keeps Description within 1024 characters", () => {
    const report = scanReportFixture();
    const item = report.plan.items[0]!;
    const long = { ...item, finding: { ...item.finding, summary: "x".repeat(5000), title: "t".repeat(400) } };
    const findings = toAsffFindings({ ...report, plan: { ...report.plan, items: [long] } }, OPTIONS);

    expect(findings[0]?.Description).toHaveLength(ASFF_LIMITS.description);
    expect(findings[0]?.Title).toHaveLength(ASFF_LIMITS.title);
    expect(findings.at(-1)).toMatchObject({ RecordState: "ARCHIVED", Workflow: { Status: "RESOLVED" } });
    expect(
      toAsffFindings(report, { ...OPTIONS, includeResolved: false }).every((f) => f.RecordState === "ACTIVE"),
    ).toBe(true);
  });
});
