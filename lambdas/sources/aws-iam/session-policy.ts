/**
 * The inline policy that revokes STS sessions already issued: deny everything to any
 * request signed with a token issued before a given instant. It is the mechanism behind the
 * console's "Revoke active sessions" button ("Revoking IAM role temporary security
 * credentials"), which writes `AWSRevokeOlderSessions` with the same condition:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
 * For IAM users the same condition stops session tokens (GetSessionToken, federation,
 * console sessions) while long-term access key requests, which carry no
 * `aws:TokenIssueTime`, are unaffected and must be deactivated separately:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
 *
 * Pure functions only; the IAM calls live in `revoke.ts`.
 */

/** The inline policy name this scanner owns, on users and on roles. */
export const SESSION_REVOCATION_POLICY_NAME = "IamHygieneRevokeOlderSessions";

/**
 * The fallback for a user with no room left for the policy (IAM caps a user's inline policies at
 * 2,048 characters, whitespace aside): AWS's own managed `AWSDenyAll`, which denies every action,
 * attached instead. It revokes the sessions too, and more; detaching it undoes it.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSDenyAll.html
 */
export const DENY_ALL_POLICY_NAME = "AWSDenyAll";

/** `AWSDenyAll`'s ARN in a partition (`aws`, `aws-cn`, `aws-us-gov`). */
export function denyAllPolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/${DENY_ALL_POLICY_NAME}`;
}

/** Whether `arn` is `AWSDenyAll`'s, in any partition. */
export function isDenyAllPolicyArn(arn: string | undefined): boolean {
  return arn !== undefined && /^arn:[\w-]+:iam::aws:policy\/AWSDenyAll$/.test(arn);
}

const CONDITION_KEY = "aws:TokenIssueTime";

/** An IAM policy document, as far as this module reads it. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly PolicyStatement[];
}

interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** A policy document that is not JSON or not a policy. */
export class PolicyDocumentError extends Error {
  override readonly name = "PolicyDocumentError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Formats the cut-off for the condition, in whole seconds as the console writes it. The
 * instant is rounded up, never down, so the written cut-off is never earlier than asked: a
 * token issued in the same second as the departure is denied too.
 * Date condition operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
 */
export function formatIssueTime(at: Date): string {
  const ms = Math.ceil(at.getTime() / 1000) * 1000;
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

/** The revocation policy: deny `*` on `*` to tokens issued before `issuedBefore`. */
export function sessionRevocationPolicy(issuedBefore: Date): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "IamHygieneRevokeOlderSessions",
        Effect: "Deny",
        Action: ["*"],
        Resource: ["*"],
        Condition: { DateLessThan: { [CONDITION_KEY]: formatIssueTime(issuedBefore) } },
      },
    ],
  };
}

/**
 * Reads a policy document as GetUserPolicy/GetRolePolicy return it: URL-encoded JSON
 * (RFC 3986), which the SDK does not decode.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetUserPolicy.html
 */
export function decodePolicyDocument(raw: string): PolicyDocument {
  const trimmed = raw.trim();
  let text: string;
  try {
    text = trimmed.startsWith("{") ? trimmed : decodeURIComponent(trimmed);
  } catch (error) {
    throw new PolicyDocumentError("policy document is not valid URL-encoded text", { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PolicyDocumentError("policy document is not JSON", { cause: error });
  }
  if (typeof value !== "object" || value === null || !("Statement" in value)) {
    throw new PolicyDocumentError("policy document has no Statement");
  }
  const doc = value as { Version?: unknown; Statement: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return { Version: String(doc.Version ?? "2012-10-17"), Statement: statements as PolicyStatement[] };
}

/**
 * The latest cut-off any Deny statement of `document` enforces on `aws:TokenIssueTime`,
 * or `undefined` when none does. Only a statement denying every action on every resource
 * counts: a narrower deny does not revoke a session.
 */
export function revokedBefore(document: PolicyDocument): Date | undefined {
  let latest: Date | undefined;
  for (const statement of document.Statement) {
    if (statement.Effect !== "Deny" || !isWildcard(statement.Action) || !isWildcard(statement.Resource))
      continue;
    const conditions = statement.Condition ?? {};
    for (const operator of ["DateLessThan", "DateLessThanEquals"]) {
      const value = conditions[operator]?.[CONDITION_KEY];
      for (const text of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
        const at = new Date(text as string);
        if (!Number.isNaN(at.getTime()) && (latest === undefined || at > latest)) latest = at;
      }
    }
  }
  return latest;
}

function isWildcard(value: string | readonly string[] | undefined): boolean {
  if (value === undefined) return false;
  return typeof value === "string" ? value === "*" : value.includes("*");
}

/** What writing the revocation policy over an existing one amounts to. */
export interface SessionPolicyMerge {
  /** The document to write. */
  readonly document: PolicyDocument;
  /** The cut-off the written document enforces: the later of the existing and requested one. */
  readonly issuedBefore: Date;
  /** The existing policy already enforces this cut-off or a later one: nothing to write. */
  readonly unchanged: boolean;
}

/**
 * Merges a requested cut-off with the policy already in place (its raw, possibly
 * URL-encoded text, or `undefined` when there is none). Never moves the cut-off earlier: an
 * earlier time would bring back sessions a previous run (or a human) revoked.
 */
export function mergeSessionRevocation(existing: string | undefined, requested: Date): SessionPolicyMerge {
  const requestedAt = new Date(Math.ceil(requested.getTime() / 1000) * 1000);
  const current = existing === undefined ? undefined : revokedBefore(decodePolicyDocument(existing));
  const issuedBefore = current !== undefined && current > requestedAt ? current : requestedAt;
  return {
    document: sessionRevocationPolicy(issuedBefore),
    issuedBefore,
    unchanged: current !== undefined && current >= requestedAt,
  };
}
