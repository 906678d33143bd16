import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, toCsvReport } from "../../../lambdas/report/csv.ts";
import { HOSTILE, scanReportFixture } from "../../support/scan-report-fixture.ts";

/** A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  if (field !== "" || row.length > 0) throw new Error("CSV does not end with CRLF");
  return rows;
}

describe("toCsvReport", () => {
  it("writes a header and one row per finding, every row as wide as the header", () => {
    const rows = parseCsv(toCsvReport(scanReportFixture()));

    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + 22);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
  });

  it("neutralises values a spreadsheet would run as formulas", () => {
    const text = toCsvReport(scanReportFixture());
    const rows = parseCsv(text);
    const cells = rows.flat();

    expect(cells).toContain(`'${HOSTILE.formula}`);
    expect(cells).toContain(`'${HOSTILE.plus}`);
    // No cell, once unquoted, starts with a formula trigger.
    for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("round-trips quotes, commas and newlines inside names", () => {
    const rows = parseCsv(toCsvReport(scanReportFixture()));
    const nameColumn = CSV_COLUMNS.indexOf("person_name");
    const names = rows.slice(1).map((r) => r[nameColumn]);

    expect(names).toContain(HOSTILE.quoted);
    expect(names).toContain(HOSTILE.script);
  });
});
