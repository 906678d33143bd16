import { describe, expect, it } from "vitest";
import { formatCognitoBench, runCognitoBench } from "../../../../bench/cognito-lookup.ts";

describe("bench/cognito-lookup.ts smoke run", () => {
  it("produces figures for both approaches at a small size", async () => {
    // Act
    const figures = await runCognitoBench({ users: 2_000, departures: 20 });

    // Assess: that the harness measured something, never how fast.
    expect(figures.targeted.calls).toBeGreaterThan(0);
    expect(figures.enumeration.calls).toBeGreaterThan(0);
    expect(figures.targeted.found).toBe(figures.enumeration.found);
    expect(formatCognitoBench(figures)).toContain("| full enumeration (Limit 60) |");
  });
});
