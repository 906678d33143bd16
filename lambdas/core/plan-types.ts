import type { ActionRecord, Decision, Finding, Severity } from "./model.ts";

/** A finding, what the policy decided, and what was done about it. */
export interface PlanItem {
  readonly finding: Finding;
  readonly decision: Decision;
  /** Planned steps in report mode; outcomes after an enforce run. */
  readonly actions: ActionRecord[];
}

/** Why the brake stopped every revocation in a run, if it did. */
export interface BrakeState {
  readonly engaged: boolean;
  /** Revocations the run would have made of credentials no earlier run revoked: what the limit counts. */
  readonly wouldRevoke: number;
  /**
   * Revocations the run would repeat on credentials an earlier run already revoked (a Cognito
   * user signed out again, a key a human re-enabled): made, but not counted against the limit.
   */
  readonly repeats?: number;
  readonly limit: number;
  readonly credentialsSeen: number;
  readonly reason?: string;
}

/** The plan of one scan: deterministic for the same inputs, serialisable to JSON. */
export interface Plan {
  readonly version: 1;
  readonly mode: "report" | "enforce";
  readonly generatedAt: Date;
  readonly items: PlanItem[];
  readonly brake: BrakeState;
  readonly counts: Readonly<Record<Severity, number>>;
}
