import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  conventionalUsernames,
  foldIdentifier,
  IdentityIndex,
  normaliseEmail,
} from "../../../lambdas/core/identity.ts";
import { credential, identitySettings, person } from "../../support/fixtures.ts";

describe("normaliseEmail", () => {
  it("folds case, surrounding space, plus-addressing and domain aliases", () => {
    expect(normaliseEmail("  Jane.Doe+aws@Corp-Example.com ", identitySettings.domainAliases)).toBe(
      "jane.doe@corp.example",
    );
  });

  it("refuses what is not an address", () => {
    expect(normaliseEmail("jane.doe")).toBeUndefined();
    expect(normaliseEmail("@corp.example")).toBeUndefined();
    expect(normaliseEmail("jane@")).toBeUndefined();
    expect(normaliseEmail("ja ne@corp.example")).toBeUndefined();
  });

  it("is idempotent and case/space/tag insensitive (property)", () => {
    const local = fc.stringMatching(/^[a-z][a-z0-9.]{0,15}$/);
    const domain = fc.constantFrom("corp.example", "corp-example.com", "other.example");
    fc.assert(
      fc.property(local, domain, fc.stringMatching(/^[a-z0-9]{0,6}$/), fc.boolean(), (l, d, tag, upper) => {
        const plain = `${l}@${d}`;
        const variant = `  ${upper ? plain.toUpperCase() : plain}`.replace("@", tag ? `+${tag}@` : "@");
        const a = normaliseEmail(plain, identitySettings.domainAliases);
        const b = normaliseEmail(variant, identitySettings.domainAliases);
        expect(b).toBe(a);
        expect(normaliseEmail(a!, identitySettings.domainAliases)).toBe(a);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("foldIdentifier", () => {
  it("trims and lower-cases, and nothing more: where normaliseEmail starts", () => {
    expect(foldIdentifier("  Jane.Doe+HR@Corp-Example.com ")).toBe("jane.doe+hr@corp-example.com");
    expect(normaliseEmail("  Jane.Doe+HR@Corp-Example.com ")).toBe("jane.doe@corp-example.com");
    expect(foldIdentifier(" E100\t")).toBe("e100");
  });
});

describe("conventionalUsernames", () => {
  it("derives first.last, flast and the email local part, without accents", () => {
    const names = conventionalUsernames({ displayName: "Zoë O'Brien", emails: ["zoe.obrien@corp.example"] }, [
      "first.last",
      "flast",
      "firstl",
      "first_last",
      "email-local-part",
    ]).map((n) => n.username);
    expect(names).toEqual(["zoe.obrien", "zobrien", "zoeo", "zoe_obrien", "zoe.obrien"]);
  });
});

describe("IdentityIndex.match", () => {
  const jane = person();
  const index = new IdentityIndex([jane], identitySettings);

  it("matches on employee id first, as exact", () => {
    const match = index.match(
      credential({
        ownerHints: { employeeIds: ["e100"], emails: [], usernames: [], tags: {} },
        principal: "x",
      }),
    );
    expect(match).toMatchObject({ by: "employee-id", strength: "exact" });
    expect(match?.person).toBe(jane);
  });

  it("matches an owner email tag through a domain alias and plus-addressing", () => {
    const match = index.match(
      credential({
        principal: "deploy",
        ownerHints: { employeeIds: [], emails: ["Jane.Doe+ci@corp-example.com"], usernames: [], tags: {} },
      }),
    );
    expect(match).toMatchObject({ by: "owner-tag", strength: "exact" });
  });

  it("gives a key two list entries share to the one who left first, in either order", () => {
    // Two entries the merge kept apart (it folds case only) that the index keys alike.
    const early = person({
      employeeId: "E7",
      emails: ["jane+hr@corp.example"],
      departedAt: new Date("2024-05-01T00:00:00Z"),
    });
    const late = person({
      employeeId: "e7",
      emails: ["jane@corp.example"],
      departedAt: new Date("2027-01-01T00:00:00Z"),
    });
    const owned = credential({
      principal: "deploy",
      ownerHints: { employeeIds: [], emails: ["jane@corp.example"], usernames: [], tags: {} },
    });
    const tagged = credential({
      principal: "deploy",
      ownerHints: { employeeIds: ["E7"], emails: [], usernames: [], tags: {} },
    });
    for (const order of [
      [early, late],
      [late, early],
    ]) {
      const both = new IdentityIndex(order, identitySettings);
      expect(both.match(owned)?.person).toBe(early);
      expect(both.match(tagged)?.person).toBe(early);
    }
  });

  it("matches a principal that is an email", () => {
    const match = index.match(
      credential({
        principal: "JANE.DOE@corp.example",
        ownerHints: { employeeIds: [], emails: [], usernames: [], tags: {} },
      }),
    );
    expect(match).toMatchObject({ by: "email", strength: "exact" });
  });

  it("treats the email local part as strong and a name-built user name as weak", () => {
    const none = { employeeIds: [], emails: [], usernames: [], tags: {} };
    expect(index.match(credential({ principal: "jane.doe", ownerHints: none }))?.strength).toBe("strong");
    expect(index.match(credential({ principal: "jdoe", ownerHints: none }))).toMatchObject({
      by: "username-convention",
      strength: "weak",
    });
  });

  it("matches aliases from the departure list as strong", () => {
    const withAlias = new IdentityIndex([person({ aliases: ["jd-github"] })], identitySettings);
    const none = { employeeIds: [], emails: [], usernames: [], tags: {} };
    expect(withAlias.match(credential({ principal: "JD-GitHub", ownerHints: none }))).toMatchObject({
      by: "alias",
      strength: "strong",
    });
  });

  it("downgrades a user name two people fit to weak", () => {
    const john = person({ employeeId: "E200", emails: ["john.doe@corp.example"], displayName: "John Doe" });
    const both = new IdentityIndex([jane, john], identitySettings);
    const match = both.match(
      credential({ principal: "jdoe", ownerHints: { employeeIds: [], emails: [], usernames: [], tags: {} } }),
    );
    expect(match?.strength).toBe("weak");
    expect(match?.evidence).toContain("ambiguous");
  });

  it("finds every listed person by employee id, email and alias, on lists of any size (property)", () => {
    const listed = fc
      .uniqueArray(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 300 })
      .map((ns) =>
        ns.map((n) => person({ employeeId: `E${n}`, emails: [`P${n}@Corp.Example`], aliases: [`gh-${n}`] })),
      );
    fc.assert(
      fc.property(listed, (people) => {
        const big = new IdentityIndex(people, identitySettings);
        for (const p of people) {
          const n = p.employeeId!.slice(1);
          const hints = { employeeIds: [], emails: [], usernames: [], tags: {} };
          expect(
            big.match(credential({ principal: "x", ownerHints: { ...hints, employeeIds: [` e${n} `] } }))
              ?.person,
          ).toBe(p);
          expect(
            big.match(
              credential({ principal: "x", ownerHints: { ...hints, emails: [`p${n}+ci@corp-example.com`] } }),
            )?.person,
          ).toBe(p);
          expect(big.match(credential({ principal: `GH-${n}`, ownerHints: hints }))?.person).toBe(p);
        }
        expect(
          big.match(
            credential({
              principal: "gh-100001",
              ownerHints: { employeeIds: ["E100001"], emails: [], usernames: [], tags: {} },
            }),
          ),
        ).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it("does not match someone who is not on the list", () => {
    const match = index.match(
      credential({
        principal: "bob",
        ownerHints: { employeeIds: ["E999"], emails: ["bob@corp.example"], usernames: [], tags: {} },
      }),
    );
    expect(match).toBeUndefined();
  });
});
