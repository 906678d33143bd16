/**
 * Reading an HR departure list: CSV with a header row, a JSON array or JSON Lines, in
 * UTF-8 with or without a BOM. Every row is validated; by default one bad row rejects the
 * whole list, because a half-read list can cancel pending revocations or aim them wrongly.
 */
import type { DepartureList, DepartureRowError } from "../core/ports/departure-source.ts";
import { readCsv } from "./csv.ts";
import { type MergeEntry, mergePeople } from "./merge.ts";
import { DEPARTURE_FIELDS, type DepartureField, validateRow } from "./row.ts";

/** The formats a departure list may come in. */
export type DepartureFormat = "csv" | "json" | "jsonl";

/** How to read a list. */
export interface ParseOptions {
  /** Where the list came from, copied into `DepartureList.origin`. */
  readonly origin: string;
  /** IANA zone for `departed_at` values that are plain dates. */
  readonly timeZone: string;
  /** Skip invalid rows instead of rejecting the list. @default false */
  readonly lenient?: boolean;
  /** The format; detected from `fileName` and the content when absent. */
  readonly format?: DepartureFormat;
  /** A file name or key whose extension hints at the format. */
  readonly fileName?: string;
}

/**
 * Picks the format: `.csv`, `.jsonl`/`.ndjson` and `.json` by extension (a `.json` file
 * whose first character is `{` is JSON Lines); otherwise `[` means a JSON array, `{` JSON
 * Lines, anything else CSV.
 */
export function detectFormat(fileName: string | undefined, text: string): DepartureFormat {
  const name = (fileName ?? "").toLowerCase().replace(/[?#].*$/, "");
  const first = text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .charAt(0);
  if (name.endsWith(".csv") || name.endsWith(".txt")) return "csv";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  if (name.endsWith(".json")) return first === "{" ? "jsonl" : "json";
  if (first === "[") return "json";
  if (first === "{") return "jsonl";
  return "csv";
}

/** One line a person can read: `line 7, field departed_at: not a date ...`. */
export function formatDepartureError(error: DepartureRowError): string {
  return `line ${error.line}${error.field ? `, field ${error.field}` : ""}: ${error.message}`;
}

/** A problem with the whole file rather than one row. */
class FileProblem {
  constructor(readonly error: DepartureRowError) {}
}

interface RawRow {
  readonly line: number;
  readonly values?: Readonly<Record<string, unknown>>;
  /** Set when the row could not even be read into values. */
  readonly problem?: { field?: string; message: string };
}

/**
 * Parses and validates a departure list. Never throws for bad input: problems come back
 * in `errors`, and `rejected` says whether the list may drive any action.
 */
export function parseDepartureList(input: string | Uint8Array, options: ParseOptions): DepartureList {
  const decoded = typeof input === "string" ? { text: input.replace(/^\uFEFF/, "") } : decodeUtf8(input);
  if ("error" in decoded) return fileRejected(options.origin, decoded.error);
  const { text } = decoded;
  const format = options.format ?? detectFormat(options.fileName, text);

  const raw =
    format === "csv" ? csvRows(text) : format === "json" ? jsonArrayRows(text) : jsonLinesRows(text);
  if (raw instanceof FileProblem) return fileRejected(options.origin, raw.error);

  const errors: DepartureRowError[] = [];
  const entries: MergeEntry[] = [];
  for (const row of raw) {
    if (row.problem || !row.values) {
      errors.push({ line: row.line, ...row.problem, message: row.problem?.message ?? "unreadable row" });
      continue;
    }
    const result = validateRow(row.values, options.timeZone);
    if (result.ok) entries.push({ person: result.person, line: row.line });
    else for (const p of result.problems) errors.push({ line: row.line, ...p });
  }
  const merged = mergePeople(entries);
  errors.push(...merged.conflicts);
  errors.sort((a, b) => a.line - b.line);

  const rowCount = raw.length;
  const first = errors[0];
  if (first && !options.lenient) {
    const badLines = new Set(errors.map((e) => e.line)).size;
    return {
      origin: options.origin,
      people: [],
      errors,
      rejected: true,
      rejectionReason: `${badLines} invalid row${badLines === 1 ? "" : "s"} of ${rowCount} (first: ${formatDepartureError(first)}); strict mode rejects the whole list`,
      rowCount,
    };
  }
  return { origin: options.origin, people: merged.people, errors, rejected: false, rowCount };
}

function fileRejected(origin: string, error: DepartureRowError): DepartureList {
  return {
    origin,
    people: [],
    errors: [error],
    rejected: true,
    rejectionReason: `unreadable list: ${formatDepartureError(error)}`,
    rowCount: 0,
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes UTF-8 (a BOM is dropped); invalid bytes are a file problem naming their line. */
function decodeUtf8(bytes: Uint8Array): { text: string } | { error: DepartureRowError } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i += 1) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          utf8.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        line += 1;
        start = i + 1;
      }
    }
    return { error: { line, message: "not valid UTF-8 (save the list as UTF-8)" } };
  }
}

function csvRows(text: string): RawRow[] | FileProblem {
  const { records, fatal } = readCsv(text);
  if (fatal) return new FileProblem({ line: fatal.line, message: fatal.message });
  const [header, ...rows] = records;
  if (!header) return new FileProblem({ line: 1, message: "the list is empty: expected a header row" });
  if (header.problem)
    return new FileProblem({ line: header.line, message: `header: ${header.problem.message}` });

  const names = header.fields.map((f) => f.trim().toLowerCase());
  const columns = new Map<DepartureField, number>();
  for (const [index, name] of names.entries()) {
    if (!isField(name)) continue;
    if (columns.has(name)) {
      return new FileProblem({
        line: header.line,
        field: name,
        message: `the header names column ${name} twice`,
      });
    }
    columns.set(name, index);
  }
  if (!columns.has("departed_at")) {
    return new FileProblem({
      line: header.line,
      field: "departed_at",
      message: "the header has no departed_at column",
    });
  }
  if (!columns.has("email") && !columns.has("employee_id")) {
    return new FileProblem({
      line: header.line,
      field: "email",
      message: "the header has neither an email nor an employee_id column",
    });
  }

  return rows.map((record): RawRow => {
    if (record.problem) {
      return {
        line: record.line,
        problem: { field: names[record.problem.field], message: record.problem.message },
      };
    }
    if (record.fields.length !== names.length) {
      return {
        line: record.line,
        problem: {
          message: `expected ${names.length} fields as in the header, found ${record.fields.length}`,
        },
      };
    }
    const values: Record<string, unknown> = {};
    for (const [field, index] of columns) values[field] = record.fields[index];
    return { line: record.line, values };
  });
}

function isField(name: string): name is DepartureField {
  return (DEPARTURE_FIELDS as readonly string[]).includes(name);
}

function jsonArrayRows(text: string): RawRow[] | FileProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return new FileProblem({ line: jsonErrorLine(text, error), message: jsonSyntaxMessage(error) });
  }
  if (!Array.isArray(value))
    return new FileProblem({ line: 1, message: "expected a JSON array of departures" });
  return value.map((item, index) => objectRow(index + 1, item));
}

function jsonLinesRows(text: string): RawRow[] | FileProblem {
  const rows: RawRow[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      rows.push({ line: index + 1, problem: { message: jsonSyntaxMessage(error) } });
      continue;
    }
    rows.push(objectRow(index + 1, value));
  }
  // Like a CSV file without even a header: more likely a failed export than "nobody left", and
  // an accepted empty list would cancel every pending revocation. (`[]` in a `.json` file, or a
  // CSV header alone, says "nobody" on purpose.)
  if (rows.length === 0)
    return new FileProblem({ line: 1, message: "the list is empty: expected one JSON object per line" });
  return rows;
}

/** A JSON object's fields, keys trimmed and lower-cased like CSV headers. */
function objectRow(line: number, value: unknown): RawRow {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { line, problem: { message: "expected a JSON object" } };
  }
  const values: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = key.trim().toLowerCase();
    if (!isField(name)) continue;
    if (name in values) return { line, problem: { field: name, message: `field ${name} given twice` } };
    values[name] = v;
  }
  return { line, values };
}

/** V8's syntax message without the quoted excerpt of the input, which may hold personal data. */
function jsonSyntaxMessage(error: unknown): string {
  const message = String((error as Error)?.message ?? error).replace(/, .*is not valid JSON$/s, "");
  return `not valid JSON: ${message}`;
}

/** The line of a JSON syntax error, from the position V8 reports. */
function jsonErrorLine(text: string, error: unknown): number {
  const match = /position (\d+)/.exec(String((error as Error)?.message));
  if (!match) return 1;
  const position = Math.min(Number(match[1]), text.length);
  let line = 1;
  for (let i = 0; i < position; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}
