import { describeCredential, type Rule } from "./rule.ts";

/** A console password with no MFA device (CIS AWS Foundations 1.10). */
export const consolePasswordWithoutMfa: Rule = {
  id: "console-password-without-mfa",
  severity: "high",
  title: "Console password without MFA",
  why: "A password alone is one phishing email from a console session; MFA is the control CIS requires.",
  reference: "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-5",
  evaluate({ credential }) {
    if (credential.kind !== "console-password" || !credential.active || credential.mfaEnabled !== false) {
      return undefined;
    }
    return {
      summary: `${describeCredential(credential)} has no MFA device`,
      evidence: { mfaEnabled: false },
    };
  },
};
