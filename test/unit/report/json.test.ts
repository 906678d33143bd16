import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { timesToRevoke } from "../../../lambdas/observability.ts";
import { formatJsonReport, toJsonReport } from "../../../lambdas/report/json.ts";
import { jsonReportSchema, REPORT_SCHEMA_VERSION, reportJsonSchema } from "../../../lambdas/report/schema.ts";
import {
  ALL_REPORT_FIXTURES,
  brakeReportFixture,
  HOSTILE,
  rejectedListReportFixture,
  scanReportFixture,
} from "../../support/scan-report-fixture.ts";

const ROOT = join(import.meta.dirname, "../../..");

describe("toJsonReport", () => {
  it.each(ALL_REPORT_FIXTURES)("validates against the report schema (%s)", (_name, fixture) => {
    // Prepare: a round trip through text, as a reader would get it.
    const text = formatJsonReport(fixture());

    // Act
    const parsed = jsonReportSchema.safeParse(JSON.parse(text));

    // Assess
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
  });

  it("publishes the JSON Schema that docs/report.schema.json holds", () => {
    const published = JSON.parse(readFileSync(join(ROOT, "docs/report.schema.json"), "utf8"));
    expect(published).toEqual(reportJsonSchema());
  });

  it("carries every field a finding needs, with nulls rather than absent values", () => {
    const json = toJsonReport(scanReportFixture());
    const used = json.findings.find((f) => f.rule === "used-after-departure");

    expect(used).toMatchObject({
      severity: "critical",
      source: "aws-iam",
      kind: "access-key",
      nativeId: "AKIABOB0000000000002",
      principal: "bsmith",
      account: "123456789012",
      person: { employeeId: "E200", email: "bob.smith@corp.example", displayName: HOSTILE.formula },
      match: { by: "alias", strength: "strong" },
      decision: { action: "revoke" },
      outcome: "revoked",
      evidence: { events: 42, sourceIps: "203.0.113.9 (40), 198.51.100.7 (2)" },
    });
    expect(used?.actions.map((a) => `${a.type}:${a.status}`)).toEqual([
      "incident:done",
      "revoke:done",
      "verify:verified",
    ]);
    const brake = toJsonReport(brakeReportFixture()).findings.find(
      (f) => f.rule === "revocation-brake-engaged",
    );
    expect(brake).toMatchObject({ source: null, credentialId: null, person: null, match: null });
  });

  it("summarises counts and totals the way the cards show them", () => {
    const json = toJsonReport(scanReportFixture());

    expect(json.counts).toEqual({ critical: 2, high: 8, medium: 11, low: 1, info: 0 });
    expect(json.totals).toMatchObject({
      findings: 22,
      credentials: 560,
      revoked: 4,
      revokeFailed: 1,
      ticketed: 3,
      heldByBrake: 0,
      usedAfterDeparture: 1,
    });
    expect(toJsonReport(brakeReportFixture()).totals.heldByBrake).toBeGreaterThan(0);
    expect(toJsonReport(rejectedListReportFixture()).departures).toMatchObject({ rejected: true });
  });

  it("counts revocations, failures and holds per credential, as the brake and the timelines do", () => {
    // Prepare: Bob's key carries two revoke findings; once every revocation failed, once all held.
    const fixture = scanReportFixture();
    const failed = {
      ...fixture,
      plan: {
        ...fixture.plan,
        items: fixture.plan.items.map((i) =>
          i.decision.action === "revoke"
            ? {
                ...i,
                actions: [{ type: "revoke" as const, status: "failed" as const, detail: "UpdateAccessKey" }],
              }
            : i,
        ),
      },
    };
    const braked = brakeReportFixture();

    // Act
    const whenFailed = toJsonReport(failed);
    const whenHeld = toJsonReport(braked);

    // Assess: six findings, five credentials.
    expect(whenFailed.findings.filter((f) => f.outcome === "revoke-failed")).toHaveLength(6);
    expect(whenFailed.totals.revokeFailed).toBe(5);
    expect(whenHeld.findings.filter((f) => f.outcome === "held-by-brake")).toHaveLength(6);
    expect(whenHeld.totals.heldByBrake).toBe(braked.plan.brake.wouldRevoke);
  });

  it("builds a timeline per person from departure to the last verified revocation", () => {
    const report = scanReportFixture();
    const json = toJsonReport(report);
    const jane = json.people.find((p) => p.key === "E100");
    const bob = json.people.find((p) => p.key === "E200");

    expect(jane).toMatchObject({
      departedAt: "2026-05-29T12:00:00.000Z",
      firstRevocationAt: "2026-06-01T12:01:00.000Z",
      lastVerifiedRevocationAt: "2026-06-01T12:03:00.000Z",
      secondsToRevoke: 3 * 86_400 + 180,
      secondsLingering: null,
      credentials: { total: 2, revoked: 2, ticketed: 0, held: 0, open: 0 },
    });
    // Bob's key carries two findings but is one credential; his console password failed.
    expect(bob?.credentials).toEqual({ total: 3, revoked: 2, ticketed: 0, held: 0, open: 1 });
    expect(bob?.usedAfterDeparture).toBe(true);
    expect(bob?.secondsLingering).toBeGreaterThan(0);
    // The person timelines agree with the metric the dashboard plots.
    expect(Math.max(...timesToRevoke(report))).toBeLessThanOrEqual(
      Math.max(...json.people.map((p) => p.secondsToRevoke ?? 0)),
    );
  });

  it("is pure: the same report gives the same JSON, and meta overrides the generator", () => {
    const report = scanReportFixture();
    expect(toJsonReport(report)).toEqual(toJsonReport(report));
    const json = toJsonReport(report, {
      generator: { name: "iam-hygiene", version: "9.9.9" },
      generatedAt: new Date("2026-06-02T00:00:00Z"),
    });
    expect(json.generator.version).toBe("9.9.9");
    expect(json.generatedAt).toBe("2026-06-02T00:00:00.000Z");
  });
});
