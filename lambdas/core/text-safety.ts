/**
 * Making untrusted text (names, aliases, emails from the HR list or a provider) safe to
 * write into CSV, spreadsheets and HTML reports. Pure functions: the report writers call
 * them at output time, so stored data stays exactly as received.
 */

/**
 * First characters a spreadsheet may read as the start of a formula. `=`, `+`, `-`, `@`,
 * tab and carriage return come from the OWASP "CSV Injection" page; NUL from ASVS 5.0
 * requirement 1.2.10.
 */
const FORMULA_TRIGGERS = new Set(["=", "+", "-", "@", "\t", "\r", "\0"]);

/**
 * Prefixes a value that a spreadsheet would evaluate as a formula with `'`, so Excel,
 * LibreOffice and Google Sheets show it as text (OWASP CSV Injection guidance).
 * Other values are returned unchanged.
 *
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
export function neutraliseFormula(value: string): string {
  const first = value.charAt(0);
  return FORMULA_TRIGGERS.has(first) ? `'${value}` : value;
}

/**
 * One CSV cell: neutralised against formula injection, then quoted per RFC 4180 when it
 * holds a comma, quote, CR or LF (quotes doubled). Always quoting would also be valid, but
 * plain cells keep reports readable in a terminal.
 */
export function csvCell(value: string): string {
  const safe = neutraliseFormula(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}
