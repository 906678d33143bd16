/**
 * The reliability suite at CI size, part 2: a killed scan, two scans at once and bad inputs,
 * each ending with nothing lost and nothing done twice. `npm run reliability` runs the same
 * scenarios larger and writes docs/RELIABILITY.md. No timing is asserted.
 */
import { describe, expect, it } from "vitest";
import {
  runConcurrentScenario,
  runConfigFuzz,
  runCrashScenario,
  runDepartureFileFuzz,
  runWebhookFuzz,
} from "./scenarios.ts";

const SMALL = { leavers: 2, bystanders: 3 };

describe("reliability (CI size)", () => {
  it("finishes a scan killed during apply without doing anything twice", async () => {
    const { points } = await runCrashScenario(SMALL, 1);
    for (const p of points) {
      // Nothing acts while the dead scan's lease lasts; by then none of its requests is in flight.
      if (!p.finishedFirst) expect(p.immediateRerun).toBe("busy");
      expect(p.laterRerun).toBe("completed");
      expect(p.inFlightAtRerun).toBe(0);
      expect(p.check.maxUpdatesPerKey).toBeLessThanOrEqual(1);
      expect(p.check.leaverKeysInactive).toBe(p.check.leaverKeys);
      expect(p.check.bystanderKeysActive).toBe(p.check.bystanderKeys);
      // The audit trail shows both runs: the killed one's start, the reruns' busy and completed records.
      expect(p.audit.childStarted).toBe(1);
      if (!p.finishedFirst) expect(p.audit.rerunBusyRecords).toBeGreaterThan(0);
      expect(p.audit.rerunBusyRecords).toBe(p.audit.rerunBusyAnswers);
      expect(p.audit.actingRerunRecorded).toBe(true);
      expect(p.ok).toBe(true);
    }
  }, 90_000);

  it("lets one of two simultaneous scans act and the other answer busy", async () => {
    const [result] = await runConcurrentScenario(SMALL);
    expect(result?.statuses).toEqual(["busy", "completed"]);
    expect(result?.ok).toBe(true);
  }, 30_000);

  it("refuses broken departure files, bad webhook bodies, forgeries, replays and bad config, changing nothing", async () => {
    const results = [
      ...(await runDepartureFileFuzz(SMALL, 200, 4)),
      ...(await runWebhookFuzz(150, 40)),
      ...runConfigFuzz(100),
    ];
    for (const r of results) {
      expect(r.changed, r.name).toBe(0);
      expect(r.ok, r.name).toBe(true);
    }
  }, 90_000);
});
