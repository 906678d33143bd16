/**
 * The domain model: people who leave, the credentials they may still hold, and what the
 * scanner concludes about them. Plain data only, so a plan serialises to JSON unchanged.
 */

/** Where a credential lives. One adapter per source in `lambdas/sources/`. */
export const SOURCE_IDS = ["aws-iam", "aws-cognito", "google-workspace", "okta", "github"] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

/** What kind of credential it is. A source may emit several kinds. */
export const CREDENTIAL_KINDS = [
  "access-key",
  "console-password",
  "ssh-key",
  "service-specific-credential",
  "signing-certificate",
  "sts-sessions",
  "cognito-sessions",
  "oauth-grant",
  "app-password",
  "refresh-token",
  "web-sessions",
  "personal-access-token",
  "sso-authorization",
] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** Whether a principal belongs to one person, to a workload, or nobody can tell. */
export type PrincipalType = "human" | "service" | "unknown";

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Orders severities, so `--fail-on high` can compare them. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** A person on the HR departure list. */
export interface Person {
  /** HR's employee id, the strongest identifier when a credential carries it. */
  readonly employeeId?: string;
  /** Work emails, as HR wrote them (normalised for matching, not here). */
  readonly emails: readonly string[];
  /** Other names the person used: IAM user names, GitHub logins, Okta logins. */
  readonly aliases: readonly string[];
  readonly displayName?: string;
  /** When the person left. A future date means the departure is scheduled. */
  readonly departedAt: Date;
  readonly managerEmail?: string;
  readonly slackUserId?: string;
}

/** The last recorded use of a credential. */
export interface LastUse {
  readonly at: Date;
  readonly service?: string;
  readonly region?: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

/** What a credential says about its owner, before anyone decides who that is. */
export interface OwnerHints {
  readonly employeeIds: readonly string[];
  readonly emails: readonly string[];
  readonly usernames: readonly string[];
  /** Raw tags or attributes, e.g. IAM user tags, so owner tag keys can be configured. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A credential that can outlive employment. */
export interface Credential {
  /** Stable across runs: `source:account:kind:nativeId`. */
  readonly id: string;
  readonly source: SourceId;
  readonly kind: CredentialKind;
  /** The provider's own id (access key id, SSH key id, OAuth client id, ...). */
  readonly nativeId: string;
  /** AWS account id, Cognito pool's account, Google/Okta tenant, GitHub org. */
  readonly account: string;
  /** The principal holding it: IAM user name, Cognito username, login, email. */
  readonly principal: string;
  readonly principalArn?: string;
  readonly principalType: PrincipalType;
  readonly ownerHints: OwnerHints;
  readonly createdAt?: Date;
  /** `null`: never used. `undefined`: the source cannot tell. */
  readonly lastUsed?: LastUse | null;
  readonly active: boolean;
  /** For console passwords: whether the principal has MFA. */
  readonly mfaEnabled?: boolean;
  /** The AWS account root user. */
  readonly isRoot?: boolean;
  /** When the source read this data (a credential report may be hours old). */
  readonly observedAt: Date;
  /**
   * Source-specific facts the finding shows (pool id, token validity, scopes, ...). A few are
   * read by the core: `caveat` (carried into findings' evidence), `ownerTagsRead: false` (no
   * unowned finding), `revocationOff` (the source's settings turned its revocation off, with
   * the setting's name: the policy tickets instead of revoking).
   */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

/** How sure a match between a credential and a person is. */
export type MatchStrength = "exact" | "strong" | "weak";

/** What a match was made on. */
export type MatchBasis = "employee-id" | "email" | "owner-tag" | "alias" | "username-convention";

/** A credential matched to a person, with the evidence for it. */
export interface Match {
  readonly person: Person;
  readonly by: MatchBasis;
  readonly strength: MatchStrength;
  /** The credential-side value that matched (a tag value, an email, a user name). */
  readonly value: string;
  /** One line a security engineer can check. */
  readonly evidence: string;
}

/** Evidence values a rule records; plain data so findings serialise. */
export type Evidence = Readonly<Record<string, string | number | boolean | null>>;

/** The rules the core knows. */
export const RULE_IDS = [
  "departed-owner-active-credential",
  "used-after-departure",
  "unused-credential",
  "unrotated-access-key",
  "console-password-without-mfa",
  "unowned-credential",
  "root-access-key",
  "departure-list-rejected",
  "revocation-brake-engaged",
  "source-error",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** A rule's verdict on one credential. */
export interface Finding {
  /** Stable: the same credential and rule give the same id on every run. */
  readonly id: string;
  readonly ruleId: RuleId;
  readonly severity: Severity;
  readonly title: string;
  /** One line: what is wrong with this credential. */
  readonly summary: string;
  /** `undefined` for findings about the run itself (brake, rejected list). */
  readonly credential?: Credential;
  readonly match?: Match;
  readonly evidence: Evidence;
  readonly reference?: string;
}

/** What the policy decided to do about a finding. */
export type DecisionAction =
  | "revoke"
  | "ticket"
  | "notify"
  | "ignore"
  | "excepted"
  | "protected"
  | "held-by-brake"
  | "scheduled";

export interface Decision {
  readonly findingId: string;
  readonly action: DecisionAction;
  /** One line a security engineer can read. */
  readonly why: string;
}

/** What happened to one planned step. */
export type ActionStatus = "planned" | "done" | "verified" | "failed" | "skipped";

/** One revocation, ticket or message, and its outcome. */
export interface ActionRecord {
  readonly type: "revoke" | "verify" | "ticket" | "notify" | "incident";
  readonly status: ActionStatus;
  /** What was (or would be) done, e.g. `UpdateAccessKey AKIA... Inactive`. */
  readonly detail: string;
  readonly at?: Date;
  readonly error?: { readonly name: string; readonly message: string };
}
