import { describe, expect, it } from "vitest";
import type { Match } from "../../../lambdas/core/model.ts";
import { rules } from "../../../lambdas/core/rules/index.ts";
import type { Rule, RuleInput } from "../../../lambdas/core/rules/rule.ts";
import { credential, daysAgo, NOW, person, ruleSettings } from "../../support/fixtures.ts";

function rule(id: string): Rule {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

const departed: Match = {
  person: person({ departedAt: daysAgo(10) }),
  by: "owner-tag",
  strength: "exact",
  value: "jane.doe@corp.example",
  evidence: "owner email on the principal",
};

function input(overrides: Partial<RuleInput> = {}): RuleInput {
  return { credential: credential(), now: NOW, settings: ruleSettings, ...overrides };
}

describe("every rule", () => {
  it("has an id, a why and a reference link", () => {
    for (const r of rules) {
      expect(r.why.length).toBeGreaterThan(20);
      expect(r.reference).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });
});

describe("departed-owner-active-credential", () => {
  const r = rule("departed-owner-active-credential");
  it("flags an active credential of a person who left", () => {
    const verdict = r.evaluate(input({ match: departed }));
    expect(verdict?.evidence).toMatchObject({ daysSinceDeparture: 10, principalType: "human" });
  });
  it("ignores inactive credentials, people not yet gone, and unmatched credentials", () => {
    expect(r.evaluate(input({ match: departed, credential: credential({ active: false }) }))).toBeUndefined();
    const future = { ...departed, person: person({ departedAt: new Date(NOW.getTime() + 3_600_000) }) };
    expect(r.evaluate(input({ match: future }))).toBeUndefined();
    expect(r.evaluate(input())).toBeUndefined();
  });
});

describe("used-after-departure", () => {
  const r = rule("used-after-departure");
  it("flags use after the departure time as critical evidence", () => {
    const used = credential({
      lastUsed: { at: daysAgo(2), service: "s3", region: "eu-west-1", ip: "203.0.113.9" },
    });
    const verdict = r.evaluate(input({ match: departed, credential: used }));
    expect(verdict?.evidence).toMatchObject({ lastUsedIp: "203.0.113.9", hoursAfterDeparture: 192 });
    expect(r.severity).toBe("critical");
  });
  it("does not flag use before departure, never-used, or unknown use", () => {
    expect(
      r.evaluate(input({ match: departed, credential: credential({ lastUsed: { at: daysAgo(11) } }) })),
    ).toBe(undefined);
    expect(
      r.evaluate(input({ match: departed, credential: credential({ lastUsed: null }) })),
    ).toBeUndefined();
    expect(
      r.evaluate(input({ match: departed, credential: credential({ lastUsed: undefined }) })),
    ).toBeUndefined();
  });
  it("does not call a service principal's normal use an incident", () => {
    const service = credential({ principalType: "service", lastUsed: { at: daysAgo(1) } });
    expect(r.evaluate(input({ match: departed, credential: service }))).toBeUndefined();
  });
  it("flags use after departure even on a key deactivated since", () => {
    const verdict = r.evaluate(
      input({ match: departed, credential: credential({ active: false, lastUsed: { at: daysAgo(1) } }) }),
    );
    expect(verdict).toBeDefined();
  });
});

describe("unused-credential", () => {
  it("reports a source's inactivity sweep on its own basis and threshold, with no last use known", () => {
    // A Cognito user swept without advanced security: no sign-in history, so no `lastUsed`.
    const swept = credential({
      source: "aws-cognito",
      kind: "cognito-sessions",
      nativeId: "us-east-1_Pool/old.user",
      lastUsed: undefined,
      details: {
        hygiene: "inactive",
        inactiveDays: 120,
        inactiveThresholdDays: 90,
        inactivityBasis: "UserLastModifiedDate",
        inactiveSince: daysAgo(120).toISOString(),
      },
    });
    const verdict = rule("unused-credential").evaluate(input({ credential: swept }));
    expect(verdict?.summary).toContain("inactive for 120 day(s) (measured by UserLastModifiedDate)");
    expect(verdict?.evidence).toMatchObject({ inactiveDays: 120, thresholdDays: 90 });
    // The same user without the sweep's verdict: nothing to go on, no finding.
    const plain = credential({ ...swept, details: {} });
    expect(rule("unused-credential").evaluate(input({ credential: plain }))).toBeUndefined();
  });

  const r = rule("unused-credential");
  it("flags a credential idle for the threshold", () => {
    expect(
      r.evaluate(input({ credential: credential({ lastUsed: { at: daysAgo(45) } }) }))?.evidence,
    ).toMatchObject({
      idleDays: 45,
    });
    expect(r.evaluate(input({ credential: credential({ lastUsed: { at: daysAgo(44) } }) }))).toBeUndefined();
  });
  it("flags a never-used key after the grace period, not before", () => {
    const never = credential({ lastUsed: null, createdAt: daysAgo(8) });
    expect(r.evaluate(input({ credential: never }))?.evidence).toMatchObject({ neverUsed: true, ageDays: 8 });
    expect(
      r.evaluate(input({ credential: credential({ lastUsed: null, createdAt: daysAgo(6) }) })),
    ).toBeUndefined();
  });
  it("stays silent when use is unknown, the credential inactive, or the kind untracked", () => {
    expect(r.evaluate(input({ credential: credential({ lastUsed: undefined }) }))).toBeUndefined();
    expect(
      r.evaluate(input({ credential: credential({ active: false, lastUsed: { at: daysAgo(400) } }) })),
    ).toBe(undefined);
    expect(
      r.evaluate(input({ credential: credential({ kind: "sts-sessions", lastUsed: { at: daysAgo(400) } }) })),
    ).toBeUndefined();
    expect(
      r.evaluate(input({ credential: credential({ lastUsed: null, createdAt: undefined }) })),
    ).toBeUndefined();
  });
});

describe("unrotated-access-key", () => {
  const r = rule("unrotated-access-key");
  it("flags keys at or above the age threshold only", () => {
    expect(r.evaluate(input({ credential: credential({ createdAt: daysAgo(90) }) }))?.evidence).toMatchObject(
      {
        ageDays: 90,
      },
    );
    expect(r.evaluate(input({ credential: credential({ createdAt: daysAgo(89) }) }))).toBeUndefined();
    expect(r.evaluate(input({ credential: credential({ kind: "ssh-key", createdAt: daysAgo(900) }) }))).toBe(
      undefined,
    );
    expect(r.evaluate(input({ credential: credential({ active: false, createdAt: daysAgo(900) }) }))).toBe(
      undefined,
    );
  });
});

describe("console-password-without-mfa", () => {
  const r = rule("console-password-without-mfa");
  it("flags a password without MFA, and not one with MFA or unknown MFA", () => {
    expect(
      r.evaluate(input({ credential: credential({ kind: "console-password", mfaEnabled: false }) })),
    ).toBeDefined();
    expect(
      r.evaluate(input({ credential: credential({ kind: "console-password", mfaEnabled: true }) })),
    ).toBe(undefined);
    expect(r.evaluate(input({ credential: credential({ kind: "console-password" }) }))).toBeUndefined();
    expect(r.evaluate(input({ credential: credential({ kind: "access-key", mfaEnabled: false }) }))).toBe(
      undefined,
    );
  });
});

describe("unowned-credential", () => {
  const r = rule("unowned-credential");
  const none = { employeeIds: [], emails: [], usernames: [], tags: {} };
  it("flags an active credential with no owner hint", () => {
    expect(
      r.evaluate(input({ credential: credential({ principal: "legacy-etl", ownerHints: none }) })),
    ).toBeDefined();
  });
  it("does not flag owned, matched, email-named, root, session or inactive credentials", () => {
    expect(r.evaluate(input())).toBeUndefined();
    expect(
      r.evaluate(input({ credential: credential({ ownerHints: none }), match: departed })),
    ).toBeUndefined();
    expect(
      r.evaluate(input({ credential: credential({ principal: "a@corp.example", ownerHints: none }) })),
    ).toBe(undefined);
    expect(r.evaluate(input({ credential: credential({ isRoot: true, ownerHints: none }) }))).toBeUndefined();
    expect(r.evaluate(input({ credential: credential({ kind: "sts-sessions", ownerHints: none }) }))).toBe(
      undefined,
    );
    expect(
      r.evaluate(input({ credential: credential({ active: false, ownerHints: none }) })),
    ).toBeUndefined();
  });
  it("does not flag a credential whose source could not read its owner tags in this run", () => {
    const unread = credential({
      principal: "legacy-etl",
      ownerHints: none,
      details: { ownerTagsRead: false },
    });
    const read = credential({ principal: "legacy-etl", ownerHints: none, details: { ownerTagsRead: true } });
    expect(r.evaluate(input({ credential: unread }))).toBeUndefined();
    expect(r.evaluate(input({ credential: read }))).toBeDefined();
  });
});

describe("root-access-key", () => {
  const r = rule("root-access-key");
  it("flags an active root key only", () => {
    expect(
      r.evaluate(input({ credential: credential({ isRoot: true, principal: "<root_account>" }) })),
    ).toBeDefined();
    expect(r.evaluate(input({ credential: credential({ isRoot: true, active: false }) }))).toBeUndefined();
    expect(r.evaluate(input({ credential: credential({ isRoot: true, kind: "console-password" }) }))).toBe(
      undefined,
    );
    expect(r.evaluate(input())).toBeUndefined();
  });
});
