import type { Credential, Evidence, Match, RuleId, Severity } from "../model.ts";

/** Thresholds the rules read; from `config.rules`. */
export interface RuleSettings {
  readonly unusedDays: number;
  readonly neverUsedGraceDays: number;
  readonly unrotatedDays: number;
}

/** What a rule looks at: one credential, who it belongs to (if anyone on the list), and the time. */
export interface RuleInput {
  readonly credential: Credential;
  readonly match?: Match;
  readonly now: Date;
  readonly settings: RuleSettings;
}

/** A rule's verdict: what is wrong, and the evidence it used. */
export interface RuleVerdict {
  readonly summary: string;
  readonly evidence: Evidence;
  /** Overrides the rule's default severity for this credential. */
  readonly severity?: Severity;
}

/** One rule, cdk-nag style: an id, a severity, why it matters, and a pure check. */
export interface Rule {
  readonly id: RuleId;
  readonly severity: Severity;
  readonly title: string;
  /** Why this matters, in one or two sentences. */
  readonly why: string;
  /** The AWS or CIS text that motivates it. */
  readonly reference: string;
  evaluate(input: RuleInput): RuleVerdict | undefined;
}

/** A short human name for a credential: "access key AKIA... of jane.doe". */
export function describeCredential(credential: Credential): string {
  return `${kindLabel(credential.kind)} ${credential.nativeId} of ${credential.principal}`;
}

const KIND_LABELS = new Map<string, string>();

/** "access-key" -> "access key", computed once per kind. */
function kindLabel(kind: string): string {
  let label = KIND_LABELS.get(kind);
  if (label === undefined) {
    label = kind.replace(/-/g, " ");
    KIND_LABELS.set(kind, label);
  }
  return label;
}

/** Whether the person on this match has already left at `now`. */
export function hasDeparted(match: Match | undefined, now: Date): match is Match {
  return match !== undefined && match.person.departedAt.getTime() <= now.getTime();
}
