import { isoTimestamp } from "../clock.ts";
import { describeCredential, hasDeparted, type Rule } from "./rule.ts";

/**
 * A credential used after its owner left: an incident, not hygiene. The 2025 breach this
 * product answers ran for five months on exactly this.
 */
export const usedAfterDeparture: Rule = {
  id: "used-after-departure",
  severity: "critical",
  title: "Credential used after its owner left",
  why: "Use after departure means someone is exercising access that should no longer exist: investigate now.",
  reference:
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#security-creds-audit-key-usage",
  evaluate({ credential, match, now }) {
    // A service principal the person owned keeps running after they leave: that is a workload,
    // not the person (its ownership transfer is ticketed by departed-owner-active-credential).
    if (!hasDeparted(match, now) || !credential.lastUsed || credential.principalType === "service")
      return undefined;
    const usedAt = credential.lastUsed.at;
    if (usedAt.getTime() <= match.person.departedAt.getTime()) return undefined;
    const hours = Math.round((usedAt.getTime() - match.person.departedAt.getTime()) / 3_600_000);
    return {
      summary: `${describeCredential(credential)} was used ${hours} hour(s) after ${match.person.emails[0] ?? match.person.employeeId} left`,
      evidence: {
        departedAt: isoTimestamp(match.person.departedAt),
        lastUsedAt: isoTimestamp(usedAt),
        lastUsedService: credential.lastUsed.service ?? null,
        lastUsedRegion: credential.lastUsed.region ?? null,
        lastUsedIp: credential.lastUsed.ip ?? null,
        hoursAfterDeparture: hours,
      },
    };
  },
};
