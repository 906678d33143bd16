/**
 * Reading an HR departure list: CSV with a header row, a JSON array or JSON Lines, in
 * UTF-8 with or without a BOM. Every row is validated; by default one bad row rejects the
 * whole list, because a half-read list can cancel pending revocations or aim them wrongly.
 */
import type { DepartureList, DepartureRowError } from "../core/ports/departure-source.ts";
import { readCsv } from "./csv.ts";
import { type MergeEntry, mergePeople } from "./merge.ts";
import { type DepartureField, departureFields, isDepartureField, validateRow } from "./row.ts";

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

/**
 * Decodes UTF-8 (a BOM is dropped). Invalid bytes are a file problem naming their line, lines
 * ending at CRLF, LF or a lone CR as in the CSV reader; UTF-16 gets a message of its own.
 */
function decodeUtf8(bytes: Uint8Array): { text: string } | { error: DepartureRowError } {
  if (looksLikeUtf16(bytes)) {
    return { error: { line: 1, message: "looks like UTF-16, not UTF-8 (save the list as UTF-8)" } };
  }
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i += 1) {
      const byte = bytes[i];
      if (i === bytes.length || byte === LF || byte === CR) {
        try {
          utf8.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        if (byte === CR && bytes[i + 1] === LF) i += 1;
        line += 1;
        start = i + 1;
      }
    }
    return { error: { line, message: "not valid UTF-8 (save the list as UTF-8)" } };
  }
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * A UTF-16 byte-order mark, or NUL bytes in half the even or half the odd places of the start:
 * text in UTF-16 without a BOM (each ASCII character is a byte and a NUL). A NUL here and there
 * is left to the rows' own checks.
 */
function looksLikeUtf16(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return true;
  const sample = Math.min(bytes.length, 1024) & ~1;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) even += 1;
    if (bytes[i + 1] === 0) odd += 1;
  }
  return Math.max(even, odd) >= sample / 4;
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
    if (!isDepartureField(name)) continue;
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
  const fields = departureFields(value as Record<string, unknown>);
  return "problem" in fields ? { line, problem: fields.problem } : { line, values: fields.values };
}

/** V8's syntax message without the quoted excerpt of the input, which may hold personal data. */
function jsonSyntaxMessage(error: unknown): string {
  const message = String((error as Error)?.message ?? error).replace(/, .*is not valid JSON$/s, "");
  return `not valid JSON: ${message}`;
}

/**
 * The line of a JSON syntax error. V8 leaves the position out of some messages (`Unexpected
 * token 'x'`, `Unexpected end of JSON input`), so the text is scanned for the first place it
 * stops being JSON; V8's position is the fallback should the two disagree. The end of the input
 * is reported on the last line that has something on it. Lines end at CRLF, LF or a lone CR.
 */
function jsonErrorLine(text: string, error: unknown): number {
  let offset = jsonSyntaxErrorOffset(text);
  if (offset === undefined) {
    const match = /position (\d+)/.exec(String((error as Error)?.message));
    if (!match) return 1;
    offset = Math.min(Number(match[1]), text.length);
  }
  if (offset >= text.length) {
    offset = text.length - 1;
    while (offset > 0 && isJsonSpace(text.charCodeAt(offset))) offset -= 1;
  }
  let line = 1;
  for (let i = 0; i < offset; i += 1) {
    const ch = text.charCodeAt(i);
    if (ch === 10 || (ch === 13 && text.charCodeAt(i + 1) !== 10)) line += 1;
  }
  return line;
}

function isJsonSpace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d;
}

/**
 * Where `text` stops being JSON (RFC 8259): the offset of the first character that cannot
 * continue it, `text.length` when it ends too early, `undefined` when it is valid. One pass,
 * no recursion (a list nested a million deep must not overflow the stack).
 */
function jsonSyntaxErrorOffset(text: string): number | undefined {
  const n = text.length;
  const open: number[] = []; // the brackets ([ or {) enclosing the position
  let i = 0;
  const skipSpace = () => {
    while (i < n && isJsonSpace(text.charCodeAt(i))) i += 1;
  };
  /** Moves past a string starting at `i`; false when it is not one. */
  const string = (): boolean => {
    if (text.charCodeAt(i) !== 0x22) return false;
    i += 1;
    while (i < n) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i += 1;
        return true;
      }
      if (ch < 0x20) return false;
      if (ch === 0x5c) {
        if (text.charCodeAt(i + 1) === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            return false;
          }
          i += 6;
        } else if (i + 1 < n && '"\\/bfnrt'.includes(text.charAt(i + 1))) {
          i += 2;
        } else {
          i += 1;
          return false;
        }
      } else {
        i += 1;
      }
    }
    return false;
  };
  const digits = (): boolean => {
    const start = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i += 1;
    return i > start;
  };
  /** Moves past a number, `true`, `false` or `null` at `i`; false when there is none. */
  const scalar = (): boolean => {
    const ch = text.charAt(i);
    for (const word of ["true", "false", "null"]) {
      if (ch !== word.charAt(0)) continue;
      for (const expected of word) {
        if (text.charAt(i) !== expected) return false;
        i += 1;
      }
      return true;
    }
    if (ch === "-") i += 1;
    if (text.charAt(i) === "0") i += 1;
    else if (!digits()) return false;
    if (text.charAt(i) === ".") {
      i += 1;
      if (!digits()) return false;
    }
    if (text.charAt(i) === "e" || text.charAt(i) === "E") {
      i += 1;
      if (text.charAt(i) === "+" || text.charAt(i) === "-") i += 1;
      if (!digits()) return false;
    }
    return true;
  };
  /** Moves past `"key" :` before an object member's value; false when that is not there. */
  const member = (): boolean => {
    skipSpace();
    if (!string()) return false;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) return false;
    i += 1;
    return true;
  };

  // Each turn reads one value, then the separators and closing brackets after it.
  for (;;) {
    skipSpace();
    const ch = text.charCodeAt(i);
    if (ch === 0x5b || ch === 0x7b) {
      i += 1;
      skipSpace();
      if (text.charCodeAt(i) === (ch === 0x5b ? 0x5d : 0x7d)) {
        i += 1;
      } else {
        open.push(ch);
        if (ch === 0x7b && !member()) return Math.min(i, n);
        continue;
      }
    } else if (!(ch === 0x22 ? string() : scalar())) {
      return Math.min(i, n);
    }
    // After a value: a comma and the next one, or closing brackets.
    for (;;) {
      skipSpace();
      const top = open.at(-1);
      if (top === undefined) return i < n ? i : undefined;
      const next = text.charCodeAt(i);
      if (next === 0x2c) {
        i += 1;
        if (top === 0x7b && !member()) return Math.min(i, n);
        break;
      }
      if (next !== (top === 0x5b ? 0x5d : 0x7d)) return Math.min(i, n);
      open.pop();
      i += 1;
    }
  }
}
