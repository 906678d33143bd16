/**
 * Pure parsing of the IAM credential report: one CSV row per IAM user plus the
 * `<root_account>` row, 22 columns, read by header name so a column AWS adds later does not
 * shift the others.
 *
 * Column meanings and special values:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html#id_credentials_understanding_the_report_format
 */

/** The columns this parser needs, as AWS names them in the header row. */
export const CREDENTIAL_REPORT_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "password_last_changed",
  "password_next_rotation",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_1_last_used_region",
  "access_key_1_last_used_service",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
  "access_key_2_last_used_region",
  "access_key_2_last_used_service",
  "cert_1_active",
  "cert_1_last_rotated",
  "cert_2_active",
  "cert_2_last_rotated",
] as const;
type Column = (typeof CREDENTIAL_REPORT_COLUMNS)[number];

/** The user name AWS writes for the account's root user. */
export const ROOT_ACCOUNT_USER = "<root_account>";

/**
 * A time cell. Besides an ISO-8601 time, AWS writes `N/A` (nothing to report: no such
 * credential, or never used), `no_information` (IAM has no data, e.g. a password never used
 * since tracking began on 2014-10-20) and `not_supported` (the field does not apply, e.g.
 * the root user's password rotation).
 */
export type ReportTime = Date | "N/A" | "no_information" | "not_supported";

/** A boolean cell; the root row writes `not_supported` for `password_enabled`. */
export type ReportBoolean = boolean | "not_supported";

/** One access key slot (`access_key_1` or `access_key_2`) that holds a key. */
export interface ReportAccessKey {
  /** The report's slot. The report carries no key ids: the slot is all it says. */
  readonly slot: 1 | 2;
  readonly active: boolean;
  /** When the key was created or last rotated: the key's creation time, in practice. */
  readonly lastRotated: Date;
  readonly lastUsedDate: ReportTime;
  /** `undefined` when AWS wrote `N/A` (never used). */
  readonly lastUsedRegion: string | undefined;
  readonly lastUsedService: string | undefined;
}

/** One signing-certificate slot (`cert_1` or `cert_2`) that holds a certificate. */
export interface ReportCertificate {
  readonly slot: 1 | 2;
  readonly active: boolean;
  readonly lastRotated: Date;
}

/** One parsed row of the report. */
export interface CredentialReportRow {
  /** The IAM user name, or `<root_account>`. */
  readonly user: string;
  readonly arn: string;
  readonly isRoot: boolean;
  /** The IAM path, taken from the ARN (`/` for root). */
  readonly path: string;
  readonly userCreationTime: ReportTime;
  readonly passwordEnabled: ReportBoolean;
  readonly passwordLastUsed: ReportTime;
  readonly passwordLastChanged: ReportTime;
  readonly passwordNextRotation: ReportTime;
  readonly mfaActive: boolean;
  /** Only the slots that hold a key (`last_rotated` is a time). */
  readonly accessKeys: readonly ReportAccessKey[];
  /** Only the slots that hold a certificate. */
  readonly certificates: readonly ReportCertificate[];
}

/** A parsed report. */
export interface CredentialReport {
  readonly rows: readonly CredentialReportRow[];
  /** `GeneratedTime` from GetCredentialReport, when known. */
  readonly generatedAt?: Date;
}

/** The report could not be read: a missing column, a bad value, a bad encoding. */
export class CredentialReportFormatError extends Error {
  override readonly name = "CredentialReportFormatError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Turns GetCredentialReport's `Content` into CSV text. The API documents `Content` as a
 * base64 blob; the SDK already decodes blobs to bytes, so a `Uint8Array` is the CSV itself
 * and a string is still base64 (as a raw Query/XML reader or a fixture would hold it).
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html
 */
export function decodeReportContent(content: Uint8Array | string): string {
  const text = typeof content === "string" ? Buffer.from(content, "base64").toString("utf8") : utf8(content);
  if (text.startsWith("user,")) return text;
  // Some transports hand over the base64 text as bytes; decode once more if it is base64.
  const trimmed = text.trim();
  if (/^[A-Za-z0-9+/=\r\n]+$/.test(trimmed)) {
    const again = Buffer.from(trimmed, "base64").toString("utf8");
    if (again.startsWith("user,")) return again;
  }
  throw new CredentialReportFormatError("credential report content is neither CSV nor base64-encoded CSV");
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes).replace(/^\uFEFF/, "");
}

/** Parses the report's CSV text. Throws `CredentialReportFormatError` on a malformed report. */
export function parseCredentialReport(csv: string, generatedAt?: Date): CredentialReport {
  const lines = splitCsv(csv);
  const header = lines[0];
  if (!header) throw new CredentialReportFormatError("credential report is empty");
  const index = new Map<string, number>(header.map((name, i) => [name.trim(), i]));
  const missing = CREDENTIAL_REPORT_COLUMNS.filter((c) => !index.has(c));
  if (missing.length > 0) {
    throw new CredentialReportFormatError(`credential report lacks columns: ${missing.join(", ")}`);
  }
  const rows: CredentialReportRow[] = [];
  for (let n = 1; n < lines.length; n++) {
    const cells = lines[n]!;
    if (cells.length === 1 && cells[0] === "") continue;
    const cell = (column: Column): string => {
      const value = cells[index.get(column)!];
      if (value === undefined) {
        throw new CredentialReportFormatError(`credential report line ${n + 1} has no ${column} value`);
      }
      return value;
    };
    rows.push(parseRow(cell, n + 1));
  }
  return generatedAt === undefined ? { rows } : { rows, generatedAt };
}

/** Decodes and parses in one step: what GetCredentialReport returns, as the SDK returns it. */
export function readCredentialReport(content: Uint8Array | string, generatedAt?: Date): CredentialReport {
  return parseCredentialReport(decodeReportContent(content), generatedAt);
}

function parseRow(cell: (column: Column) => string, line: number): CredentialReportRow {
  const user = cell("user");
  const arn = cell("arn");
  const isRoot = user === ROOT_ACCOUNT_USER;
  const time = (column: Column): ReportTime => parseTime(cell(column), column, line);
  const bool = (column: Column): boolean => {
    const value = parseBoolean(cell(column), column, line);
    // `not_supported` only appears in boolean columns of the root row; read it as "no".
    return value === "not_supported" ? false : value;
  };
  const accessKeys: ReportAccessKey[] = [];
  for (const slot of [1, 2] as const) {
    const lastRotated = time(`access_key_${slot}_last_rotated`);
    if (!(lastRotated instanceof Date)) continue;
    accessKeys.push({
      slot,
      active: bool(`access_key_${slot}_active`),
      lastRotated,
      lastUsedDate: time(`access_key_${slot}_last_used_date`),
      lastUsedRegion: text(cell(`access_key_${slot}_last_used_region`)),
      lastUsedService: text(cell(`access_key_${slot}_last_used_service`)),
    });
  }
  const certificates: ReportCertificate[] = [];
  for (const slot of [1, 2] as const) {
    const lastRotated = time(`cert_${slot}_last_rotated`);
    if (!(lastRotated instanceof Date)) continue;
    certificates.push({ slot, active: bool(`cert_${slot}_active`), lastRotated });
  }
  return {
    user,
    arn,
    isRoot,
    path: isRoot ? "/" : pathFromArn(arn),
    userCreationTime: time("user_creation_time"),
    passwordEnabled: parseBoolean(cell("password_enabled"), "password_enabled", line),
    passwordLastUsed: time("password_last_used"),
    passwordLastChanged: time("password_last_changed"),
    passwordNextRotation: time("password_next_rotation"),
    mfaActive: bool("mfa_active"),
    accessKeys,
    certificates,
  };
}

const SPECIAL_TIMES = new Set(["N/A", "no_information", "not_supported"]);

function parseTime(value: string, column: string, line: number): ReportTime {
  if (SPECIAL_TIMES.has(value)) return value as ReportTime;
  const at = new Date(value);
  if (value === "" || Number.isNaN(at.getTime())) {
    throw new CredentialReportFormatError(
      `credential report line ${line}: ${column} is not a time: "${value}"`,
    );
  }
  return at;
}

function parseBoolean(value: string, column: string, line: number): ReportBoolean {
  if (value === "true") return true;
  if (value === "false") return false;
  if (value === "not_supported") return "not_supported";
  throw new CredentialReportFormatError(
    `credential report line ${line}: ${column} is not a boolean: "${value}"`,
  );
}

function text(value: string): string | undefined {
  return SPECIAL_TIMES.has(value) || value === "" ? undefined : value;
}

/** `arn:aws:iam::123456789012:user/division/team/alice` -> `/division/team/`. */
export function pathFromArn(arn: string): string {
  const resource = arn.split(":").slice(5).join(":");
  const slash = resource.indexOf("/");
  const last = resource.lastIndexOf("/");
  if (slash === -1 || slash === last) return "/";
  return resource.slice(slash, last + 1);
}

/**
 * Splits CSV into rows of cells. AWS does not quote cells today (no value can hold a comma),
 * but RFC 4180 quoting is honoured so a quoted cell never shifts the columns.
 */
function splitCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"' && cell === "") {
      quoted = true;
    } else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && csv[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else {
      cell += c;
    }
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
