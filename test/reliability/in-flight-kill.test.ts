/**
 * The duplicate deactivation the full reliability run once found (a scan killed 2 ms after its
 * first revocation, and one key deactivated twice), made deterministic: the counting proxy
 * holds the killed scan's `UpdateAccessKey` in the network while reruns start at once. No
 * rerun may act until the dead scan's lease has expired in real time, so the held write lands
 * first and the rerun sees the key already Inactive. No timing is asserted beyond the order of
 * events.
 */
import { describe, expect, it } from "vitest";
import { IN_FLIGHT_KILL, runInFlightKillScenario } from "./scenarios.ts";

const SMALL = { leavers: 2, bystanders: 3 };

describe("a scan killed with a write in flight", () => {
  it("is not rerun before its lease expires, so the write lands once and is not repeated", async () => {
    // Prepare / Act: the held write lands 2.5 s after it was sent; the dead scan's lease lasts 6 s
    // after its last renewal (renewed every second), so it outlives the write by at least 2.5 s.
    const result = await runInFlightKillScenario(SMALL, IN_FLIGHT_KILL);

    // Assess
    expect(result.statuses[0]).toBe("busy");
    expect(result.statuses.at(-1)).toBe("completed");
    expect(result.landedBeforeRerun).toBe(true);
    expect(result.updatesOfHeldKey).toBe(1);
    expect(result.check.maxUpdatesPerKey).toBe(1);
    expect(result.check.leaverKeysInactive).toBe(result.check.leaverKeys);
    expect(result.ok).toBe(true);
  }, 90_000);
});
