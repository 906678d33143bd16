/**
 * The CSV report: one row per finding, for spreadsheets. Every cell goes through `csvCell`,
 * so names that start like a formula (`=HYPERLINK(...)`, `+cmd|...`) open as text, and
 * quotes, commas and newlines are quoted per RFC 4180.
 */
import { csvCell } from "../core/text-safety.ts";
import type { ScanReport } from "../scan.ts";
import { type JsonFinding, type ReportMeta, toJsonReport } from "./json.ts";

/** The columns, in order; the header row uses these names. */
export const CSV_COLUMNS = [
  "finding_id",
  "severity",
  "rule",
  "title",
  "summary",
  "source",
  "kind",
  "account",
  "principal",
  "principal_type",
  "native_id",
  "credential_id",
  "created_at",
  "last_used_at",
  "age_days",
  "person_employee_id",
  "person_email",
  "person_name",
  "departed_at",
  "matched_by",
  "match_strength",
  "decision",
  "why",
  "outcome",
  "revoked_at",
  "verified_at",
  "errors",
  "reference",
] as const;

function text(value: string | number | boolean | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

function row(f: JsonFinding): string[] {
  const revokedAt = f.actions.find(
    (a) => a.type === "revoke" && (a.status === "done" || a.status === "verified"),
  );
  const verifiedAt = f.actions.find((a) => a.type === "verify" && a.status === "verified");
  const errors = f.actions
    .filter((a) => a.error)
    .map((a) => `${a.type}: ${a.error?.name}: ${a.error?.message}`)
    .join("; ");
  return [
    f.id,
    f.severity,
    f.rule,
    f.title,
    f.summary,
    text(f.source),
    text(f.kind),
    text(f.account),
    text(f.principal),
    text(f.principalType),
    text(f.nativeId),
    text(f.credentialId),
    text(f.createdAt),
    text(f.lastUsedAt),
    text(f.ageDays),
    text(f.person?.employeeId),
    text(f.person?.email),
    text(f.person?.displayName),
    text(f.person?.departedAt),
    text(f.match?.by),
    text(f.match?.strength),
    f.decision.action,
    f.decision.why,
    f.outcome,
    text(revokedAt?.at),
    text(verifiedAt?.at),
    errors,
    text(f.reference),
  ];
}

/**
 * The CSV report of a scan: a header and one row per finding, CRLF line endings (RFC 4180),
 * every cell formula-safe.
 */
export function toCsvReport(report: ScanReport, meta?: ReportMeta): string {
  const json = toJsonReport(report, meta);
  const lines = [CSV_COLUMNS.join(","), ...json.findings.map((f) => row(f).map(csvCell).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}
