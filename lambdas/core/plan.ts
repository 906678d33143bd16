/**
 * The plan of a scan: every finding with its decision and the steps it implies, and the
 * brake applied across the run. Deterministic: the same inputs give the same plan.
 */
import { runFinding } from "./evaluate.ts";
import type { ActionRecord, Decision, Finding, Severity } from "./model.ts";
import { SEVERITIES, severityRank } from "./model.ts";
import type { BrakeState, Plan, PlanItem } from "./plan-types.ts";
import { decide, type PolicySettings } from "./policy.ts";

export type { BrakeState, Plan, PlanItem } from "./plan-types.ts";

/** The brake on revocations per run. */
export interface BrakeSettings {
  readonly maxRevocationsPerRun: number;
  /** Revoke nothing when a run would revoke more than this share of all credentials seen. */
  readonly maxRevocationFraction: number;
  /** Below this many credentials seen, only the absolute limit applies. */
  readonly minCredentialsForFraction: number;
}

export interface PlanInput {
  readonly mode: "report" | "enforce";
  readonly now: Date;
  readonly findings: readonly Finding[];
  readonly policy: PolicySettings;
  readonly brake: BrakeSettings;
  /** Every credential the sources saw, for the brake's fraction. */
  readonly credentialsSeen: number;
  /** Names the run in run-level finding ids (one per account in an org-wide scan). @default "run" */
  readonly runSubject?: string;
  /**
   * Credentials an earlier run revoked (its store recorded a revocation `done`). Revoking one
   * again is no new revocation: the brake, there to stop a wrong list from revoking many
   * people at once, does not count it, so the people it keeps signing out (a Cognito pool with
   * `disableUser: false`) never hold back the revocations of new departures.
   */
  readonly revokedBefore?: ReadonlySet<string>;
}

/** How many revocations a run may make, given how many credentials it saw. */
export function revocationLimit(brake: BrakeSettings, credentialsSeen: number): number {
  if (credentialsSeen < brake.minCredentialsForFraction) return brake.maxRevocationsPerRun;
  // The product of a decimal fraction is not exact in binary (0.29 × 100 is 28.999…): a hair
  // over it keeps the limit the configured share says, 29, before it is rounded down.
  return Math.min(
    brake.maxRevocationsPerRun,
    Math.floor(brake.maxRevocationFraction * credentialsSeen + 1e-9),
  );
}

function plannedSteps(finding: Finding, decision: Decision, now: Date): ActionRecord[] {
  const steps: ActionRecord[] = [];
  const credential = finding.credential;
  if (finding.ruleId === "used-after-departure") {
    steps.push({ type: "incident", status: "planned", detail: `raise an incident: ${finding.summary}` });
  }
  switch (decision.action) {
    case "revoke":
      if (credential) {
        steps.push({
          type: "revoke",
          status: "planned",
          detail: `revoke ${credential.kind} ${credential.nativeId} of ${credential.principal}`,
        });
      }
      break;
    case "ticket":
      steps.push({ type: "ticket", status: "planned", detail: `ticket for a human: ${decision.why}` });
      break;
    case "notify":
      steps.push({ type: "notify", status: "planned", detail: "tell the owner or the security channel" });
      break;
    case "held-by-brake":
      // Timed like every recorded action: the store tells a resent record from a new one by it.
      steps.push({ type: "revoke", status: "skipped", detail: "held by the revocation brake", at: now });
      break;
    default:
      break;
  }
  return steps;
}

/**
 * The items most severe first, then by finding id. Each item's rank is looked up once, not
 * once per comparison: a plan of half a million findings makes ten million comparisons.
 */
function sortItems(items: readonly PlanItem[]): PlanItem[] {
  const keyed = items.map((item) => ({
    item,
    rank: severityRank(item.finding.severity),
    id: item.finding.id,
  }));
  keyed.sort((a, b) => b.rank - a.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.item);
}

/** Decides every finding, applies the brake, and lists the steps. */
export function buildPlan(input: PlanInput): Plan {
  const decided = input.findings.map((finding) => ({
    finding,
    decision: decide(finding, input.policy, input.now),
  }));
  const revoking = new Set(
    decided
      .filter((d) => d.decision.action === "revoke")
      .map((d) => d.finding.credential?.id ?? d.finding.id),
  );
  const toRevoke = new Set([...revoking].filter((id) => !input.revokedBefore?.has(id)));
  const repeats = revoking.size - toRevoke.size;
  const limit = revocationLimit(input.brake, input.credentialsSeen);
  const engaged = toRevoke.size > limit;
  const brake: BrakeState = {
    engaged,
    wouldRevoke: toRevoke.size,
    ...(repeats > 0 ? { repeats } : {}),
    limit,
    credentialsSeen: input.credentialsSeen,
    ...(engaged
      ? {
          reason: `the run would revoke ${toRevoke.size} credential(s)${repeats > 0 ? ` (besides ${repeats} revoked by earlier runs)` : ""}, above the limit of ${limit} (max ${input.brake.maxRevocationsPerRun} per run, ${Math.round(input.brake.maxRevocationFraction * 100)}% of ${input.credentialsSeen} seen): nothing was revoked`,
        }
      : {}),
  };
  const items: PlanItem[] = decided.map(({ finding, decision }) => {
    const final: Decision =
      engaged && decision.action === "revoke"
        ? { findingId: finding.id, action: "held-by-brake", why: `held by the brake: ${decision.why}` }
        : decision;
    return { finding, decision: final, actions: plannedSteps(finding, final, input.now) };
  });
  if (engaged) {
    const finding = runFinding(
      "revocation-brake-engaged",
      "critical",
      "Revocation brake engaged",
      brake.reason ?? "brake engaged",
      { wouldRevoke: toRevoke.size, limit, credentialsSeen: input.credentialsSeen },
      input.runSubject,
    );
    const decision: Decision = {
      findingId: finding.id,
      action: "notify",
      why: "a run this large is more likely a bad departure list or config than real departures",
    };
    items.push({ finding, decision, actions: plannedSteps(finding, decision, input.now) });
  }
  const sorted = sortItems(items);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const item of sorted) counts[item.finding.severity] += 1;
  return { version: 1, mode: input.mode, generatedAt: input.now, items: sorted, brake, counts };
}

/** Distinct credentials a plan revokes, each once, however many findings point at it. */
export function revocationTargets(plan: Plan): PlanItem[] {
  const seen = new Set<string>();
  const out: PlanItem[] = [];
  for (const item of plan.items) {
    const id = item.finding.credential?.id;
    if (item.decision.action !== "revoke" || !id || seen.has(id)) continue;
    seen.add(id);
    out.push(item);
  }
  return out;
}
