import type { AccessKey, IamState, SecondaryCredential } from "./state.ts";

/** The 22 columns of an IAM credential report, in AWS's order. */
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

/** The report writes times as `2024-01-02T03:04:05+00:00`. */
function reportTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

function keyColumns(key: AccessKey | undefined): string[] {
  if (!key) return ["false", "N/A", "N/A", "N/A", "N/A"];
  return [
    key.status === "Active" ? "true" : "false",
    reportTime(key.createdAt),
    key.lastUsedAt ? reportTime(key.lastUsedAt) : "N/A",
    key.lastUsedAt ? (key.lastUsedRegion ?? "N/A") : "N/A",
    key.lastUsedAt ? (key.lastUsedService ?? "N/A") : "N/A",
  ];
}

function certColumns(cert: SecondaryCredential | undefined): string[] {
  if (!cert) return ["false", "N/A"];
  return [cert.status === "Active" ? "true" : "false", reportTime(cert.createdAt)];
}

function byCreation<T extends { createdAt: Date }>(items: readonly T[]): T[] {
  return items.length < 2
    ? [...items]
    : [...items].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * Builds the credential report CSV the way AWS lays it out: a header row, the
 * `<root_account>` row, then one row per user. Values are never quoted: none of them can
 * contain a comma (user names and paths exclude it).
 */
export function buildCredentialReportCsv(iam: IamState): string {
  const lines: string[] = [CREDENTIAL_REPORT_COLUMNS.join(",")];
  const rootKeys = byCreation(iam.rootAccessKeys);
  lines.push(
    [
      "<root_account>",
      `arn:aws:iam::${iam.accountId}:root`,
      reportTime(iam.accountCreatedAt),
      "not_supported",
      "no_information",
      "not_supported",
      "not_supported",
      "false",
      ...keyColumns(rootKeys[0]),
      ...keyColumns(rootKeys[1]),
      "false",
      "N/A",
      "false",
      "N/A",
    ].join(","),
  );
  for (const user of iam.users.values()) {
    const keys = byCreation(user.accessKeys);
    const certs = byCreation(user.signingCertificates);
    const hasPassword = user.loginProfile !== undefined;
    lines.push(
      [
        user.userName,
        user.arn,
        reportTime(user.createdAt),
        hasPassword ? "true" : "false",
        hasPassword ? (user.passwordLastUsed ? reportTime(user.passwordLastUsed) : "no_information") : "N/A",
        user.loginProfile ? reportTime(user.loginProfile.createdAt) : "N/A",
        "N/A",
        user.mfaDevices.length > 0 ? "true" : "false",
        ...keyColumns(keys[0]),
        ...keyColumns(keys[1]),
        ...certColumns(certs[0]),
        ...certColumns(certs[1]),
      ].join(","),
    );
  }
  return lines.join("\n");
}
