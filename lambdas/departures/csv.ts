/**
 * A small RFC 4180 CSV reader: quoted fields, doubled quotes, newlines inside quotes,
 * CRLF or LF (or a lone CR) line ends. Written here rather than taken from a library so
 * that every oddity of the HR list has one defined outcome and a line number.
 */

/** One record, with the physical line (1-based) it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
  /** Set when this record is malformed (a stray quote); the other records are still read. */
  readonly problem?: CsvProblem;
}

/** A malformed field: its 0-based index in the record and what is wrong. */
export interface CsvProblem {
  readonly field: number;
  readonly message: string;
}

/** A problem that makes the rest of the file unreadable (an unterminated quote). */
export interface CsvFatal {
  readonly line: number;
  readonly message: string;
}

/** What `readCsv` found. Blank lines are skipped. */
export interface CsvResult {
  readonly records: CsvRecord[];
  readonly fatal?: CsvFatal;
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const CR = 13;
const LF = 10;

/**
 * Splits CSV text into records. Never throws: a stray quote marks its record with a
 * `problem`, an unterminated quote ends the reading with a `fatal` naming the line where
 * the quoted field began.
 */
export function readCsv(text: string): CsvResult {
  const records: CsvRecord[] = [];
  const length = text.length;
  let pos = 0;
  let line = 1;

  while (pos < length) {
    const recordLine = line;
    const fields: string[] = [];
    let problem: CsvProblem | undefined;
    let endOfRecord = false;

    while (!endOfRecord) {
      if (text.charCodeAt(pos) === QUOTE) {
        // Quoted field: runs to the next quote that is not doubled.
        const fieldLine = line;
        pos += 1;
        let value = "";
        let chunkStart = pos;
        for (;;) {
          const next = text.indexOf('"', pos);
          if (next === -1) {
            return {
              records,
              fatal: { line: fieldLine, message: `unterminated quoted field starting on line ${fieldLine}` },
            };
          }
          line += countLineBreaks(text, pos, next);
          if (text.charCodeAt(next + 1) === QUOTE) {
            value += text.slice(chunkStart, next + 1);
            pos = next + 2;
            chunkStart = pos;
            continue;
          }
          value += text.slice(chunkStart, next);
          pos = next + 1;
          break;
        }
        fields.push(value);
        const after = pos < length ? text.charCodeAt(pos) : -1;
        if (after !== COMMA && after !== CR && after !== LF && after !== -1) {
          problem ??= { field: fields.length - 1, message: "unexpected text after a closing quote" };
          // Skip to the end of this field so the next ones keep their places.
          while (pos < length && !isFieldEnd(text.charCodeAt(pos))) pos += 1;
        }
      } else {
        let end = pos;
        while (end < length && !isFieldEnd(text.charCodeAt(end))) end += 1;
        const value = text.slice(pos, end);
        if (value.includes('"')) {
          problem ??= {
            field: fields.length,
            message: "a quote inside an unquoted field (quote the field and double the quote)",
          };
        }
        fields.push(value);
        pos = end;
      }

      const ch = pos < length ? text.charCodeAt(pos) : -1;
      if (ch === COMMA) {
        pos += 1;
      } else {
        endOfRecord = true;
        if (ch === CR) pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
        else if (ch === LF) pos += 1;
        if (ch !== -1) line += 1;
      }
    }

    // A line holding only spaces is blank too: spreadsheets leave those behind.
    const blank = fields.length === 1 && (fields[0] ?? "").trim() === "" && problem === undefined;
    if (!blank)
      records.push(
        problem === undefined ? { line: recordLine, fields } : { line: recordLine, fields, problem },
      );
  }
  return { records };
}

function isFieldEnd(ch: number): boolean {
  return ch === COMMA || ch === CR || ch === LF;
}

/** Line breaks (CRLF, LF or lone CR, each counting once) in `text[from, to)`. */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i += 1) {
    const ch = text.charCodeAt(i);
    if (ch === LF) count += 1;
    else if (ch === CR && text.charCodeAt(i + 1) !== LF) count += 1;
  }
  return count;
}
