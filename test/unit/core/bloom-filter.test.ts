import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BloomFilter } from "../../../lambdas/core/bloom-filter.ts";

describe("BloomFilter", () => {
  it("never says a key it holds is absent (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary" }), { maxLength: 200 }),
        fc.nat({ max: 300 }),
        (keys, size) => {
          // Sized right, too small, or for nothing at all: a held key is always a "maybe".
          const filter = new BloomFilter(size);
          for (const key of keys) filter.add(key);
          for (const key of keys) expect(filter.mayContain(key)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("says most absent keys are absent", () => {
    const filter = new BloomFilter(100_000);
    for (let i = 0; i < 100_000; i++) filter.add(`person${i}`);
    let maybes = 0;
    for (let i = 100_000; i < 200_000; i++) if (filter.mayContain(`person${i}`)) maybes++;
    // About 1 in 200 by design (16 bits a key, 3 probes); the hash is deterministic, so is this count.
    expect(maybes).toBeLessThan(1000);
    expect(new BloomFilter(0).mayContain("anything")).toBe(false);
  });
});
