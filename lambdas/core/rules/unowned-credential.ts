import type { CredentialKind } from "../model.ts";
import { describeCredential, type Rule } from "./rule.ts";

/** Pseudo-credentials that stand for sessions; their principal's real credentials carry the finding. */
const SESSION_KINDS: ReadonlySet<CredentialKind> = new Set([
  "sts-sessions",
  "cognito-sessions",
  "web-sessions",
]);

/**
 * A credential nobody can be resolved as owning: no owner email, employee id or owner user
 * name on its principal. When its owner leaves, only its name can tie it to them, and only if
 * the name happens to fit one of `ownership.usernameConventions` (a name built from a display
 * name is a weak match, which is never revoked automatically).
 * A source that could not read its principal's tags in this run says so with
 * `details.ownerTagsRead: false`; "no owner tag" cannot be told from "tags unread" then, so
 * such a credential is not flagged (the source's problem is reported instead).
 */
export const unownedCredential: Rule = {
  id: "unowned-credential",
  severity: "low",
  title: "Credential with no resolvable owner",
  why: "Offboarding works by matching credentials to people; without an owner tag a credential is matched only if its name happens to fit a naming convention.",
  reference: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html",
  evaluate({ credential, match }) {
    if (!credential.active || credential.isRoot || SESSION_KINDS.has(credential.kind) || match)
      return undefined;
    if (credential.details?.ownerTagsRead === false) return undefined;
    const hints = credential.ownerHints;
    if (hints.emails.length + hints.employeeIds.length + hints.usernames.length > 0) return undefined;
    if (credential.principal.includes("@")) return undefined;
    return {
      summary: `${describeCredential(credential)} has no owner tag: only its name could tie it to its owner when they leave`,
      evidence: { principalType: credential.principalType },
    };
  },
};
