import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateCredentials } from "../../../lambdas/core/evaluate.ts";
import { IdentityIndex } from "../../../lambdas/core/identity.ts";
import type { Credential, Finding, Person } from "../../../lambdas/core/model.ts";
import { buildPlan, revocationLimit, revocationTargets } from "../../../lambdas/core/plan.ts";
import { decide, leaveAlone, type PolicySettings } from "../../../lambdas/core/policy.ts";
import {
  brakeSettings,
  credential,
  daysAgo,
  identitySettings,
  NOW,
  person,
  policySettings,
  ruleSettings,
} from "../../support/fixtures.ts";

function findingsFor(credentials: Credential[], people: Person[]): Finding[] {
  return evaluateCredentials(credentials, new IdentityIndex(people, identitySettings), ruleSettings, NOW);
}

function departedFinding(overrides: Partial<Credential> = {}, people = [person()]): Finding {
  const found = findingsFor([credential(overrides)], people).find(
    (f) => f.ruleId === "departed-owner-active-credential",
  );
  if (!found) throw new Error("fixture produced no departed-owner finding");
  return found;
}

describe("decide", () => {
  it("revokes a departed person's own human credential, saying why", () => {
    const d = decide(departedFinding(), policySettings, NOW);
    expect(d.action).toBe("revoke");
    expect(d.why).toContain("jane.doe@corp.example left on");
  });

  it("tickets a service credential owned by a departed person, never revokes it", () => {
    const d = decide(
      departedFinding({ principalType: "service", principal: "etl-svc" }),
      policySettings,
      NOW,
    );
    expect(d.action).toBe("ticket");
    expect(d.why).toContain("transfer ownership");
  });

  it("tickets an unknown principal type rather than guessing", () => {
    expect(decide(departedFinding({ principalType: "unknown" }), policySettings, NOW).action).toBe("ticket");
  });

  it("tickets a weak match for a human to confirm", () => {
    const none = { employeeIds: [], emails: [], usernames: [], tags: {} };
    const d = decide(departedFinding({ principal: "jdoe", ownerHints: none }), policySettings, NOW);
    expect(d.action).toBe("ticket");
    expect(d.why).toContain("weakly");
  });

  it("never acts on a protected principal, whatever the rule says", () => {
    const f = departedFinding({ principal: "break-glass-admin" });
    const d = decide(
      f,
      { ...policySettings, actions: { "departed-owner-active-credential": "revoke" } },
      NOW,
    );
    expect(d.action).toBe("protected");
    const byArn = departedFinding({ principalArn: "arn:aws:iam::123456789012:role/iam-hygiene-scanner" });
    expect(decide(byArn, policySettings, NOW).action).toBe("protected");
  });

  it("honours an exception until it expires, then stops counting it", () => {
    const f = departedFinding();
    const exception = {
      principal: "jane.doe",
      reason: "handover of the billing export",
      approver: "ciso@corp.example",
      expires: daysAgo(-2),
    };
    const live = decide(f, { ...policySettings, exceptions: [exception] }, NOW);
    expect(live.action).toBe("excepted");
    expect(live.why).toContain("ciso@corp.example");
    const expired = decide(
      f,
      { ...policySettings, exceptions: [{ ...exception, expires: daysAgo(1) }] },
      NOW,
    );
    expect(expired.action).toBe("revoke");
  });

  it("matches an exception's principal whatever its case and surrounding space, as IAM names are", () => {
    const f = departedFinding();
    const exception = {
      reason: "handover",
      approver: "ciso@corp.example",
      expires: daysAgo(-2),
    };
    for (const principal of ["Jane.Doe", " jane.doe ", "ARN:AWS:IAM::123456789012:USER/JANE.DOE"]) {
      const principalArn = "arn:aws:iam::123456789012:user/jane.doe";
      const d = decide(
        departedFinding({ principalArn }),
        { ...policySettings, exceptions: [{ ...exception, principal }] },
        NOW,
      );
      expect(d.action, principal).toBe("excepted");
    }
    expect(
      decide(f, { ...policySettings, exceptions: [{ ...exception, principal: "jane.do" }] }, NOW).action,
    ).toBe("revoke");
  });

  it("applies an exception only to its rule and credential when it names them", () => {
    const f = departedFinding();
    const other = {
      credentialId: "AKIAOTHER",
      reason: "other key",
      approver: "ciso@x.example",
      expires: daysAgo(-2),
    };
    expect(decide(f, { ...policySettings, exceptions: [other] }, NOW).action).toBe("revoke");
    const otherRule = { ...other, credentialId: f.credential!.nativeId, rule: "unused-credential" as const };
    expect(decide(f, { ...policySettings, exceptions: [otherRule] }, NOW).action).toBe("revoke");
  });

  it("tickets a credential whose source's settings turned its revocation off", () => {
    const f = departedFinding({
      details: { revocationOff: "sources.github.revokeFineGrainedTokens is false" },
    });
    const d = decide(f, policySettings, NOW);
    expect(d).toMatchObject({
      action: "ticket",
      why: "automatic revocation is off (sources.github.revokeFineGrainedTokens is false): a human revokes it",
    });
    expect(decide(departedFinding({ details: { revocationOff: "" } }), policySettings, NOW).action).toBe(
      "revoke",
    );
  });

  it("schedules revocation inside the grace period", () => {
    const f = departedFinding({}, [person({ departedAt: new Date(NOW.getTime() - 3_600_000) })]);
    const d = decide(f, { ...policySettings, gracePeriodHours: 24 }, NOW);
    expect(d.action).toBe("scheduled");
  });

  it("follows configured actions: ignore, notify, ticket", () => {
    const f = departedFinding();
    for (const action of ["ignore", "notify", "ticket"] as const) {
      const d = decide(
        f,
        { ...policySettings, actions: { "departed-owner-active-credential": action } },
        NOW,
      );
      expect(d.action).toBe(action);
    }
  });

  it("never revokes root keys or inactive credentials even when configured to", () => {
    const root = findingsFor([credential({ isRoot: true, principal: "<root_account>" })], []).find(
      (f) => f.ruleId === "root-access-key",
    )!;
    expect(decide(root, { ...policySettings, actions: { "root-access-key": "revoke" } }, NOW).action).toBe(
      "ticket",
    );
    const used = findingsFor([credential({ active: false, lastUsed: { at: daysAgo(1) } })], [person()]).find(
      (f) => f.ruleId === "used-after-departure",
    )!;
    expect(decide(used, policySettings, NOW).action).toBe("ticket");
  });

  it("revokes a configured hygiene rule with no owner", () => {
    const none = { employeeIds: [], emails: [], usernames: [], tags: {} };
    const unowned = findingsFor([credential({ principal: "legacy", ownerHints: none })], []).find(
      (f) => f.ruleId === "unowned-credential",
    )!;
    expect(
      decide(unowned, { ...policySettings, actions: { "unowned-credential": "revoke" } }, NOW).action,
    ).toBe("revoke");
  });
});

describe("buildPlan", () => {
  function plan(
    credentials: Credential[],
    people: Person[],
    policy: PolicySettings = policySettings,
    seen?: number,
  ) {
    return buildPlan({
      mode: "report",
      now: NOW,
      findings: findingsFor(credentials, people),
      policy,
      brake: brakeSettings,
      credentialsSeen: seen ?? credentials.length,
    });
  }

  it("plans one revocation per credential even when several rules fire on it", () => {
    const used = credential({ lastUsed: { at: daysAgo(1), ip: "198.51.100.7" } });
    const p = plan([used], [person()]);
    expect(p.items.map((i) => i.finding.ruleId)).toEqual([
      "used-after-departure",
      "departed-owner-active-credential",
    ]);
    expect(revocationTargets(p)).toHaveLength(1);
    expect(p.items[0]!.actions.map((a) => a.type)).toEqual(["incident", "revoke"]);
    expect(p.counts.critical).toBe(1);
  });

  /** `count` departed people, each owning one access key by an owner email tag. */
  function departedWithKeys(count: number) {
    const people = Array.from({ length: count }, (_, i) =>
      person({ employeeId: `E${i}`, emails: [`p${i}@corp.example`], displayName: `P ${i}` }),
    );
    const creds = people.map((p, i) =>
      credential({
        nativeId: `AKIA${String(i).padStart(16, "0")}`,
        principal: `p${i}`,
        ownerHints: { employeeIds: [], emails: [p.emails[0]!], usernames: [], tags: {} },
      }),
    );
    return { people, creds };
  }

  it("engages the brake above the absolute limit: nothing is revoked and a critical finding says why", () => {
    const { people, creds } = departedWithKeys(30);
    const p = plan(creds, people, policySettings, 10_000);
    expect(p.brake).toMatchObject({ engaged: true, wouldRevoke: 30, limit: 25 });
    expect(revocationTargets(p)).toHaveLength(0);
    expect(p.items[0]!.finding.ruleId).toBe("revocation-brake-engaged");
    expect(p.items.filter((i) => i.decision.action === "held-by-brake")).toHaveLength(30);
  });

  it("does not count against the brake what earlier runs already revoked, and still revokes it", () => {
    // Prepare: 30 departed people; earlier runs revoked 10 of their credentials (a Cognito user
    // signed out again every run while the pool keeps users enabled).
    const { people, creds } = departedWithKeys(30);
    const input = {
      mode: "enforce" as const,
      now: NOW,
      findings: findingsFor(creds, people),
      policy: policySettings,
      brake: brakeSettings,
      credentialsSeen: 10_000,
    };

    // Act
    const repeated = buildPlan({ ...input, revokedBefore: new Set(creds.slice(0, 10).map((c) => c.id)) });
    const fresh = buildPlan({ ...input, revokedBefore: new Set(creds.slice(0, 4).map((c) => c.id)) });

    // Assess: 20 new revocations fit the limit of 25, and all 30 are made; 26 new ones do not.
    expect(repeated.brake).toMatchObject({ engaged: false, wouldRevoke: 20, repeats: 10, limit: 25 });
    expect(revocationTargets(repeated)).toHaveLength(30);
    expect(fresh.brake).toMatchObject({ engaged: true, wouldRevoke: 26, repeats: 4 });
    expect(fresh.brake.reason).toContain("besides 4 revoked by earlier runs");
    expect(revocationTargets(fresh)).toHaveLength(0);
  });

  it("engages the brake above the configured fraction of credentials seen", () => {
    expect(revocationLimit(brakeSettings, 50)).toBe(5);
    expect(revocationLimit(brakeSettings, 10)).toBe(25);
    expect(revocationLimit(brakeSettings, 100_000)).toBe(25);
    // The configured share exactly, not one less for binary rounding (0.29 × 100 = 28.999…).
    expect(
      revocationLimit({ ...brakeSettings, maxRevocationFraction: 0.29, maxRevocationsPerRun: 100 }, 100),
    ).toBe(29);
    expect(
      revocationLimit({ ...brakeSettings, maxRevocationFraction: 0.07, maxRevocationsPerRun: 100 }, 100),
    ).toBe(7);
  });

  it("is deterministic: same inputs, same JSON; input order does not matter", () => {
    const creds = [
      credential({ nativeId: "AKIA1", lastUsed: { at: daysAgo(1) } }),
      credential({ nativeId: "AKIA2", lastUsed: null, createdAt: daysAgo(100) }),
      credential({
        nativeId: "AKIA3",
        principal: "x",
        ownerHints: { employeeIds: [], emails: [], usernames: [], tags: {} },
      }),
    ];
    const a = JSON.stringify(plan(creds, [person()]));
    const b = JSON.stringify(plan([...creds].reverse(), [person()]));
    expect(a).toBe(b);
    expect(a).toBe(JSON.stringify(plan(creds, [person()])));
  });
});

// Random companies: people who left or not, credentials of every shape.
const arbitraryWorld = fc
  .record({
    peopleCount: fc.integer({ min: 0, max: 40 }),
    creds: fc.array(
      fc.record({
        owner: fc.integer({ min: 0, max: 60 }),
        active: fc.boolean(),
        type: fc.constantFrom("human", "service", "unknown") as fc.Arbitrary<"human" | "service" | "unknown">,
        usedDaysAgo: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
        ageDays: fc.integer({ min: 0, max: 800 }),
        byName: fc.boolean(),
      }),
      { maxLength: 120 },
    ),
    maxRevocations: fc.integer({ min: 0, max: 30 }),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    seenExtra: fc.integer({ min: 0, max: 500 }),
  })
  .map(({ peopleCount, creds, maxRevocations, fraction, seenExtra }) => {
    const people = Array.from({ length: peopleCount }, (_, i) =>
      person({
        employeeId: `E${i}`,
        emails: [`user${i}@corp.example`],
        displayName: `User Number${i}`,
        departedAt: daysAgo(i % 5),
      }),
    );
    const credentials = creds.map((c, i) =>
      credential({
        nativeId: `AKIA${String(i).padStart(16, "0")}`,
        principal: c.byName ? `user${c.owner}` : `principal-${i}`,
        principalType: c.type,
        active: c.active,
        createdAt: daysAgo(c.ageDays),
        lastUsed: c.usedDaysAgo === null ? null : { at: daysAgo(c.usedDaysAgo) },
        ownerHints: {
          employeeIds: [],
          emails: c.byName ? [] : [`user${c.owner}@corp.example`],
          usernames: [],
          tags: {},
        },
      }),
    );
    return {
      people,
      credentials,
      brake: {
        maxRevocationsPerRun: maxRevocations,
        maxRevocationFraction: fraction,
        minCredentialsForFraction: 20,
      },
      seen: credentials.length + seenExtra,
    };
  });

describe("plan properties", () => {
  it("no input makes a run revoke more than the brake allows", () => {
    fc.assert(
      fc.property(arbitraryWorld, (world) => {
        const p = buildPlan({
          mode: "enforce",
          now: NOW,
          findings: findingsFor(world.credentials, world.people),
          policy: policySettings,
          brake: world.brake,
          credentialsSeen: world.seen,
        });
        const revoked = revocationTargets(p).length;
        // The configured limits themselves, not the code's own formula: never more than the
        // absolute cap, and (from the configured size up) never more than the fraction seen.
        expect(revoked).toBeLessThanOrEqual(world.brake.maxRevocationsPerRun);
        if (world.seen >= world.brake.minCredentialsForFraction) {
          // (to the float's last digits: 0.29 × 100 is 28.999… and means 29)
          expect(revoked).toBeLessThanOrEqual(world.brake.maxRevocationFraction * world.seen + 1e-9);
        }
        // All or nothing: a run over the limit revokes nothing at all.
        if (p.brake.engaged) expect(revoked).toBe(0);
        expect(revoked).toBeLessThanOrEqual(revocationLimit(world.brake, world.seen));
        // Only strong matches of human credentials are ever revoked.
        for (const item of p.items.filter((i) => i.decision.action === "revoke")) {
          expect(item.finding.credential?.principalType).toBe("human");
          expect(item.finding.match?.strength).not.toBe("weak");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("the same inputs always give the same plan", () => {
    fc.assert(
      fc.property(arbitraryWorld, (world) => {
        const make = (creds: Credential[]) =>
          JSON.stringify(
            buildPlan({
              mode: "report",
              now: NOW,
              findings: findingsFor(creds, world.people),
              policy: policySettings,
              brake: world.brake,
              credentialsSeen: world.seen,
            }),
          );
        expect(make([...world.credentials].reverse())).toBe(make(world.credentials));
      }),
      { numRuns: 200 },
    );
  });
});

describe("leaveAlone: deferred work on an earlier revocation", () => {
  const at = new Date("2026-06-01T00:00:00Z");
  const base = {
    principal: "jane.doe",
    credentials: [
      credential({
        nativeId: "AKIAJANE",
        principal: "jane.doe",
        principalArn: "arn:aws:iam::123456789012:user/emergency/jane.doe",
        ownerHints: { employeeIds: [], emails: ["jane@corp.example"], usernames: [], tags: {} },
      }),
    ],
    credentialIds: ["aws-iam:123456789012:access-key:AKIAJANE"],
    ruleIds: ["departed-owner-active-credential"],
  };
  const exception = (over: Record<string, unknown>) => ({
    reason: "legal hold",
    approver: "ciso@corp.example",
    expires: new Date("2027-01-01T00:00:00Z"),
    ...over,
  });

  it("holds a principal protected by name, ARN or owner email, even when this run did not discover it", () => {
    // Act and Assess
    expect(leaveAlone(base, { protectedPrincipals: ["*:user/emergency/*"], exceptions: [] }, at)).toMatch(
      /protected \(\*:user\/emergency\/\*\)/,
    );
    expect(leaveAlone(base, { protectedPrincipals: ["jane@corp.example"], exceptions: [] }, at)).toMatch(
      /protected/,
    );
    expect(
      leaveAlone({ ...base, credentials: [] }, { protectedPrincipals: ["JANE.*"], exceptions: [] }, at),
    ).toMatch(/jane\.doe is protected/);
    expect(leaveAlone(base, { protectedPrincipals: ["bob*"], exceptions: [] }, at)).toBeUndefined();
  });

  it("holds what a live exception covers: its principal, credential and rule, and nothing else", () => {
    // Prepare
    const settings = (e: Record<string, unknown>) => ({
      protectedPrincipals: [],
      exceptions: [exception(e)],
    });

    // Act and Assess
    expect(leaveAlone(base, settings({ principal: "Jane.Doe" }), at)).toMatch(/exception until 2027-01-01/);
    expect(leaveAlone(base, settings({ credentialId: "AKIAJANE" }), at)).toMatch(/legal hold/);
    expect(leaveAlone(base, settings({ credentialId: "AKIAOTHER" }), at)).toBeUndefined();
    expect(leaveAlone(base, settings({ credentialId: base.credentialIds[0] }), at)).toMatch(/legal hold/);
    expect(leaveAlone(base, settings({ rule: "unused-credential" }), at)).toBeUndefined();
    expect(leaveAlone(base, settings({ rule: "departed-owner-active-credential" }), at)).toMatch(
      /legal hold/,
    );
    expect(
      leaveAlone(base, settings({ principal: "jane.doe", expires: new Date("2026-05-01T00:00:00Z") }), at),
    ).toBeUndefined();
  });
});
