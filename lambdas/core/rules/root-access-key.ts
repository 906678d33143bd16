import type { Rule } from "./rule.ts";

/** The account root user has an access key (CIS AWS Foundations 1.4). */
export const rootAccessKey: Rule = {
  id: "root-access-key",
  severity: "critical",
  title: "Root user access key",
  why: "Root keys cannot be limited by any policy and belong to no person; CIS requires that none exist.",
  reference: "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-4",
  evaluate({ credential }) {
    if (!credential.isRoot || credential.kind !== "access-key" || !credential.active) return undefined;
    return {
      summary: `The account root user has an active access key (${credential.nativeId})`,
      evidence: { account: credential.account },
    };
  },
};
