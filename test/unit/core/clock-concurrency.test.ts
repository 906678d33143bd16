import { describe, expect, it } from "vitest";
import { DAY_MS, daysBetween, fixedClock } from "../../../lambdas/core/clock.ts";
import { mapLimit } from "../../../lambdas/core/concurrency.ts";

describe("clock", () => {
  it("a fixed clock answers the same instant, as a fresh Date each time", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    const clock = fixedClock(at);
    const first = clock.now();
    first.setFullYear(1999);
    expect(clock.now()).toEqual(at);
  });

  it("counts whole days, rounding down, negative backwards", () => {
    const from = new Date("2026-01-01T00:00:00Z");
    expect(daysBetween(from, new Date(from.getTime() + 2.9 * DAY_MS))).toBe(2);
    expect(daysBetween(from, new Date(from.getTime() - 1.5 * DAY_MS))).toBe(-2);
  });
});

describe("mapLimit", () => {
  it("keeps input order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return `${i}:${n}`;
    });
    expect(results).toEqual(["0:5", "1:1", "2:4", "3:2", "4:3"]);
    expect(peak).toBe(2);
  });

  it("handles an empty list", async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
