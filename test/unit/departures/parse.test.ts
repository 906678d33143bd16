import { describe, expect, it } from "vitest";
import { detectFormat, formatDepartureError, parseDepartureList } from "../../../lambdas/departures/parse.ts";

const NY = "America/New_York";

function parse(
  text: string | Uint8Array,
  extra: { lenient?: boolean; fileName?: string; timeZone?: string } = {},
) {
  return parseDepartureList(text, { origin: "test", timeZone: extra.timeZone ?? "UTC", ...extra });
}

describe("CSV", () => {
  it("reads a header row case-insensitively, ignores unknown columns and splits aliases", () => {
    // Prepare
    const csv = [
      "EMAIL,Employee_Id,Name,Departed_At,Manager_Email,Slack_User_Id,Aliases,Cost Center",
      "ada@example.com,E1,Ada Lovelace,2024-05-01T17:30:00Z,boss@example.com,U01ABCDEF,ada; alovelace ;,CC-9",
    ].join("\n");

    // Act
    const list = parse(csv);

    // Assess
    expect(list.rejected).toBe(false);
    expect(list.errors).toEqual([]);
    expect(list.rowCount).toBe(1);
    expect(list.people).toEqual([
      {
        employeeId: "E1",
        emails: ["ada@example.com"],
        aliases: ["ada", "alovelace"],
        displayName: "Ada Lovelace",
        departedAt: new Date("2024-05-01T17:30:00Z"),
        managerEmail: "boss@example.com",
        slackUserId: "U01ABCDEF",
      },
    ]);
  });

  it("accepts a UTF-8 BOM and CRLF line ends, as Excel writes them", () => {
    // Prepare
    const bytes = new TextEncoder().encode("\uFEFFemail,departed_at\r\nada@example.com,2024-05-01\r\n");

    // Act
    const list = parse(bytes);

    // Assess
    expect(list.rejected).toBe(false);
    expect(list.people.map((p) => p.emails[0])).toEqual(["ada@example.com"]);
  });

  it("reads quoted commas, doubled quotes and embedded newlines, and counts lines physically", () => {
    // Prepare
    const csv = [
      "email,name,departed_at,aliases",
      'ada@example.com,"Lovelace, Ada ""the Countess""",2024-05-01,"ada;',
      'countess"',
      "bob@example.com,Bob,not-a-date,",
    ].join("\r\n");

    // Act
    const list = parse(csv, { lenient: true });

    // Assess
    expect(list.people).toHaveLength(1);
    expect(list.people[0]?.displayName).toBe('Lovelace, Ada "the Countess"');
    expect(list.people[0]?.aliases).toEqual(["ada", "countess"]);
    expect(list.errors).toEqual([
      { line: 4, field: "departed_at", message: expect.stringMatching(/^not a date/) },
    ]);
  });

  it("folds a name that wraps inside quotes onto one line", () => {
    const list = parse('email,name,departed_at\nada@example.com,"Ada\r\nLovelace",2024-05-01\n');
    expect(list.people[0]?.displayName).toBe("Ada Lovelace");
  });

  it("rejects an unterminated quote, naming the line it starts on, even in lenient mode", () => {
    // Prepare
    const csv = 'email,name,departed_at\nada@example.com,Ada,2024-05-01\nbob@example.com,"Bob,2024-05-01\n';

    // Act
    const list = parse(csv, { lenient: true });

    // Assess
    expect(list.rejected).toBe(true);
    expect(list.people).toEqual([]);
    expect(list.errors).toEqual([{ line: 3, message: "unterminated quoted field starting on line 3" }]);
    expect(list.rejectionReason).toContain("line 3");
  });

  it("reports a stray quote in an unquoted field and a wrong field count on their lines", () => {
    const list = parse(
      'email,name,departed_at\nada@example.com,O"Brien,2024-05-01\nbob@example.com,2024-05-01\n',
      {
        lenient: true,
      },
    );
    expect(list.errors).toEqual([
      { line: 2, field: "name", message: expect.stringContaining("quote inside an unquoted field") },
      { line: 3, message: "expected 3 fields as in the header, found 2" },
    ]);
  });

  it("rejects a header without departed_at, or without both email and employee_id", () => {
    const noDate = parse("email,name\nada@example.com,Ada\n");
    const noId = parse("name,departed_at\nAda,2024-05-01\n");
    expect(noDate.errors).toEqual([
      { line: 1, field: "departed_at", message: "the header has no departed_at column" },
    ]);
    expect(noDate.rejected).toBe(true);
    expect(noId.errors[0]?.message).toBe("the header has neither an email nor an employee_id column");
    expect(noId.rejected).toBe(true);
  });

  it("rejects an empty file but accepts a header with no rows as an empty list", () => {
    expect(parse("").rejected).toBe(true);
    const headerOnly = parse("email,departed_at\r\n");
    expect(headerOnly.rejected).toBe(false);
    expect(headerOnly.people).toEqual([]);
  });

  it("rejects bytes that are not UTF-8, naming the line", () => {
    const bytes = Uint8Array.from([
      ...new TextEncoder().encode("email,departed_at\nada@example.com,"),
      0xff,
      0x0a,
    ]);
    const list = parse(bytes);
    expect(list.rejected).toBe(true);
    expect(list.errors).toEqual([{ line: 2, message: expect.stringContaining("not valid UTF-8") }]);
  });

  it.each([
    ["a lone CR", "\r"],
    ["CRLF", "\r\n"],
    ["LF", "\n"],
  ])(
    "names the line of bytes that are not UTF-8 when lines end in %s, as the CSV reader counts",
    (_, eol) => {
      // Prepare: the bad byte is on line 3.
      const encode = (text: string) => new TextEncoder().encode(text);
      const bytes = Uint8Array.from([
        ...encode(`email,departed_at${eol}ada@example.com,2024-05-01${eol}`),
        0xc3,
        0x28,
        ...encode(`,2024-05-01${eol}bob@example.com,2024-05-01${eol}`),
      ]);

      // Act
      const list = parse(bytes);

      // Assess
      expect(list.rejected).toBe(true);
      expect(list.errors).toEqual([{ line: 3, message: "not valid UTF-8 (save the list as UTF-8)" }]);
    },
  );

  it("rejects a UTF-16 list, with or without a byte-order mark, saying to save it as UTF-8", () => {
    // Prepare
    const csv = "email,departed_at\r\nada@example.com,2024-05-01\r\n";
    const withoutBom = Uint8Array.from(Buffer.from(csv, "utf16le"));
    const withBom = Uint8Array.from([0xff, 0xfe, ...withoutBom]);
    const bigEndian = Uint8Array.from([0xfe, 0xff, ...Buffer.from(csv, "utf16le").swap16()]);

    // Act
    const lists = [withoutBom, withBom, bigEndian].map((bytes) => parse(bytes));

    // Assess
    for (const list of lists) {
      expect(list.rejected).toBe(true);
      expect(list.people).toEqual([]);
      expect(list.errors).toEqual([
        { line: 1, message: "looks like UTF-16, not UTF-8 (save the list as UTF-8)" },
      ]);
    }
  });

  it("leaves a stray NUL in a UTF-8 list to the row's own checks", () => {
    const list = parse("email,name,departed_at\nada@example.com,Ada\u0000,2024-05-01\n");
    expect(list.errors).toEqual([{ line: 2, field: "name", message: "contains control characters" }]);
  });
});

describe("departed_at", () => {
  it("reads date-times with Z or an offset", () => {
    const list = parse(
      "employee_id,departed_at\nE1,2024-05-01T17:30:00Z\nE2,2024-05-01T17:30:00.250+02:00\nE3,2024-05-01 08:00-0500\n",
    );
    expect(list.people.map((p) => p.departedAt.toISOString())).toEqual([
      "2024-05-01T17:30:00.000Z",
      "2024-05-01T15:30:00.250Z",
      "2024-05-01T13:00:00.000Z",
    ]);
  });

  it("reads plain dates as midnight in the configured zone, across both DST changes", () => {
    // Prepare: New York springs forward on 2024-03-10 and falls back on 2024-11-03, both at 02:00.
    const csv =
      "employee_id,departed_at\nA,2024-03-09\nB,2024-03-10\nC,2024-03-11\nD,2024-11-03\nE,2024-11-04\n";

    // Act
    const list = parse(csv, { timeZone: NY });

    // Assess
    expect(list.people.map((p) => p.departedAt.toISOString())).toEqual([
      "2024-03-09T05:00:00.000Z",
      "2024-03-10T05:00:00.000Z",
      "2024-03-11T04:00:00.000Z",
      "2024-11-03T04:00:00.000Z",
      "2024-11-04T05:00:00.000Z",
    ]);
  });

  it("starts a day whose midnight a DST gap swallows when the clocks jump (America/Santiago)", () => {
    // Chile springs forward at 24:00 on 2024-09-07: 2024-09-08 begins at 01:00 -03, i.e. 04:00Z.
    const list = parse("employee_id,departed_at\nA,2024-09-08\n", { timeZone: "America/Santiago" });
    expect(list.people[0]?.departedAt.toISOString()).toBe("2024-09-08T04:00:00.000Z");
  });

  it.each([
    ["2024-05-01T17:30:00", "a local time without a zone"],
    ["2024-02-30", "a day that does not exist"],
    ["2024-13-01", "month 13"],
    ["2024-5-1", "unpadded"],
    ["May 1 2024", "prose"],
    ["1900-01-01", "a year before 1970"],
    ["2024-05-01T25:00:00Z", "hour 25"],
  ])("refuses %s (%s) naming line and field", (value) => {
    const list = parse(`employee_id,departed_at\nE1,2024-05-01\nE2,${value}\n`);
    expect(list.rejected).toBe(true);
    expect(list.errors).toHaveLength(1);
    expect(formatDepartureError(list.errors[0]!)).toMatch(
      /^line 3, field departed_at: not a date with a zone or a date/,
    );
  });
});

describe("JSON and JSON Lines", () => {
  it("reads a JSON array with the same field names, any case, numeric employee ids and alias arrays", () => {
    const list = parse(
      JSON.stringify([
        { Email: "ada@example.com", departed_at: "2024-05-01", aliases: ["ada", "al"] },
        { employee_id: 42, departed_at: "2024-05-02T00:00:00Z", name: null, extra: true },
      ]),
    );
    expect(list.rejected).toBe(false);
    expect(list.people.map((p) => [p.employeeId, p.emails, p.aliases])).toEqual([
      [undefined, ["ada@example.com"], ["ada", "al"]],
      ["42", [], []],
    ]);
  });

  it.each([
    ["a bare word", '{"email": x}', 4],
    ["NaN", '{"email": "c@example.com", "departed_at": NaN}', 4],
    ["undefined", '{"email": "c@example.com", "departed_at": undefined}', 4],
    ["a single-quoted key", "{'email': 'c@example.com'}", 4],
  ])("names the line of a JSON array syntax error V8 gives no position for: %s", (_, bad, line) => {
    // Prepare
    const text = [
      "[",
      '  {"email": "ada@example.com", "departed_at": "2024-05-01"},',
      '  {"email": "bob@example.com", "departed_at": "2024-05-01"},',
      `  ${bad}`,
      "]",
    ].join("\n");

    // Act
    const list = parse(text, { fileName: "departures.json" });

    // Assess
    expect(list.rejected).toBe(true);
    expect(list.errors).toEqual([{ line, message: expect.stringMatching(/^not valid JSON: /) }]);
  });

  it("names the last line when a JSON array ends too early, whatever the line ends", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      // Prepare: cut after the second entry, then blank lines.
      const text = `[${eol}{"email": "ada@example.com", "departed_at": "2024-05-01"},${eol}{"email": "bob@example.com", "departed_at": "2024-05-01"}${eol}${eol}`;

      // Act
      const list = parse(text, { fileName: "departures.json" });

      // Assess
      expect(list.errors).toEqual([{ line: 3, message: expect.stringMatching(/^not valid JSON: /) }]);
    }
    expect(parse("[", { fileName: "departures.json" }).errors[0]?.line).toBe(1);
  });

  it("names the line of a syntax error at the end of a 50 000-line JSON array", () => {
    // Prepare
    const rows = Array.from(
      { length: 50_000 },
      (_, i) => `  {"email": "p${i}@example.com", "employee_id": "E${i}", "departed_at": "2024-05-01"},`,
    );
    const text = `[\n${rows.join("\n")}\n  {"email": undefined}\n]\n`;

    // Act
    const list = parse(text, { fileName: "departures.json" });

    // Assess
    expect(list.errors).toEqual([{ line: 50_002, message: expect.stringMatching(/^not valid JSON: /) }]);
  });

  it("rejects a JSON row that gives a field twice in different case, naming the field", () => {
    // Prepare
    const text = JSON.stringify([
      { email: "ada@example.com", departed_at: "2024-05-01" },
      { email: "bob@example.com", EMAIL: "eve@example.com", departed_at: "2024-05-01" },
    ]);

    // Act
    const list = parse(text, { fileName: "departures.json", lenient: true });

    // Assess
    expect(list.errors).toEqual([
      { line: 2, field: "email", message: 'field email given twice ("email" and "EMAIL")' },
    ]);
    expect(list.people.map((p) => p.emails[0])).toEqual(["ada@example.com"]);
  });

  it("names the array entry (index + 1) of an invalid element", () => {
    const list = parse(JSON.stringify([{ email: "ada@example.com", departed_at: "2024-05-01" }, "nope"]));
    expect(list.errors).toEqual([{ line: 2, message: "expected a JSON object" }]);
    expect(list.rejected).toBe(true);
  });

  it("reads JSON Lines, skipping blank lines, and names the line of invalid JSON", () => {
    // Prepare
    const text = [
      '{"email":"ada@example.com","departed_at":"2024-05-01"}',
      "",
      '{"email":"bob@example.com","departed_at":"2024-05-02"}',
      '{"email":"eve@example.com",',
      "",
    ].join("\n");

    // Act
    const strict = parse(text, { fileName: "departures.jsonl" });
    const lenient = parse(text, { fileName: "departures.jsonl", lenient: true });

    // Assess
    expect(strict.rejected).toBe(true);
    expect(strict.errors).toEqual([{ line: 4, message: expect.stringMatching(/^not valid JSON/) }]);
    expect(strict.rowCount).toBe(3);
    expect(lenient.people.map((p) => p.emails[0])).toEqual(["ada@example.com", "bob@example.com"]);
  });

  it("rejects an empty JSON Lines file, blank lines and all, as it rejects an empty CSV file", () => {
    for (const text of ["", "\n  \r\n\n"]) {
      const list = parse(text, { fileName: "departures.jsonl" });
      expect(list.rejected).toBe(true);
      expect(list.errors).toEqual([
        { line: 1, message: "the list is empty: expected one JSON object per line" },
      ]);
      expect(list.people).toEqual([]);
    }
    // An empty array still says "nobody left" on purpose.
    expect(parse("[]", { fileName: "departures.json" }).rejected).toBe(false);
  });

  it("keeps the input out of JSON syntax messages", () => {
    const list = parse('[{"email":"secret.person@example.com",]');
    expect(list.rejected).toBe(true);
    expect(list.errors[0]?.message).not.toContain("secret.person");
  });

  it("detects the format from the extension, then the content", () => {
    expect(detectFormat("hr/departures.csv", "[")).toBe("csv");
    expect(detectFormat("x.ndjson", "")).toBe("jsonl");
    expect(detectFormat("x.json", '  {"a":1}')).toBe("jsonl");
    expect(detectFormat("x.json", "[]")).toBe("json");
    expect(detectFormat(undefined, "\uFEFF[")).toBe("json");
    expect(detectFormat(undefined, "email,departed_at")).toBe("csv");
  });
});

describe("validation: strict and lenient", () => {
  const csv = [
    "email,employee_id,departed_at,manager_email,slack_user_id",
    "ada@example.com,E1,2024-05-01,,",
    "not-an-email,E2,2024-05-01,,",
    ",,2024-05-01,,",
    "carl@example.com,E4,2024-05-01,boss@,u123",
    "dan@example.com,E5,2024-05-01,,",
  ].join("\n");

  it("rejects the whole list in strict mode, listing every problem with line and field", () => {
    // Act
    const list = parse(csv);

    // Assess
    expect(list.rejected).toBe(true);
    expect(list.people).toEqual([]);
    expect(list.rowCount).toBe(5);
    expect(list.errors.map(formatDepartureError)).toEqual([
      "line 3, field email: not an email address",
      "line 4, field email: give an email or an employee_id",
      "line 5, field manager_email: not an email address",
      "line 5, field slack_user_id: not a Slack user id (e.g. U01ABCDEF)",
    ]);
    expect(list.rejectionReason).toBe(
      "3 invalid rows of 5 (first: line 3, field email: not an email address); strict mode rejects the whole list",
    );
  });

  it("skips bad rows and reports them in lenient mode", () => {
    const list = parse(csv, { lenient: true });
    expect(list.rejected).toBe(false);
    expect(list.people.map((p) => p.employeeId)).toEqual(["E1", "E5"]);
    expect(list.errors).toHaveLength(4);
  });

  it.each([
    [1714521600, "a number"],
    [true, "true"],
    [{ date: "2024-05-01" }, "an object"],
    [["2024-05-01"], "a list"],
  ])("says departed_at must be text when it is %j, naming what was given", (value, given) => {
    // Prepare
    const text = `${JSON.stringify({ email: "ada@example.com", departed_at: value })}\n`;

    // Act
    const list = parse(text, { fileName: "departures.jsonl" });

    // Assess
    expect(list.rejected).toBe(true);
    expect(list.errors).toEqual([
      {
        line: 1,
        field: "departed_at",
        message: `expected text: a date with a zone or a date (e.g. 2024-05-01T17:30:00Z or 2024-05-01), not ${given}`,
      },
    ]);
  });

  it("still says missing for a departed_at that is absent or null", () => {
    const list = parse('{"email":"ada@example.com"}\n{"email":"bob@example.com","departed_at":null}\n', {
      fileName: "departures.jsonl",
    });
    expect(list.errors.map((e) => [e.line, e.field, e.message.split(":")[0]])).toEqual([
      [1, "departed_at", "missing"],
      [2, "departed_at", "missing"],
    ]);
  });

  it("refuses control characters in names and ids", () => {
    const list = parse(
      JSON.stringify([{ employee_id: "E1\u0007", name: "A\u202eB", departed_at: "2024-05-01" }]),
    );
    expect(list.errors.map((e) => e.field)).toEqual(["employee_id"]);
  });
});

describe("merging duplicate rows", () => {
  it("merges by employee id or normalised email: union of emails and aliases, earliest departure", () => {
    // Prepare
    const csv = [
      "email,employee_id,name,departed_at,manager_email,aliases",
      "ada@example.com,E1,Ada,2024-05-03,m1@example.com,ada",
      "ADA@Example.com ,,,2024-05-01T12:00:00Z,m2@example.com,alovelace",
      "ada.lovelace@example.com,E1,,2024-05-02,,ada",
      "bob@example.com,,Bob,2024-06-01,,",
    ].join("\n");

    // Act
    const list = parse(csv);

    // Assess
    expect(list.rejected).toBe(false);
    expect(list.rowCount).toBe(4);
    expect(list.people).toEqual([
      {
        employeeId: "E1",
        emails: ["ada@example.com", "ada.lovelace@example.com"],
        aliases: ["ada", "alovelace"],
        displayName: "Ada",
        departedAt: new Date("2024-05-01T12:00:00Z"),
        managerEmail: "m1@example.com",
      },
      {
        emails: ["bob@example.com"],
        aliases: [],
        displayName: "Bob",
        departedAt: new Date("2024-06-01T00:00:00Z"),
      },
    ]);
  });

  it("joins two groups a later row links, keeping the earliest departure", () => {
    const list = parse(
      "email,employee_id,departed_at\na@example.com,,2024-05-05\n,E1,2024-05-04\na@example.com,E1,2024-05-06\n",
    );
    expect(list.people).toEqual([
      {
        employeeId: "E1",
        emails: ["a@example.com"],
        aliases: [],
        departedAt: new Date("2024-05-04T00:00:00Z"),
      },
    ]);
  });

  it("treats one email given for two employee ids as a conflict, not a merge", () => {
    const csv = "email,employee_id,departed_at\na@example.com,E1,2024-05-01\na@example.com,E2,2024-05-01\n";
    const strict = parse(csv);
    const lenient = parse(csv, { lenient: true });
    expect(strict.rejected).toBe(true);
    expect(strict.errors).toEqual([
      {
        line: 3,
        field: "email",
        message: expect.stringContaining("already given for employee_id E1 (line 2)"),
      },
    ]);
    expect(lenient.people.map((p) => p.employeeId)).toEqual(["E1"]);
  });

  it("keeps a future departure in the list: the core schedules it", () => {
    const list = parse("email,departed_at\nada@example.com,2199-01-01\n");
    expect(list.people[0]?.departedAt.toISOString()).toBe("2199-01-01T00:00:00.000Z");
  });
});
