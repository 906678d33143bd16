/**
 * The IAM offboarding story through the one use case and the real composition root, against
 * the sandbox with the real SDK: report changes nothing, apply revokes per credential and
 * verifies, a second apply does nothing new, and what must not be touched is not.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import type { Plan } from "../../../lambdas/core/plan.ts";
import { runScan, type ScanReport } from "../../../lambdas/scan.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/index.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const JANE_KEY_OLD = "AKIAJANEOLD000000001";
const JANE_KEY_LIVE = "AKIAJANELIVE00000002";

function scenario() {
  return {
    now: NOW.toISOString(),
    iam: {
      users: [
        {
          userName: "jane.doe",
          tags: { email: "jane.doe@corp.example" },
          createdAt: days(400),
          password: { createdAt: days(400), lastUsedAt: days(12) },
          mfa: true,
          accessKeys: [
            { id: JANE_KEY_OLD, createdAt: days(200), lastUsedAt: days(20), lastUsedService: "s3" },
            { id: JANE_KEY_LIVE, createdAt: days(60), lastUsedAt: days(2), lastUsedService: "dynamodb" },
          ],
          sshKeys: [{ id: "APKAJANESSH000000001", uploadedAt: days(300) }],
          serviceSpecificCredentials: [{ serviceName: "codecommit.amazonaws.com", createdAt: days(100) }],
        },
        {
          userName: "etl-exporter",
          path: "/service/",
          tags: { owner: "jane.doe@corp.example" },
          createdAt: days(300),
          accessKeys: [{ id: "AKIAETLEXPORT0000001", createdAt: days(30), lastUsedAt: days(1) }],
        },
        {
          userName: "bob.smith",
          tags: { email: "bob.smith@corp.example" },
          createdAt: days(100),
          accessKeys: [{ id: "AKIABOBNEVERUSED0001", createdAt: days(30) }],
        },
        {
          userName: "break-glass-admin",
          tags: { email: "jane.doe@corp.example" },
          createdAt: days(900),
          accessKeys: [{ id: "AKIABREAKGLASS000001", createdAt: days(900), lastUsedAt: days(400) }],
        },
      ],
      rootAccessKeys: [{ id: "AKIAROOTKEY000000001", createdAt: days(1000), lastUsedAt: days(500) }],
    },
    cloudtrail: {
      events: [
        {
          eventName: "GetObject",
          eventSource: "s3.amazonaws.com",
          eventTime: days(3),
          username: "jane.doe",
          accessKeyId: JANE_KEY_LIVE,
          sourceIPAddress: "185.220.101.4",
          userAgent: "aws-cli/2.15.0",
        },
        {
          eventName: "Scan",
          eventSource: "dynamodb.amazonaws.com",
          eventTime: days(2),
          username: "jane.doe",
          accessKeyId: JANE_KEY_LIVE,
          sourceIPAddress: "185.220.101.4",
          userAgent: "aws-cli/2.15.0",
        },
      ],
    },
  };
}

let sb: Sandbox;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await startSandbox({ scenario: scenario() as never });
  Object.assign(process.env, sb.env());
  dir = mkdtempSync(join(tmpdir(), "iam-hygiene-scan-"));
  writeFileSync(
    join(dir, "departures.csv"),
    `email,employee_id,name,departed_at,manager_email\njane.doe@corp.example,E100,Jane Doe,${days(10)},boss@corp.example\n`,
  );
});

afterAll(async () => {
  process.env = savedEnv;
  await sb.close();
});

async function scan(apply: boolean, overrides: Record<string, unknown> = {}): Promise<ScanReport> {
  const config = parseConfig({
    mode: "enforce",
    departures: { source: { type: "file", path: "departures.csv" } },
    protectedPrincipals: ["break-glass-*"],
    store: { type: "local", dir: "state" },
    audit: { type: "file", path: "audit.jsonl" },
    sources: { "aws-iam": { reportPollMs: 0 } },
    ...overrides,
  });
  const runtime = createRuntime({
    config,
    env: process.env,
    configPath: join(dir, "config.json"),
    clock: fixedClock(NOW),
  });
  return runScan(await scanDependencies(runtime), { apply, trigger: "test" });
}

function decisionsFor(plan: Plan, principal: string) {
  return plan.items.filter((i) => i.finding.credential?.principal === principal);
}

describe("an IAM offboarding scan", () => {
  it("plans every credential of the departed user in report mode and changes nothing", async () => {
    const report = await scan(false);
    const revokes = decisionsFor(report.plan, "jane.doe").filter((i) => i.decision.action === "revoke");
    const kinds = new Set(revokes.map((i) => i.finding.credential?.kind));
    expect(kinds).toEqual(
      new Set(["access-key", "console-password", "ssh-key", "service-specific-credential", "sts-sessions"]),
    );
    expect(
      revokes.every((i) => i.actions.every((a) => a.status === "planned" || a.type === "incident")),
    ).toBe(true);
    // Nothing changed in the account.
    expect(sb.iam.accessKeys.get(JANE_KEY_OLD)?.status).toBe("Active");
    expect(sb.iam.accessKeys.get(JANE_KEY_LIVE)?.status).toBe("Active");
    expect(sb.iam.users.get("jane.doe")?.loginProfile).toBeDefined();
    expect(sb.iam.users.get("jane.doe")?.inlinePolicies.size).toBe(0);
  });

  it("raises the key used after departure as a critical incident with CloudTrail evidence", async () => {
    const report = await scan(false);
    const incidents = report.plan.items.filter((i) => i.finding.ruleId === "used-after-departure");
    const incident = incidents.find((i) => i.finding.credential?.principal === "jane.doe");
    expect(incident?.finding.severity).toBe("critical");
    expect(incident?.finding.credential?.nativeId).toBe(JANE_KEY_LIVE);
    expect(JSON.stringify(incident?.finding.evidence)).toContain("185.220.101.4");
    // Her service user's key, in normal use since she left, is a workload, not an incident.
    expect(incidents.find((i) => i.finding.credential?.principal === "etl-exporter")).toBeUndefined();
  });

  it("applies: each credential inactive or removed, sessions revoked, each verified", async () => {
    const report = await scan(true);
    expect(report.applied).toBe(true);
    const jane = sb.iam.users.get("jane.doe")!;
    expect(sb.iam.accessKeys.get(JANE_KEY_OLD)?.status).toBe("Inactive");
    expect(sb.iam.accessKeys.get(JANE_KEY_LIVE)?.status).toBe("Inactive");
    expect(jane.loginProfile).toBeUndefined();
    expect(jane.sshKeys.every((k) => k.status === "Inactive")).toBe(true);
    expect(jane.serviceSpecificCredentials.every((c) => c.status === "Inactive")).toBe(true);
    const policy = [...jane.inlinePolicies.values()].join("");
    expect(policy).toContain("aws:TokenIssueTime");
    const revoked = decisionsFor(report.plan, "jane.doe").filter((i) => i.decision.action === "revoke");
    for (const item of revoked) {
      expect(
        item.actions.some((a) => a.type === "verify" && a.status === "verified"),
        item.finding.summary,
      ).toBe(true);
    }
    // The store holds each revocation and its read-back on the finding, once each.
    const store = new LocalDirectoryStore(join(dir, "state"));
    for (const item of revoked) {
      const history = await store.getFinding(item.finding.id);
      expect(history?.actions.filter((a) => a.type === "verify" && a.status === "verified")).toHaveLength(1);
    }
  });

  it("a second apply plans and does nothing new", async () => {
    const report = await scan(true);
    const revokes = report.plan.items.filter((i) => i.decision.action === "revoke");
    expect(revokes).toEqual([]);
  });

  it("deactivates again a key a human re-enabled, without counting it against the brake", async () => {
    // Prepare: after the apply above, someone re-enables Jane's old key in the console.
    sb.iam.accessKeys.get(JANE_KEY_OLD)!.status = "Active";

    // Act: a brake that allows no new revocation at all.
    const report = await scan(true, { brake: { maxRevocationsPerRun: 0 } });

    // Assess: the key was revoked before, so revoking it again is no new revocation.
    expect(report.plan.brake).toMatchObject({ engaged: false, wouldRevoke: 0, repeats: 1 });
    expect(sb.iam.accessKeys.get(JANE_KEY_OLD)?.status).toBe("Inactive");
  });

  it("tickets the departed person's service user instead of revoking it", async () => {
    const report = await scan(false);
    const etl = decisionsFor(report.plan, "etl-exporter").find(
      (i) => i.finding.ruleId === "departed-owner-active-credential",
    );
    expect(etl?.decision.action).toBe("ticket");
    expect(etl?.decision.why).toContain("transfer ownership");
    expect(sb.iam.accessKeys.get("AKIAETLEXPORT0000001")?.status).toBe("Active");
  });

  it("never touches a protected principal or a colleague, and flags a never-used key", async () => {
    const report = await scan(false);
    expect(sb.iam.accessKeys.get("AKIABREAKGLASS000001")?.status).toBe("Active");
    expect(
      decisionsFor(report.plan, "break-glass-admin").every((i) => i.decision.action === "protected"),
    ).toBe(true);
    expect(sb.iam.accessKeys.get("AKIABOBNEVERUSED0001")?.status).toBe("Active");
    const bob = decisionsFor(report.plan, "bob.smith");
    expect(bob.map((i) => i.finding.ruleId)).toContain("unused-credential");
    expect(bob.find((i) => i.finding.ruleId === "unused-credential")?.finding.evidence.neverUsed).toBe(true);
    expect(report.plan.items.find((i) => i.finding.ruleId === "root-access-key")?.decision.action).toBe(
      "ticket",
    );
  });

  it("the brake: a list naming everyone revokes nothing and says why", async () => {
    sb.seed(scenario() as never);
    writeFileSync(
      join(dir, "everyone.csv"),
      [
        "email,name,departed_at",
        `jane.doe@corp.example,Jane Doe,${days(10)}`,
        `bob.smith@corp.example,Bob Smith,${days(10)}`,
      ].join("\n"),
    );
    const report = await scan(true, {
      departures: {
        source: { type: "file", path: "everyone.csv" },
        maxShareOfIdentities: 1,
        maxGrowthFactor: 1000,
      },
      brake: { maxRevocationsPerRun: 3 },
      // A store with no history: what earlier tests revoked would count as revoked before.
      store: { type: "local", dir: "state-brake" },
    });
    expect(report.plan.brake.engaged).toBe(true);
    expect(report.plan.items.some((i) => i.finding.ruleId === "revocation-brake-engaged")).toBe(true);
    expect(sb.iam.accessKeys.get(JANE_KEY_OLD)?.status).toBe("Active");
    expect(sb.iam.accessKeys.get("AKIABOBNEVERUSED0001")?.status).toBe("Active");
  });

  it("quarantines a list naming too large a share of identities: no revocation, a critical finding", async () => {
    sb.seed(scenario() as never);
    const report = await scan(true, {
      departures: {
        source: { type: "file", path: "everyone.csv" },
        maxShareOfIdentities: 0.2,
        minIdentitiesForShare: 0,
      },
    });
    expect(report.departures.rejected).toBe(true);
    const rejected = report.plan.items.find((i) => i.finding.ruleId === "departure-list-rejected");
    expect(rejected?.finding.severity).toBe("critical");
    expect(report.plan.items.some((i) => i.decision.action === "revoke")).toBe(false);
    expect(sb.iam.accessKeys.get(JANE_KEY_OLD)?.status).toBe("Active");
  });

  it("rejects a broken departure file by line and field, and revokes nothing", async () => {
    sb.seed(scenario() as never);
    writeFileSync(
      join(dir, "broken.csv"),
      `email,departed_at\njane.doe@corp.example,${days(10)}\nnot-an-email,yesterday\n`,
    );
    const report = await scan(true, { departures: { source: { type: "file", path: "broken.csv" } } });
    expect(report.departures.rejected).toBe(true);
    expect(report.departures.errors[0]).toMatchObject({ line: 3 });
    expect(sb.iam.accessKeys.get(JANE_KEY_OLD)?.status).toBe("Active");
  });
});
