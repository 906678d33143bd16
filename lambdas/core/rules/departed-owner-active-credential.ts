import { daysBetween } from "../clock.ts";
import { describeCredential, hasDeparted, type Rule } from "./rule.ts";

/**
 * An active credential whose owner has left. The core of offboarding: AWS's guidance is to
 * remove a departing user's credentials when they leave.
 */
export const departedOwnerActiveCredential: Rule = {
  id: "departed-owner-active-credential",
  severity: "high",
  title: "Active credential of a person who has left",
  why: "A credential that outlives its owner's employment is access nobody is accountable for.",
  reference:
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#securing_access-keys",
  evaluate({ credential, match, now }) {
    if (!credential.active || !hasDeparted(match, now)) return undefined;
    const days = daysBetween(match.person.departedAt, now);
    return {
      summary: `${describeCredential(credential)} is still active ${days} day(s) after ${match.person.emails[0] ?? match.person.employeeId} left`,
      // Who, and how the match was made, live in `finding.match`; the evidence is what this rule read.
      evidence: {
        daysSinceDeparture: days,
        principalType: credential.principalType,
      },
    };
  },
};
