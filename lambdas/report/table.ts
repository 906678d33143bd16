/**
 * The terminal summary the CLI prints after a scan: a one-line header, the counts, and a
 * fixed-width table of findings, most severe first. Plain text by default; ANSI colour only
 * when asked (the CLI asks when stdout is a TTY and `NO_COLOR` is unset).
 */
import { severityRank } from "../core/model.ts";
import type { ScanReport } from "../scan.ts";
import { type JsonFinding, type ReportMeta, toJsonReport } from "./json.ts";

/** Options of `toTable`. */
export interface TableOptions {
  /** ANSI colours for severities and outcomes. @default false */
  readonly color?: boolean;
  /** Total width the table may take. @default 140 */
  readonly width?: number;
  /** At most this many finding rows; a last line says how many were left out. @default 50 */
  readonly maxRows?: number;
}

const ANSI = {
  reset: "\u001b[0m",
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  brightRed: "\u001b[91m",
  yellow: "\u001b[33m",
  blue: "\u001b[34m",
  green: "\u001b[32m",
  grey: "\u001b[90m",
} as const;

const SEVERITY_COLOUR: Record<JsonFinding["severity"], string> = {
  critical: `${ANSI.bold}${ANSI.brightRed}`,
  high: ANSI.red,
  medium: ANSI.yellow,
  low: ANSI.blue,
  info: ANSI.grey,
};

/** Control characters would move the cursor or recolour the terminal: a name must not. */
function printable(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}

/** Cuts to `width` characters, marking the cut with an ellipsis. */
export function truncate(value: string, width: number): string {
  const clean = printable(value);
  if (width <= 0) return "";
  if (clean.length <= width) return clean;
  return width === 1 ? "…" : `${clean.slice(0, width - 1)}…`;
}

function pad(value: string, width: number): string {
  const cut = truncate(value, width);
  return cut + " ".repeat(Math.max(0, width - cut.length));
}

interface Column {
  readonly title: string;
  readonly width: number;
  readonly value: (f: JsonFinding) => string;
  readonly colour?: (f: JsonFinding) => string | undefined;
}

function columns(width: number): Column[] {
  const fixed: Column[] = [
    {
      title: "SEVERITY",
      width: 8,
      value: (f) => f.severity.toUpperCase(),
      colour: (f) => SEVERITY_COLOUR[f.severity],
    },
    { title: "RULE", width: 22, value: (f) => f.rule },
    { title: "SOURCE", width: 12, value: (f) => f.source ?? "run" },
    { title: "PRINCIPAL", width: 16, value: (f) => f.principal ?? "" },
    { title: "PERSON", width: 22, value: (f) => f.person?.email ?? f.person?.employeeId ?? "" },
    {
      title: "OUTCOME",
      width: 13,
      value: (f) => f.outcome,
      colour: (f) =>
        f.outcome === "revoked"
          ? ANSI.green
          : f.outcome === "revoke-failed" || f.outcome === "held-by-brake"
            ? ANSI.red
            : undefined,
    },
  ];
  const used = fixed.reduce((n, c) => n + c.width + 2, 0);
  // The summary takes what is left, but never less than something readable.
  return [...fixed, { title: "SUMMARY", width: Math.max(20, width - used), value: (f) => f.summary }];
}

/**
 * The terminal summary of a scan: header, counts, and the findings table (most severe first,
 * fixed-width columns, long values cut with `…`, control characters removed).
 */
export function toTable(report: ScanReport, options: TableOptions = {}, meta?: ReportMeta): string {
  const json = toJsonReport(report, meta);
  const color = options.color ?? false;
  const paint = (code: string | undefined, s: string) => (color && code ? `${code}${s}${ANSI.reset}` : s);
  const cols = columns(options.width ?? 140);
  const maxRows = options.maxRows ?? 50;

  const lines: string[] = [];
  lines.push(
    paint(
      ANSI.bold,
      `iam-hygiene scan ${printable(json.scanId)} (${json.applied ? "enforce, applied" : `${json.mode}, not applied`})`,
    ),
  );
  lines.push(
    `${json.startedAt} -> ${json.finishedAt}  trigger ${printable(json.trigger)}  departures ${json.departures.people}${json.departures.rejected ? " (REJECTED)" : ""}`,
  );
  const c = json.counts;
  lines.push(
    [
      paint(SEVERITY_COLOUR.critical, `critical ${c.critical}`),
      paint(SEVERITY_COLOUR.high, `high ${c.high}`),
      paint(SEVERITY_COLOUR.medium, `medium ${c.medium}`),
      paint(SEVERITY_COLOUR.low, `low ${c.low}`),
      paint(SEVERITY_COLOUR.info, `info ${c.info}`),
      `| revoked ${json.totals.revoked}`,
      `ticketed ${json.totals.ticketed}`,
      `held by brake ${json.totals.heldByBrake}`,
      `failed ${json.totals.revokeFailed}`,
      `used after departure ${json.totals.usedAfterDeparture}`,
    ].join("  "),
  );
  if (json.brake.engaged) lines.push(paint(ANSI.red, `BRAKE ENGAGED: ${printable(json.brake.reason ?? "")}`));
  lines.push("");

  if (json.findings.length === 0) {
    lines.push("No findings.");
    return `${lines.join("\n")}\n`;
  }
  lines.push(paint(ANSI.bold, cols.map((col) => pad(col.title, col.width)).join("  ")).trimEnd());
  lines.push(cols.map((col) => "-".repeat(col.width)).join("  "));
  const sorted = [...json.findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id),
  );
  for (const f of sorted.slice(0, maxRows)) {
    lines.push(
      cols
        .map((col) => paint(col.colour?.(f), pad(col.value(f), col.width)))
        .join("  ")
        .trimEnd(),
    );
  }
  if (sorted.length > maxRows)
    lines.push(paint(ANSI.dim, `... and ${sorted.length - maxRows} more finding(s)`));
  return `${lines.join("\n")}\n`;
}
