import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, escapeHtml, neutraliseFormula } from "../../../lambdas/core/text-safety.ts";
import { readCsv } from "../../../lambdas/departures/csv.ts";

describe("neutraliseFormula", () => {
  it.each(['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\0x"])(
    "prefixes %j with a quote",
    (value) => {
      expect(neutraliseFormula(value)).toBe(`'${value}`);
    },
  );

  it.each(["ada@example.com", "Ada", "", " =1", "1-2", "'quoted"])("leaves %j as it is", (value) => {
    expect(neutraliseFormula(value)).toBe(value);
  });
});

describe("csvCell", () => {
  it("quotes cells holding commas, quotes or line ends, and neutralises formulas", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('Lovelace, Ada "A"')).toBe('"Lovelace, Ada ""A"""');
    expect(csvCell("a\nb")).toBe('"a\nb"');
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell('=cmd|"/c calc"!A1')).toBe('"\'=cmd|""/c calc""!A1"');
  });

  it("round-trips through the CSV reader as the neutralised value", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { minLength: 2, maxLength: 6 }), (values) => {
        // Act
        const { records, fatal } = readCsv(`${values.map(csvCell).join(",")}\n`);

        // Assess
        expect(fatal).toBeUndefined();
        expect(records).toHaveLength(1);
        expect(records[0]?.fields).toEqual(values.map(neutraliseFormula));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("escapeHtml", () => {
  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
    expect(escapeHtml("Ada Lovelace")).toBe("Ada Lovelace");
  });
});
