import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, daysBetween, fixedClock, isoTimestamp } from "../../../lambdas/core/clock.ts";
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

  it("writes exactly what toISOString writes, for every date (property)", () => {
    const YEAR_10000 = 253_402_300_800_000;
    const time = fc.oneof(
      fc.integer({ min: 0, max: YEAR_10000 - 1 }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.constantFrom(0, -1, YEAR_10000 - 1, YEAR_10000, 951_782_400_000, 951_868_800_000, 4_107_542_400_000),
    );
    fc.assert(
      fc.property(time, (t) => {
        const date = new Date(t);
        expect(isoTimestamp(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
    expect(() => isoTimestamp(new Date(Number.NaN))).toThrow(RangeError);
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
