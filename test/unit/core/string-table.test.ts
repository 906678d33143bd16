import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StringTable, stringHash } from "../../../lambdas/core/string-table.ts";

describe("StringTable", () => {
  it("answers every look-up as a Map given the same writes would (property)", () => {
    // Short keys from a small alphabet collide on purpose; a tiny expected size forces growth.
    const key = fc.string({ unit: fc.constantFrom("a", "b", "é", "\u0000", "😀"), maxLength: 4 });
    const write = fc.record({ key, value: fc.nat(), onlyIfAbsent: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(write, { maxLength: 300 }),
        fc.nat({ max: 20 }),
        fc.array(key),
        (writes, expected, probes) => {
          const table = new StringTable<number>(expected);
          const map = new Map<string, number>();
          for (const { key, value, onlyIfAbsent } of writes) {
            if (onlyIfAbsent) {
              expect(table.setIfAbsent(key, value)).toBe(map.get(key));
              if (!map.has(key)) map.set(key, value);
            } else {
              table.set(key, value);
              map.set(key, value);
            }
          }
          expect(table.size).toBe(map.size);
          for (const probe of [...probes, ...map.keys()]) expect(table.get(probe)).toBe(map.get(probe));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps a hundred thousand keys apart, including ones whose hashes share a slot", () => {
    const table = new StringTable<number>(10);
    for (let i = 0; i < 100_000; i++) table.set(`person${i}`, i);
    expect(table.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 997) expect(table.get(`person${i}`)).toBe(i);
    expect(table.get("person100000")).toBeUndefined();
    expect(table.get("")).toBeUndefined();
  });

  it("tells apart two keys with the same 32-bit hash", () => {
    // Found by search: a table that trusted the hash alone would answer one for the other.
    expect(stringHash("user13939")).toBe(stringHash("user21167"));
    const table = new StringTable<string>();
    table.set("user13939", "first");
    expect(table.get("user21167")).toBeUndefined();
    expect(table.setIfAbsent("user21167", "second")).toBeUndefined();
    expect(table.get("user13939")).toBe("first");
    expect(table.get("user21167")).toBe("second");
  });

  it("hashes the same string the same way every time, and different strings apart", () => {
    expect(stringHash("jane.doe")).toBe(stringHash(["jane", "doe"].join(".")));
    expect(stringHash("jane.doe")).not.toBe(stringHash("jane.dof"));
    expect(Number.isInteger(stringHash(""))).toBe(true);
  });
});
