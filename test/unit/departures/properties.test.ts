/**
 * Properties of the departure reader over generated lists: whatever the bytes, it returns
 * (never throws an unexpected error), and no person ever comes out of an invalid row.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { startOfDayInZone } from "../../../lambdas/departures/dates.ts";
import { parseDepartureList } from "../../../lambdas/departures/parse.ts";

interface Row {
  email?: string;
  employee_id?: string;
  name?: string;
  departed_at: string;
  manager_email?: string;
  slack_user_id?: string;
  aliases?: string[];
}

interface GeneratedRow {
  readonly row: Row;
  readonly valid: boolean;
  /** The instant a valid row's departed_at means (UTC zone). */
  readonly at: Date;
}

const FIELDS = [
  "email",
  "employee_id",
  "name",
  "departed_at",
  "manager_email",
  "slack_user_id",
  "aliases",
] as const;

const nameChar = fc.constantFrom(..."abcXYZ ,;\"'=+-@é漢😀\n\r\t".split(""), "\r\n");
const name = fc.array(nameChar, { maxLength: 12 }).map((chars) => chars.join(""));
const alias = fc.stringMatching(/^[a-z][a-z0-9._-]{0,8}$/);
const instant = fc.date({
  min: new Date("1971-01-01T00:00:00Z"),
  max: new Date("2199-12-31T00:00:00Z"),
  noInvalidDate: true,
});

/** A date written one of the accepted ways, with the instant it means in UTC. */
const departure = fc
  .tuple(instant, fc.constantFrom("z", "offset", "plain"), fc.integer({ min: -12 * 60, max: 14 * 60 }))
  .map(([d, style, offsetMinutes]) => {
    if (style === "plain") {
      const day = d.toISOString().slice(0, 10);
      return { text: day, at: new Date(`${day}T00:00:00Z`) };
    }
    const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
    if (style === "z") return { text: whole.toISOString().replace(".000", ""), at: whole };
    const offset = Math.round(offsetMinutes / 15) * 15;
    const local = new Date(whole.getTime() + offset * 60_000).toISOString().slice(0, 19);
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
    return { text: `${local}${zone}`, at: whole };
  });

/** Ways to make a row certainly invalid. */
const corruption = fc.constantFrom(
  "bad-date",
  "no-zone",
  "impossible-day",
  "bad-email",
  "no-identity",
  "bad-manager",
  "bad-slack",
  "control-id",
  "control-alias",
);

/** A row, built once its index (which makes its ids unique) is known. */
function rowBuilder(): fc.Arbitrary<(index: number) => GeneratedRow> {
  return fc
    .record({
      identity: fc.constantFrom("both", "email", "id"),
      name: fc.option(name, { nil: undefined }),
      departure,
      manager: fc.boolean(),
      slack: fc.boolean(),
      aliases: fc.array(alias, { maxLength: 3 }),
      corrupt: fc.option(corruption, { freq: 3, nil: undefined }),
      garbage: fc.string({ maxLength: 6 }),
    })
    .map(({ identity, name, departure, manager, slack, aliases, corrupt, garbage }) => (index: number) => {
      const row: Row = { departed_at: departure.text };
      if (identity !== "id") row.email = `p${index}@example.com`;
      if (identity !== "email") row.employee_id = `E${index}`;
      if (name !== undefined) row.name = name;
      if (manager) row.manager_email = `boss${index}@example.com`;
      if (slack) row.slack_user_id = `U${String(index).padStart(8, "0")}`;
      if (aliases.length > 0) row.aliases = aliases;
      switch (corrupt) {
        case "bad-date":
          row.departed_at = `x${garbage}`;
          break;
        case "no-zone":
          row.departed_at = "2024-05-01T10:00:00";
          break;
        case "impossible-day":
          row.departed_at = "2023-02-29";
          break;
        case "bad-email":
          row.email = `not-an-email-${index}`;
          break;
        case "no-identity":
          delete row.email;
          delete row.employee_id;
          break;
        case "bad-manager":
          row.manager_email = "boss@";
          break;
        case "bad-slack":
          row.slack_user_id = `u${index}`;
          break;
        case "control-id":
          row.employee_id = `E${index}\u0001`;
          break;
        case "control-alias":
          row.aliases = [...aliases, "evil\u0007alias"];
          break;
      }
      return { row, valid: corrupt === undefined, at: departure.at };
    });
}

const rows = fc.array(rowBuilder(), { maxLength: 8 }).map((builders) => builders.map((build, i) => build(i)));

const csvStyle = fc.record({
  eol: fc.constantFrom("\n", "\r\n"),
  bom: fc.boolean(),
  quoteAll: fc.boolean(),
  upper: fc.array(fc.boolean(), { minLength: FIELDS.length, maxLength: FIELDS.length }),
  order: fc.shuffledSubarray([...FIELDS], { minLength: FIELDS.length }),
  extraColumn: fc.boolean(),
  blankLines: fc.boolean(),
  trailingEol: fc.boolean(),
});

type CsvStyle = typeof csvStyle extends fc.Arbitrary<infer T> ? T : never;

function quote(value: string, always: boolean): string {
  return always || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Writes rows as CSV and returns the physical line each row starts on. */
function toCsv(generated: readonly GeneratedRow[], style: CsvStyle) {
  const columns = style.order.map((field) => ({
    field,
    header: style.upper[FIELDS.indexOf(field)] ? field.toUpperCase() : field,
  }));
  const header = [...columns.map((c) => c.header), ...(style.extraColumn ? ["Notes"] : [])];
  let text = (style.bom ? "\uFEFF" : "") + header.map((h) => quote(h, style.quoteAll)).join(",") + style.eol;
  let line = 2;
  const lines: number[] = [];
  for (const { row } of generated) {
    if (style.blankLines) {
      text += style.eol;
      line += 1;
    }
    const cells = columns.map(({ field }) => {
      const value = field === "aliases" ? (row.aliases ?? []).join(";") : (row[field] ?? "");
      return quote(value, style.quoteAll);
    });
    if (style.extraColumn) cells.push(quote("=SUM(A1), note", style.quoteAll));
    const record = cells.join(",");
    lines.push(line);
    line += 1 + (record.match(/\r\n|\n|\r/g)?.length ?? 0);
    text += record + style.eol;
  }
  if (!style.trailingEol) text = text.slice(0, text.length - style.eol.length);
  return { text, lines };
}

function toJsonLines(generated: readonly GeneratedRow[], blankLines: boolean) {
  const lines: number[] = [];
  const out: string[] = [];
  for (const { row } of generated) {
    if (blankLines) out.push("");
    out.push(JSON.stringify(row));
    lines.push(out.length);
  }
  return { text: out.join("\n"), lines };
}

const format = fc.oneof(
  csvStyle.map((style) => ({ kind: "csv" as const, style })),
  fc.constant({ kind: "json" as const }),
  fc.boolean().map((blankLines) => ({ kind: "jsonl" as const, blankLines })),
);

describe("parseDepartureList properties", () => {
  it("returns exactly the valid rows' people, and errors exactly on the invalid rows' lines", () => {
    fc.assert(
      fc.property(rows, format, fc.boolean(), (generated, fmt, lenient) => {
        // Prepare
        const { text, lines } =
          fmt.kind === "csv"
            ? toCsv(generated, fmt.style)
            : fmt.kind === "json"
              ? { text: JSON.stringify(generated.map((g) => g.row)), lines: generated.map((_, i) => i + 1) }
              : toJsonLines(generated, fmt.blankLines);

        // Act
        const list = parseDepartureList(text, { origin: "prop", timeZone: "UTC", lenient, format: fmt.kind });

        // Assess
        if (fmt.kind === "jsonl" && generated.length === 0) {
          // No object at all is an empty file, not an empty list (`parse.test.ts`).
          expect(list.rejected).toBe(true);
          expect(list.errors.map((e) => e.line)).toEqual([1]);
          return;
        }
        const valid = generated.filter((g) => g.valid);
        const invalidLines = new Set(lines.filter((_, i) => !generated[i]?.valid));
        expect(list.rowCount).toBe(generated.length);
        expect(new Set(list.errors.map((e) => e.line))).toEqual(invalidLines);
        const shouldReject = !lenient && invalidLines.size > 0;
        expect(list.rejected).toBe(shouldReject);
        if (shouldReject) {
          expect(list.people).toEqual([]);
          return;
        }
        expect(list.people).toHaveLength(valid.length);
        for (const [i, person] of list.people.entries()) {
          const source = valid[i];
          expect(source).toBeDefined();
          if (!source) return;
          expect(person.employeeId).toBe(source.row.employee_id);
          expect(person.emails).toEqual(source.row.email ? [source.row.email] : []);
          expect(person.departedAt.getTime()).toBe(source.at.getTime());
          expect(person.aliases).toEqual([...new Set(source.row.aliases ?? [])]);
          const expectedName = (source.row.name ?? "").replace(/[\t\n\r]+/g, " ").trim();
          expect(person.displayName).toBe(expectedName === "" ? undefined : expectedName);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("never throws on arbitrary text or bytes, and every person it yields is well-formed", () => {
    const input = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }),
      fc
        .array(
          fc.constantFrom(
            "email",
            "employee_id",
            "departed_at",
            ",",
            '"',
            "\n",
            "\r\n",
            "a@b.co",
            "2024-05-01",
            "{",
            "}",
            "[",
            "]",
            ":",
            "E1",
          ),
          {
            maxLength: 40,
          },
        )
        .map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(
        input,
        fc.constantFrom(undefined, "csv", "json", "jsonl"),
        fc.boolean(),
        (data, fmt, lenient) => {
          // Act
          const list = parseDepartureList(data, {
            origin: "fuzz",
            timeZone: "Europe/Paris",
            lenient,
            ...(fmt ? { format: fmt } : {}),
          });

          // Assess
          if (list.rejected) expect(list.people).toEqual([]);
          if (!lenient && list.errors.length > 0) expect(list.rejected).toBe(true);
          for (const person of list.people) {
            expect(person.emails.length > 0 || person.employeeId !== undefined).toBe(true);
            expect(Number.isNaN(person.departedAt.getTime())).toBe(false);
          }
          for (const error of list.errors) expect(error.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("starts a day the zone skipped with the next day (Samoa, 2011-12-30)", () => {
    expect(startOfDayInZone(2011, 12, 30, "Pacific/Apia").toISOString()).toBe("2011-12-30T10:00:00.000Z");
    expect(startOfDayInZone(2011, 12, 31, "Pacific/Apia").toISOString()).toBe("2011-12-30T10:00:00.000Z");
  });
});

describe("startOfDayInZone", () => {
  it("is a local midnight (or the first instant after a gap, or of the next day for a skipped day) and the instant before is an earlier day", () => {
    const zones = [
      "America/New_York",
      "America/Santiago",
      "Europe/London",
      "Australia/Lord_Howe",
      "Asia/Kolkata",
      "Pacific/Apia",
      "UTC",
    ];
    const dayOf = (instant: Date, zone: string) =>
      new Intl.DateTimeFormat("en-CA", {
        timeZone: zone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      }).format(instant);
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1971-01-02T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        fc.constantFrom(...zones),
        (date, zone) => {
          // Prepare
          const [y, m, d] = date.toISOString().slice(0, 10).split("-").map(Number) as [
            number,
            number,
            number,
          ];
          const day = date.toISOString().slice(0, 10);

          // Act
          const start = startOfDayInZone(y, m, d, zone);

          // Assess: the day's first instant, the instant before it on an earlier day. A day the
          // zone skipped whole (Samoa's 2011-12-30, Pacific/Apia) starts with the next day: the
          // local date jumps over it between those two instants.
          expect(dayOf(start, zone) >= day).toBe(true);
          expect(dayOf(new Date(start.getTime() - 1), zone) < day).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("starts a day the zone skipped with the next day (Samoa, 2011-12-30)", () => {
    expect(startOfDayInZone(2011, 12, 30, "Pacific/Apia").toISOString()).toBe("2011-12-30T10:00:00.000Z");
    expect(startOfDayInZone(2011, 12, 31, "Pacific/Apia").toISOString()).toBe("2011-12-30T10:00:00.000Z");
  });
});
