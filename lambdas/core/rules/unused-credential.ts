import { DAY_MS, daysBetween, isoTimestamp } from "../clock.ts";
import type { CredentialKind } from "../model.ts";
import { describeCredential, type Rule, type RuleVerdict } from "./rule.ts";

/** Kinds whose last use a source can report. */
const USAGE_TRACKED: ReadonlySet<CredentialKind> = new Set([
  "access-key",
  "console-password",
  "ssh-key",
  "service-specific-credential",
  "app-password",
  "oauth-grant",
  "refresh-token",
  "personal-access-token",
  "sso-authorization",
  "cognito-sessions",
]);

/**
 * A credential unused for N days (CIS AWS Foundations 1.12 says 45), or never used at all
 * some days after it was created: a key nobody uses is a key nobody will miss, and nobody
 * will notice being used either.
 */
export const unusedCredential: Rule = {
  id: "unused-credential",
  severity: "medium",
  title: "Credential unused for too long, or never used",
  why: "Unused credentials add risk without value; CIS asks that credentials unused for 45 days be disabled.",
  reference: "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-22",
  evaluate({ credential, now, settings }): RuleVerdict | undefined {
    if (!credential.active || !USAGE_TRACKED.has(credential.kind)) return undefined;
    const swept = sweptInactive(credential.details);
    if (swept)
      return { summary: `${describeCredential(credential)} ${swept.summary}`, evidence: swept.evidence };
    if (credential.lastUsed === undefined) return undefined;
    if (credential.lastUsed === null) {
      if (!credential.createdAt) return undefined;
      const age = daysBetween(credential.createdAt, now);
      if (now.getTime() - credential.createdAt.getTime() < settings.neverUsedGraceDays * DAY_MS)
        return undefined;
      return {
        summary: `${describeCredential(credential)} was created ${age} day(s) ago and never used`,
        evidence: { neverUsed: true, createdAt: isoTimestamp(credential.createdAt), ageDays: age },
      };
    }
    const idle = daysBetween(credential.lastUsed.at, now);
    if (idle < settings.unusedDays) return undefined;
    return {
      summary: `${describeCredential(credential)} has not been used for ${idle} day(s)`,
      evidence: {
        neverUsed: false,
        lastUsedAt: isoTimestamp(credential.lastUsed.at),
        idleDays: idle,
        thresholdDays: settings.unusedDays,
      },
    };
  },
};

/**
 * A source's own inactivity sweep (Cognito's `hygieneSweep`): it already applied its threshold
 * (`inactiveThresholdDays`) on its own basis (last sign-in, or `UserLastModifiedDate` when the
 * pool has no sign-in history), which may not be a last use the generic test above can read.
 */
function sweptInactive(
  details: Readonly<Record<string, string | number | boolean | null>> | undefined,
): { summary: string; evidence: RuleVerdict["evidence"] } | undefined {
  if (details?.hygiene !== "inactive" || typeof details.inactiveDays !== "number") return undefined;
  const basis = typeof details.inactivityBasis === "string" ? details.inactivityBasis : "unknown";
  return {
    summary: `has been inactive for ${details.inactiveDays} day(s) (measured by ${basis})`,
    evidence: {
      neverUsed: false,
      inactiveDays: details.inactiveDays,
      thresholdDays: typeof details.inactiveThresholdDays === "number" ? details.inactiveThresholdDays : null,
      inactivityBasis: basis,
      inactiveSince: typeof details.inactiveSince === "string" ? details.inactiveSince : null,
    },
  };
}
