/** Builders for plan items, the input of notification composition. */
import type {
  ActionRecord,
  Credential,
  DecisionAction,
  MatchStrength,
  Person,
  RuleId,
  Severity,
} from "../../../lambdas/core/model.ts";
import type { PlanItem } from "../../../lambdas/core/plan-types.ts";
import { credential, NOW, person } from "../../support/fixtures.ts";

export { credential, NOW, person };

/** What a test says about one plan item; everything else has a plausible default. */
export interface ItemSpec {
  readonly ruleId?: RuleId;
  readonly severity?: Severity;
  readonly action?: DecisionAction;
  readonly actions?: ActionRecord[];
  readonly credential?: Partial<Credential>;
  /** The departed person the credential matched; `null` for no match (an owner's hygiene finding). */
  readonly person?: Person | null;
  readonly strength?: MatchStrength;
  readonly summary?: string;
}

/** A plan item for the given spec. */
export function item(spec: ItemSpec = {}): PlanItem {
  const ruleId = spec.ruleId ?? "departed-owner-active-credential";
  const c = credential(spec.credential ?? {});
  const p = spec.person === undefined ? person() : spec.person;
  const id = `${ruleId}:${c.id}`;
  return {
    finding: {
      id,
      ruleId,
      severity: spec.severity ?? "high",
      title: ruleId.replaceAll("-", " "),
      summary: spec.summary ?? `${c.kind} ${c.nativeId} is active.`,
      credential: c,
      ...(p !== null
        ? {
            match: {
              person: p,
              by: spec.strength === "weak" ? "username-convention" : "email",
              strength: spec.strength ?? "exact",
              value: spec.strength === "weak" ? c.principal : (p.emails[0] ?? ""),
              evidence: "test",
            },
          }
        : {}),
      evidence: {},
    },
    decision: {
      findingId: id,
      action: spec.action ?? "revoke",
      why: `policy says ${spec.action ?? "revoke"}`,
    },
    actions: spec.actions ?? [],
  };
}

/** A revocation that was done and read back. */
export function verifiedRevocation(): ActionRecord[] {
  return [
    { type: "revoke", status: "done", detail: "UpdateAccessKey Inactive", at: NOW },
    { type: "verify", status: "verified", detail: "key is Inactive", at: NOW },
  ];
}

/** A revocation the provider refused. */
export function failedRevocation(message = "AccessDenied"): ActionRecord[] {
  return [
    {
      type: "revoke",
      status: "failed",
      detail: "UpdateAccessKey Inactive",
      at: NOW,
      error: { name: "AccessDenied", message },
    },
  ];
}

/** Three access keys of the same departed person, in the same account. */
export function threeKeysOfJane(): PlanItem[] {
  return [
    item({ credential: { nativeId: "AKIAJANE000000000001" }, actions: verifiedRevocation() }),
    item({ credential: { nativeId: "AKIAJANE000000000002" }, actions: failedRevocation() }),
    item({ credential: { nativeId: "AKIAJANE000000000003" }, action: "held-by-brake", severity: "critical" }),
  ];
}
