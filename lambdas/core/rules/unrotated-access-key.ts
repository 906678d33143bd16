import { daysBetween, isoTimestamp } from "../clock.ts";
import { describeCredential, type Rule } from "./rule.ts";

/** An access key older than N days (CIS AWS Foundations 1.14: 90). */
export const unrotatedAccessKey: Rule = {
  id: "unrotated-access-key",
  severity: "medium",
  title: "Access key not rotated",
  why: "Long-lived keys leak into laptops, CI logs and backups; rotation bounds how long a leaked key works.",
  reference: "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-3",
  evaluate({ credential, now, settings }) {
    if (credential.kind !== "access-key" || !credential.active || !credential.createdAt) return undefined;
    const age = daysBetween(credential.createdAt, now);
    if (age < settings.unrotatedDays) return undefined;
    return {
      summary: `${describeCredential(credential)} is ${age} day(s) old`,
      evidence: {
        createdAt: isoTimestamp(credential.createdAt),
        ageDays: age,
        thresholdDays: settings.unrotatedDays,
      },
    };
  },
};
