import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateCredentials, findingId } from "../../../lambdas/core/evaluate.ts";
import { IdentityIndex } from "../../../lambdas/core/identity.ts";
import { stableId } from "../../../lambdas/core/ids.ts";
import type { Credential, Person } from "../../../lambdas/core/model.ts";
import { credential, daysAgo, identitySettings, NOW, person, ruleSettings } from "../../support/fixtures.ts";

const none = { employeeIds: [], emails: [], usernames: [], tags: {} };

/** People on the list: Jane (left 3 days ago), John (leaves in 5 days). */
const people: Person[] = [
  person(),
  person({
    employeeId: "E200",
    emails: ["john.doe@corp.example"],
    displayName: "John Doe",
    departedAt: daysAgo(-5),
  }),
];

/** Credentials that between them fire every rule, match in every way, or match nobody. */
const credentialArbitrary: fc.Arbitrary<Credential> = fc
  .record({
    n: fc.nat({ max: 999 }),
    kind: fc.constantFrom("access-key", "console-password", "ssh-key", "sts-sessions"),
    owner: fc.constantFrom(
      { principal: "deploy", ownerHints: none },
      { principal: "deploy", ownerHints: { ...none, employeeIds: ["e100"] } },
      { principal: "svc", ownerHints: { ...none, emails: ["Jane.Doe+ci@corp-example.com"] } },
      { principal: "JOHN.DOE@corp.example", ownerHints: none },
      { principal: "jdoe", ownerHints: none },
      { principal: "bob", ownerHints: { ...none, emails: ["bob@corp.example"] } },
    ),
    lastUsedDaysAgo: fc.option(fc.integer({ min: -2, max: 400 }), { nil: null }),
    createdDaysAgo: fc.integer({ min: 0, max: 400 }),
    active: fc.boolean(),
    mfaEnabled: fc.boolean(),
    isRoot: fc.boolean(),
    principalType: fc.constantFrom("human", "service", "unknown"),
  })
  .map(({ n, kind, owner, lastUsedDaysAgo, createdDaysAgo, ...rest }) =>
    credential({
      ...owner,
      ...rest,
      kind,
      nativeId: `AKIA${String(n).padStart(16, "0")}`,
      id: `aws-iam:123456789012:${kind}:${n}`,
      createdAt: daysAgo(createdDaysAgo),
      lastUsed: lastUsedDaysAgo === null ? null : { at: daysAgo(lastUsedDaysAgo), service: "s3" },
    }),
  );

describe("evaluateCredentials", () => {
  const index = new IdentityIndex(people, identitySettings);

  it("gives, page by page, exactly the findings of the whole list at once (property)", () => {
    fc.assert(
      fc.property(
        fc.array(credentialArbitrary, { maxLength: 40 }),
        fc.array(fc.nat({ max: 40 }), { maxLength: 6 }),
        (credentials, cuts) => {
          const whole = evaluateCredentials(credentials, index, ruleSettings, NOW);
          const bounds = [0, ...cuts.map((c) => Math.min(c, credentials.length)).sort((a, b) => a - b)];
          const paged = bounds.flatMap((from, i) =>
            evaluateCredentials(
              credentials.slice(from, bounds[i + 1] ?? credentials.length),
              index,
              ruleSettings,
              NOW,
            ),
          );
          expect(paged).toEqual(whole);
          // Key for key, not only value for value: a finding without a match has no `match` key.
          expect(paged.map((f) => Object.keys(f))).toEqual(whole.map((f) => Object.keys(f)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("takes any iterable: a generator over pages gives the same findings as the array", () => {
    fc.assert(
      fc.property(
        fc.array(credentialArbitrary, { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        (credentials, size) => {
          function* pages() {
            for (let from = 0; from < credentials.length; from += size)
              yield* credentials.slice(from, from + size);
          }
          expect(evaluateCredentials(pages(), index, ruleSettings, NOW)).toEqual(
            evaluateCredentials(credentials, index, ruleSettings, NOW),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("names findings with stable ids, and keeps `match` only where there is one", () => {
    const matched = credential({ ownerHints: { ...none, employeeIds: ["E100"] } });
    const unowned = credential({ principal: "deploy", ownerHints: none, nativeId: "AKIADEPLOY0000000001" });
    const findings = evaluateCredentials([matched, unowned], index, ruleSettings, NOW);
    expect(findings.map((f) => [f.ruleId, f.id])).toEqual([
      ["departed-owner-active-credential", findingId("departed-owner-active-credential", matched.id)],
      ["unowned-credential", findingId("unowned-credential", unowned.id)],
    ]);
    expect(findings[0]).toHaveProperty("match.by", "employee-id");
    expect(findings[1]).not.toHaveProperty("match");
  });
});

describe("ids", () => {
  it("are the ids earlier releases gave (stored findings keep their history)", () => {
    // Computed by the implementation before it was made faster; a change here renames every finding.
    expect(stableId("f", "aws-iam:123456789012:access-key:AKIAJANE000000000001", "unowned-credential")).toBe(
      "f-7f6553b464de1013",
    );
    expect(
      findingId("departed-owner-active-credential", "aws-iam:123456789012:access-key:AKIAJANE000000000001"),
    ).toBe("f-7aeb0f936041bea0");
    expect([stableId("ticket"), stableId("x", ""), stableId("run", "Zoë", "🙂")]).toEqual([
      "ticket-488bdcb81aee8d83",
      "x-37afb4e9267ece0d",
      "run-d7f49fddc4e0a9bf",
    ]);
  });
});
