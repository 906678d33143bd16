import { describe, expect, it } from "vitest";
import { toTable, truncate } from "../../../lambdas/report/table.ts";
import { brakeReportFixture, scanReportFixture } from "../../support/scan-report-fixture.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes is the point
const ANSI = /\u001b\[/;

describe("toTable", () => {
  it("prints fixed-width rows, most severe first, without colour by default", () => {
    const text = toTable(scanReportFixture(), { width: 140 });
    const lines = text.trimEnd().split("\n");
    const rows = lines.slice(lines.findIndex((l) => l.startsWith("--------")) + 1);

    expect(text).not.toMatch(ANSI);
    expect(lines[2]).toContain("critical 2");
    expect(rows[0]).toMatch(/^CRITICAL/);
    expect(rows.at(-1)).toMatch(/^LOW/);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(140);
    // Columns line up: OUTCOME starts at the same offset on every row.
    const header = lines.find((l) => l.startsWith("SEVERITY")) ?? "";
    const at = header.indexOf("OUTCOME");
    expect(rows.filter((r) => /^\S+\s/.test(r)).every((r) => r.slice(at - 2, at) === "  ")).toBe(true);
  });

  it("colours only when asked, and strips control characters from values", () => {
    expect(toTable(scanReportFixture(), { color: true })).toMatch(ANSI);
    expect(truncate("a\nb\u001b[31mc", 20)).toBe("a b [31mc");
    expect(truncate("abcdefgh", 5)).toBe("abcd…");
  });

  it("limits rows and says what was left out; shows the brake", () => {
    const text = toTable(brakeReportFixture(), { maxRows: 3 });
    expect(text).toContain("BRAKE ENGAGED");
    expect(text).toMatch(/\.\.\. and \d+ more finding\(s\)/);
  });
});
