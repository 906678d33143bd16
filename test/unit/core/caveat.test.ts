import { describe, expect, it } from "vitest";
import { evaluateCredentials } from "../../../lambdas/core/evaluate.ts";
import { IdentityIndex } from "../../../lambdas/core/identity.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import type { PlanItem } from "../../../lambdas/core/plan.ts";
import { credential, identitySettings, NOW, person, ruleSettings } from "../../support/fixtures.ts";
import { verifiedRevocation } from "../notify/plan-items.ts";

const CAVEAT = "Access and ID tokens already issued stay valid up to 60 minutes.";

describe("a source's caveat about what revocation cannot do", () => {
  it("reaches the finding's evidence, the manager's message and the ticket", () => {
    // Prepare: a Cognito session credential of a departed person whose source states a caveat.
    const sessions = credential({
      source: "aws-cognito",
      kind: "cognito-sessions",
      nativeId: "us-east-1_Pool/jane.doe",
      details: { caveat: CAVEAT, poolId: "us-east-1_Pool" },
    });
    const index = new IdentityIndex([person()], identitySettings);

    // Act
    const findings = evaluateCredentials([sessions, credential()], index, ruleSettings, NOW);
    const departed = findings.find(
      (f) => f.ruleId === "departed-owner-active-credential" && f.credential?.kind === "cognito-sessions",
    )!;
    const item: PlanItem = {
      finding: departed,
      decision: { findingId: departed.id, action: "revoke", why: "left" },
      actions: verifiedRevocation(),
    };
    const { messages } = composeNotifications({ items: [item], mode: "enforce" });
    const ticketed: PlanItem = { ...item, decision: { ...item.decision, action: "ticket" }, actions: [] };
    const { tickets } = composeNotifications({ items: [ticketed], mode: "enforce" });

    // Assess: only the credential with a caveat carries one.
    expect(departed.evidence.caveat).toBe(CAVEAT);
    expect(
      findings.filter((f) => f.credential?.kind === "access-key").every((f) => !("caveat" in f.evidence)),
    ).toBe(true);
    const manager = messages.find((m) => m.kind === "manager");
    expect(manager?.done.join(" ")).toContain(`(verified). ${CAVEAT}`);
    expect(tickets.flatMap((t) => t.credentials.map((c) => c.why)).join(" ")).toContain(CAVEAT);
  });
});
