import { describe, expect, it } from "vitest";
import type { Person } from "../../../lambdas/core/model.ts";
import type { DepartureList } from "../../../lambdas/core/ports/departure-source.ts";
import { assessList } from "../../../lambdas/departures/sanity.ts";

function listOf(count: number): DepartureList {
  const people: Person[] = Array.from({ length: count }, (_, i) => ({
    employeeId: `E${i}`,
    emails: [],
    aliases: [],
    departedAt: new Date("2024-05-01T00:00:00Z"),
  }));
  return { origin: "s3://hr/departures.csv#v2", people, errors: [], rejected: false, rowCount: count };
}

const limits = { maxShareOfIdentities: 0.3, maxGrowthFactor: 5 };
const previous = {
  origin: "s3://hr/departures.csv#v1",
  count: 4,
  acceptedAt: new Date("2024-04-01T00:00:00Z"),
};

describe("assessList", () => {
  it("passes a list within both limits unchanged", () => {
    const list = listOf(20);
    expect(assessList(list, { ...limits, knownIdentities: 100, previous })).toBe(list);
  });

  it("quarantines a list naming more than the share of known identities", () => {
    // Act
    const result = assessList(listOf(31), { ...limits, knownIdentities: 100 });

    // Assess
    expect(result.rejected).toBe(true);
    expect(result.people).toEqual([]);
    expect(result.rowCount).toBe(31);
    expect(result.rejectionReason).toMatch(
      /^quarantined: it names 31 people, 31% of the 100 known identities \(limit 30%\)/,
    );
  });

  it("allows exactly the share", () => {
    expect(assessList(listOf(30), { ...limits, knownIdentities: 100 }).rejected).toBe(false);
  });

  it("quarantines a list that grew by more than the factor since the last accepted one", () => {
    const result = assessList(listOf(21), { ...limits, knownIdentities: 1000, previous });
    expect(result.rejected).toBe(true);
    expect(result.rejectionReason).toContain("grew from 4 to 21 people");
    expect(result.rejectionReason).toContain("s3://hr/departures.csv#v1");
    expect(assessList(listOf(20), { ...limits, knownIdentities: 1000, previous }).rejected).toBe(false);
  });

  it("gives both reasons when both limits are exceeded", () => {
    const result = assessList(listOf(50), { ...limits, knownIdentities: 100, previous });
    expect(result.rejectionReason).toMatch(/known identities.*; it grew/);
  });

  it("counts an empty previous list as one person, and skips the share check with no known identities", () => {
    const empty = { ...previous, count: 0 };
    expect(assessList(listOf(5), { ...limits, knownIdentities: 0, previous: empty }).rejected).toBe(false);
    expect(assessList(listOf(6), { ...limits, knownIdentities: 0, previous: empty }).rejected).toBe(true);
  });

  it("leaves an already rejected list as it is", () => {
    const rejected: DepartureList = { ...listOf(0), rejected: true, rejectionReason: "strict" };
    expect(assessList(rejected, { ...limits, knownIdentities: 1 })).toBe(rejected);
  });
});
