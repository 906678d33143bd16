/**
 * Policy: what happens to each finding. Report mode by default; revocation only of a
 * departed person's own human credentials, matched strongly, after the grace period, never
 * of a protected principal, never past the brake. Everything else is a ticket or a message.
 */
import { HOUR_MS } from "./clock.ts";
import { foldIdentifier } from "./identity.ts";
import type { Credential, Decision, DecisionAction, Finding, RuleId } from "./model.ts";

export type RuleAction = "revoke" | "ticket" | "notify" | "ignore";

/** What each rule does unless configured otherwise. */
export const DEFAULT_RULE_ACTIONS: Readonly<Record<RuleId, RuleAction>> = {
  "departed-owner-active-credential": "revoke",
  "used-after-departure": "revoke",
  "unused-credential": "notify",
  "unrotated-access-key": "notify",
  "console-password-without-mfa": "notify",
  "unowned-credential": "ticket",
  "root-access-key": "ticket",
  "departure-list-rejected": "notify",
  "revocation-brake-engaged": "notify",
  "source-error": "notify",
};

/** A time-boxed, approved exception. */
export interface PolicyException {
  readonly principal?: string;
  readonly credentialId?: string;
  readonly rule?: RuleId;
  readonly reason: string;
  readonly approver: string;
  readonly expires: Date;
}

export interface PolicySettings {
  readonly actions: Partial<Readonly<Record<RuleId, RuleAction>>>;
  readonly gracePeriodHours: number;
  readonly exceptions: readonly PolicyException[];
  /** Names, ARNs or emails, with `*` wildcards. Never acted on, whatever else says. */
  readonly protectedPrincipals: readonly string[];
}

/** Whether a principal, its ARN or an owner email matches a protected pattern. */
export function isProtected(credential: Credential, patterns: readonly string[]): string | undefined {
  if (patterns.length === 0) return undefined;
  return protectedPattern(
    [credential.principal, credential.principalArn, ...credential.ownerHints.emails],
    patterns,
  );
}

/** The first protected pattern (a glob, `*` for any run) that one of `subjects` matches. */
export function protectedPattern(
  subjects: readonly (string | undefined)[],
  patterns: readonly string[],
): string | undefined {
  for (const pattern of patterns) {
    const re = globToRegExp(pattern);
    if (subjects.some((subject) => typeof subject === "string" && subject.length > 0 && re.test(subject)))
      return pattern;
  }
  return undefined;
}

/** Compiled globs: a plan asks about every finding, and a config names a handful of patterns. */
const GLOBS = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let re = GLOBS.get(pattern);
  if (!re) {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    // Neither global nor sticky: `test` keeps no state between subjects, so one object serves all.
    re = new RegExp(`^${escaped}$`, "i");
    GLOBS.set(pattern, re);
  }
  return re;
}

function activeException(finding: Finding, exceptions: readonly PolicyException[], now: Date) {
  const credential = finding.credential;
  if (!credential) return undefined;
  return exceptions.find(
    (e) =>
      e.expires.getTime() > now.getTime() &&
      (e.rule === undefined || e.rule === finding.ruleId) &&
      (e.credentialId === undefined ||
        e.credentialId === credential.id ||
        e.credentialId === credential.nativeId) &&
      (e.principal === undefined ||
        sameName(e.principal, credential.principal) ||
        sameName(e.principal, credential.principalArn)),
  );
}

/**
 * Whether an exception's principal names this one: IAM user and role names are unique whatever
 * their case, so "Jane.Doe" in an approved exception is the user `jane.doe` (as protected
 * principals match case-insensitively too).
 */
function sameName(named: string, actual: string | undefined): boolean {
  return actual !== undefined && foldIdentifier(named) === foldIdentifier(actual);
}

/** What deferred work on an earlier run's revocation is about: a principal, and its findings. */
export interface DeferredSubject {
  readonly principal: string;
  /** The credentials as this run discovered them, when it did (for their ARN and owner emails). */
  readonly credentials: readonly Credential[];
  /** The credentials' ids, as stored on their findings (discovered or not). */
  readonly credentialIds: readonly string[];
  readonly ruleIds: readonly string[];
}

/**
 * Why deferred work on a credential an earlier run revoked (deleting a quarantined key) must not
 * run now, or `undefined`: its principal has become protected, or an exception approved since
 * covers it. The same tests as `decide`, asked again, because the work cannot be undone.
 */
export function leaveAlone(
  subject: DeferredSubject,
  settings: Pick<PolicySettings, "protectedPrincipals" | "exceptions">,
  now: Date,
): string | undefined {
  const patterns = settings.protectedPrincipals;
  for (const credential of subject.credentials) {
    const pattern = isProtected(credential, patterns);
    if (pattern !== undefined) return `${credential.principal} is protected (${pattern})`;
  }
  const pattern = patterns.length > 0 ? protectedPattern([subject.principal], patterns) : undefined;
  if (pattern !== undefined) return `${subject.principal} is protected (${pattern})`;
  const ids = new Set([...subject.credentialIds, ...subject.credentials.flatMap((c) => [c.id, c.nativeId])]);
  const arns = subject.credentials.map((c) => c.principalArn);
  const exception = settings.exceptions.find(
    (e) =>
      e.expires.getTime() > now.getTime() &&
      (e.rule === undefined || subject.ruleIds.includes(e.rule)) &&
      (e.credentialId === undefined || ids.has(e.credentialId)) &&
      (e.principal === undefined ||
        sameName(e.principal, subject.principal) ||
        arns.some((arn) => sameName(e.principal!, arn))),
  );
  return exception
    ? `exception until ${exception.expires.toISOString().slice(0, 10)} approved by ${exception.approver}: ${exception.reason}`
    : undefined;
}

function decision(finding: Finding, action: DecisionAction, why: string): Decision {
  return { findingId: finding.id, action, why };
}

/** Decides what to do about one finding. The brake is applied afterwards, across the run. */
export function decide(finding: Finding, settings: PolicySettings, now: Date): Decision {
  const credential = finding.credential;
  if (credential) {
    const pattern = isProtected(credential, settings.protectedPrincipals);
    if (pattern !== undefined) {
      return decision(
        finding,
        "protected",
        `${credential.principal} is protected (${pattern}): never acted on`,
      );
    }
    const exception = activeException(finding, settings.exceptions, now);
    if (exception) {
      return decision(
        finding,
        "excepted",
        `exception until ${exception.expires.toISOString().slice(0, 10)} approved by ${exception.approver}: ${exception.reason}`,
      );
    }
  }
  const action = settings.actions[finding.ruleId] ?? DEFAULT_RULE_ACTIONS[finding.ruleId];
  if (action === "ignore") return decision(finding, "ignore", `rule ${finding.ruleId} is set to ignore`);
  if (action !== "revoke")
    return decision(finding, action, `${finding.title.toLowerCase()}: ${action} by policy`);
  if (!credential) return decision(finding, "notify", "nothing to revoke: the finding is about the run");
  const who = finding.match?.person.emails[0] ?? finding.match?.person.employeeId ?? credential.principal;
  if (!credential.active) {
    return decision(
      finding,
      "ticket",
      `${credential.kind} is already inactive; a human investigates the use`,
    );
  }
  if (credential.isRoot)
    return decision(finding, "ticket", "root credentials are never revoked automatically");
  if (finding.match?.strength === "weak") {
    return decision(
      finding,
      "ticket",
      `matched to ${who} only weakly (${finding.match.evidence}): a human confirms before revocation`,
    );
  }
  const off = credential.details?.revocationOff;
  if (typeof off === "string" && off !== "") {
    // The source's configuration turned its revocation off: a human revokes it, and the
    // brake does not count, run after run, a revocation nobody will make.
    return decision(finding, "ticket", `automatic revocation is off (${off}): a human revokes it`);
  }
  if (credential.principalType !== "human") {
    return decision(
      finding,
      "ticket",
      `${credential.principalType} principal ${credential.principal} owned by ${who}: transfer ownership; never revoked automatically`,
    );
  }
  const person = finding.match?.person;
  if (person) {
    const revokeFrom = person.departedAt.getTime() + settings.gracePeriodHours * HOUR_MS;
    if (revokeFrom > now.getTime()) {
      return decision(
        finding,
        "scheduled",
        `${who} left on ${person.departedAt.toISOString()}; revocation due after the ${settings.gracePeriodHours} h grace period`,
      );
    }
    const basis = finding.match ? `matched by ${finding.match.by} (${finding.match.strength})` : "";
    return decision(
      finding,
      "revoke",
      `${who} left on ${person.departedAt.toISOString().slice(0, 10)} and ${credential.kind} ${credential.nativeId} is still active; ${basis}`,
    );
  }
  return decision(finding, "revoke", `${finding.title.toLowerCase()}: revoke by policy`);
}
