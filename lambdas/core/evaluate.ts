import type { IdentityIndex } from "./identity.ts";
import { type HashState, hashPart, hashParts, idFromState } from "./ids.ts";
import type { Credential, Evidence, Finding, RuleId, Severity } from "./model.ts";
import { rules as allRules, type Rule, type RuleInput, type RuleSettings } from "./rules/index.ts";

/** The stable id of a finding: the same credential and rule give the same id on every run. */
export function findingId(ruleId: RuleId, subject: string): string {
  return idFromState("f", hashPart(hashParts(subject), ruleId));
}

/**
 * Runs every rule on every credential. Pure: the same inputs give the same findings, in order.
 * Each credential is judged alone, so evaluating a list page by page (as a source hands the
 * pages over) gives, concatenated, exactly the findings of evaluating the whole list at once;
 * `credentials` may be any iterable, e.g. a generator over pages.
 */
export function evaluateCredentials(
  credentials: Iterable<Credential>,
  index: Pick<IdentityIndex, "match">,
  settings: RuleSettings,
  now: Date,
  rules: readonly Rule[] = allRules,
): Finding[] {
  const findings: Finding[] = [];
  for (const credential of credentials) {
    const match = index.match(credential);
    const input: RuleInput = { credential, match, now, settings };
    // The credential's part of every finding id is hashed once, and only if a rule fires.
    let subject: HashState | undefined;
    for (const rule of rules) {
      const verdict = rule.evaluate(input);
      if (!verdict) continue;
      subject ??= hashParts(credential.id);
      const id = idFromState("f", hashPart(subject, rule.id));
      const severity = verdict.severity ?? rule.severity;
      const evidence = withCaveat(verdict.evidence, credential);
      // Two literals rather than a spread: a finding without a match has no `match` key at all.
      findings.push(
        match
          ? {
              id,
              ruleId: rule.id,
              severity,
              title: rule.title,
              summary: verdict.summary,
              credential,
              match,
              evidence,
              reference: rule.reference,
            }
          : {
              id,
              ruleId: rule.id,
              severity,
              title: rule.title,
              summary: verdict.summary,
              credential,
              evidence,
              reference: rule.reference,
            },
      );
    }
  }
  return findings;
}

/**
 * What acting on this credential cannot do, in words, as its source states it
 * (`details.caveat`, e.g. Cognito's access tokens that outlive a sign-out): carried into every
 * finding's evidence so reports, tickets and Slack messages say it, not only the raw credential.
 */
function withCaveat(evidence: Evidence, credential: Credential): Evidence {
  const caveat = credential.details?.caveat;
  return typeof caveat === "string" && caveat !== "" ? { ...evidence, caveat } : evidence;
}

/** A finding about the run itself (a rejected list, a source that failed, the brake). */
export function runFinding(
  ruleId: RuleId,
  severity: Severity,
  title: string,
  summary: string,
  evidence: Evidence,
  subject = "run",
): Finding {
  return { id: findingId(ruleId, subject), ruleId, severity, title, summary, evidence };
}

/** Returns the finding with more evidence merged in (e.g. CloudTrail events for an incident). */
export function withEvidence(finding: Finding, extra: Evidence): Finding {
  return { ...finding, evidence: { ...finding.evidence, ...extra } };
}
