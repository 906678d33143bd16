/**
 * The reliability suite at CI size, part 1: injected faults and provider outages,
 * each ending with nothing lost and nothing done twice. `npm run reliability` runs the same
 * scenarios larger and writes docs/RELIABILITY.md. No timing is asserted.
 */
import { describe, expect, it } from "vitest";
import { runFaultScenarios } from "./scenarios.ts";

const SMALL = { leavers: 2, bystanders: 3 };

describe("reliability (CI size)", () => {
  it("survives throttling, 5xx, latency, dropped and stalled connections and a Slack/Jira outage with the clean run's findings", async () => {
    const results = await runFaultScenarios(SMALL);
    for (const r of results) {
      expect(r.sameFindings, r.name).toBe(true);
      expect(r.check.maxUpdatesPerKey, r.name).toBe(1);
      expect(r.check.maxAuditedRevocationsPerCredential, r.name).toBe(1);
      expect(r.check.maxSlackPerKey, r.name).toBe(1);
      expect(r.check.maxJiraPerLabel, r.name).toBe(1);
      expect(r.check.leaverKeysInactive, r.name).toBe(r.check.leaverKeys);
      expect(r.check.bystanderKeysActive, r.name).toBe(r.check.bystanderKeys);
      expect(r.check.outboxPending, r.name).toBe(0);
      expect(r.ok, r.name).toBe(true);
    }
    // The stalls happened: the scan's clients ended them and got through.
    expect(results.find((r) => r.name === "stalled connections")?.stalled).toBeGreaterThan(0);
    const outage = results.find((r) => r.name === "Slack and Jira down");
    expect(outage?.pendingAfterFaultyRun).toBeGreaterThan(0);
  }, 90_000);
});
