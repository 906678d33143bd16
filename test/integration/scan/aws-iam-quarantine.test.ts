/**
 * Quarantine purge through the one use case: a key deactivated by one applied scan is deleted
 * by a later applied scan once `deleteKeysAfterDays` have passed (and only while still
 * inactive), and the deletion is recorded on the finding that deactivated it. With the option
 * off, nothing is deleted.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { DAY_MS } from "../../../lambdas/core/clock.ts";
import { runScan, type ScanReport } from "../../../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const ago = (n: number) => new Date(NOW.getTime() - n * DAY_MS).toISOString();
const JANE_KEY = "AKIAJANEQUARANTINE01";
const SPARE_KEY = "AKIAJANEQUARANTINE02";

function scenario() {
  return {
    now: NOW.toISOString(),
    iam: {
      users: [
        {
          userName: "jane.doe",
          tags: { email: "jane.doe@corp.example" },
          createdAt: ago(400),
          accessKeys: [
            { id: JANE_KEY, createdAt: ago(200), lastUsedAt: ago(20) },
            { id: SPARE_KEY, createdAt: ago(100), lastUsedAt: ago(30) },
          ],
        },
        {
          userName: "bob.smith",
          tags: { email: "bob.smith@corp.example" },
          createdAt: ago(100),
          accessKeys: [{ id: "AKIABOBQUARANTINE001", createdAt: ago(30), lastUsedAt: ago(1) }],
        },
      ],
    },
  };
}

let sb: Sandbox;
let dir: string;
let now = NOW;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await startSandbox();
  Object.assign(process.env, sb.env());
});

afterAll(async () => {
  process.env = savedEnv;
  await sb.close();
});

beforeEach(() => {
  sb.reset();
  sb.seed(scenario() as never);
  now = NOW;
  // A fresh store per test: each starts from "nothing revoked yet".
  dir = mkdtempSync(join(tmpdir(), "iam-hygiene-quarantine-"));
  writeFileSync(
    join(dir, "departures.csv"),
    `email,name,departed_at,manager_email\njane.doe@corp.example,Jane Doe,${ago(10)},boss@corp.example\n`,
  );
});

/** Moves the scan's clock and the sandbox's together. */
function advanceDays(days: number): void {
  now = new Date(now.getTime() + days * DAY_MS);
  sb.clock.set(now);
}

async function scan(deleteKeysAfterDays: number | null, extra: Record<string, unknown> = {}) {
  const config = parseConfig({
    mode: "enforce",
    departures: { source: { type: "file", path: "departures.csv" } },
    store: { type: "local", dir: "state" },
    sources: { "aws-iam": { reportPollMs: 0, deleteKeysAfterDays } },
    ...extra,
  });
  const runtime = createRuntime({
    config,
    env: process.env,
    configPath: join(dir, "config.json"),
    clock: { now: () => now },
  });
  const deps = await scanDependencies(runtime);
  const report: ScanReport = await runScan(deps, { apply: true, trigger: "test" });
  return { report, store: deps.store! };
}

describe("quarantine purge in an applied scan", () => {
  it("deletes a key this scanner deactivated once the quarantine is over, and records it", async () => {
    // Prepare: the first apply deactivates Jane's keys; a human re-enables one of them.
    const first = await scan(30);
    expect(sb.iam.accessKeys.get(JANE_KEY)?.status).toBe("Inactive");
    const revoked = first.report.plan.items.find(
      (i) => i.finding.credential?.nativeId === JANE_KEY && i.decision.action === "revoke",
    )!;
    advanceDays(10);
    const early = await scan(30);
    sb.iam.accessKeys.get(SPARE_KEY)!.status = "Active";
    advanceDays(21);
    sb.resetCalls();

    // Act
    const later = await scan(30);

    // Assess: the key is gone, the deletion sits in the finding's history, the re-enabled key stays.
    expect(early.report.notes.join(" ")).not.toMatch(/housekeeping failed/);
    expect(later.report.notes.join(" ")).not.toMatch(/housekeeping failed/);
    expect(sb.iam.accessKeys.has(JANE_KEY)).toBe(false);
    expect(sb.calls()["iam:DeleteAccessKey"]).toBe(1);
    const history = await later.store.getFinding(revoked.finding.id);
    expect(history?.actions.map((a) => [a.type, a.status, a.detail])).toEqual(
      expect.arrayContaining([
        ["revoke", "done", `UpdateAccessKey ${JANE_KEY} Inactive (user jane.doe)`],
        [
          "revoke",
          "done",
          `DeleteAccessKey ${JANE_KEY} (user jane.doe): inactive since ${NOW.toISOString()}, deleted`,
        ],
      ]),
    );
    // Nothing about a key that was not due was recorded by the run 10 days in.
    expect(history?.actions.filter((a) => a.detail.startsWith("DeleteAccessKey"))).toHaveLength(1);
    // The key a human re-enabled is kept, not deleted; this run deactivated it again (Jane has
    // left), which starts a new quarantine from now.
    expect(sb.iam.accessKeys.get(SPARE_KEY)?.status).toBe("Inactive");
    const spare = later.report.plan.items.find((i) => i.finding.credential?.nativeId === SPARE_KEY);
    const spareHistory = await later.store.getFinding(spare!.finding.id);
    expect(spareHistory?.actions.map((a) => [a.status, a.detail])).toEqual(
      expect.arrayContaining([
        [
          "skipped",
          `DeleteAccessKey ${SPARE_KEY} (user jane.doe): reactivated since it was revoked; a human decided to keep it`,
        ],
      ]),
    );
    expect(sb.iam.accessKeys.get("AKIABOBQUARANTINE001")?.status).toBe("Active");

    // A further run has nothing left to purge: one key is gone, the other's new quarantine runs.
    advanceDays(1);
    sb.resetCalls();
    await scan(30);
    expect(sb.calls()["iam:DeleteAccessKey"]).toBeUndefined();
    expect(sb.iam.accessKeys.has(SPARE_KEY)).toBe(true);
    const after = await later.store.getFinding(revoked.finding.id);
    expect(after?.actions.filter((a) => a.detail.startsWith("DeleteAccessKey"))).toHaveLength(1);
  });

  it.each([
    [
      "protected since, by user name",
      { protectedPrincipals: ["jane.*"] },
      /left alone: jane\.doe is protected \(jane\.\*\)/,
    ],
    [
      "protected since, by owner email",
      { protectedPrincipals: ["jane.doe@corp.example"] },
      /is protected \(jane\.doe@corp\.example\)/,
    ],
    [
      "covered by an exception approved since",
      {
        exceptions: [
          {
            principal: "Jane.Doe",
            reason: "legal hold",
            approver: "ciso@corp.example",
            expires: "2027-12-31",
          },
        ],
      },
      /left alone: exception until 2027-12-31 approved by ciso@corp\.example: legal hold/,
    ],
  ])("never deletes a quarantined key whose principal is %s", async (_case, extra, why) => {
    // Prepare: the first apply deactivates Jane's keys; then she is put on hold.
    await scan(30);
    expect(sb.iam.accessKeys.get(JANE_KEY)?.status).toBe("Inactive");
    advanceDays(31);
    sb.resetCalls();

    // Act
    const later = await scan(30, extra);

    // Assess: the key stays, no deletion was asked, and the history says why.
    expect(sb.iam.accessKeys.get(JANE_KEY)?.status).toBe("Inactive");
    expect(sb.calls()["iam:DeleteAccessKey"]).toBeUndefined();
    const skipped = (await later.store.listFindings())
      .flatMap((h) => h.actions)
      .filter((a) => a.detail.startsWith(`DeleteAccessKey ${JANE_KEY}`));
    expect(skipped.length).toBeGreaterThan(0);
    for (const action of skipped) {
      expect(action.status).toBe("skipped");
      expect(action.detail).toMatch(why);
    }
  });

  it("deletes nothing, and reads nothing for it, when deleteKeysAfterDays is off", async () => {
    // Prepare
    await scan(null);
    expect(sb.iam.accessKeys.get(JANE_KEY)?.status).toBe("Inactive");
    advanceDays(400);
    sb.resetCalls();

    // Act
    const later = await scan(null);

    // Assess
    expect(sb.iam.accessKeys.get(JANE_KEY)?.status).toBe("Inactive");
    expect(sb.calls()["iam:DeleteAccessKey"]).toBeUndefined();
    const histories = await later.store.listFindings();
    expect(histories.flatMap((h) => h.actions).some((a) => a.detail.startsWith("DeleteAccessKey"))).toBe(
      false,
    );
  });
});
