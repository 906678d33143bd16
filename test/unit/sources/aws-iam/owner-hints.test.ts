import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../lambdas/config.ts";
import { ownerHintsOf, principalTypeOf } from "../../../../lambdas/sources/aws-iam/owner-hints.ts";

const ownership = parseConfig({}).ownership;

describe("ownerHintsOf", () => {
  it("reads configured email, employee id and user name tags", () => {
    // Prepare
    const tags = new Map([
      ["email", "alice@corp.example"],
      ["employee-id", "E42"],
      ["owner-username", "alice"],
      ["team", "payments"],
    ]);

    // Act
    const hints = ownerHintsOf({ path: "/", tags }, ownership);

    // Assess
    expect(hints).toEqual({
      employeeIds: ["E42"],
      emails: ["alice@corp.example"],
      usernames: ["alice"],
      tags: {
        email: "alice@corp.example",
        "employee-id": "E42",
        "owner-username": "alice",
        team: "payments",
      },
    });
  });

  it("takes an owner tag holding a user name as a user name, and an email path segment as an email", () => {
    // Act
    const hints = ownerHintsOf(
      { path: "/people/bob@corp.example/", tags: new Map([["Owner", "carol"]]) },
      ownership,
    );

    // Assess
    expect(hints.emails).toEqual(["bob@corp.example"]);
    expect(hints.usernames).toEqual(["carol"]);
  });

  it("gives no hints without tags or telling path", () => {
    expect(ownerHintsOf({ path: "/eng/" }, ownership)).toEqual({
      employeeIds: [],
      emails: [],
      usernames: [],
      tags: {},
    });
  });
});

describe("principalTypeOf", () => {
  it("lets the principal-type tag win", () => {
    const tags = new Map([["principal-type", "Human"]]);
    expect(principalTypeOf({ userName: "svc-deploy", path: "/service/", tags }, ownership)).toBe("human");
  });

  it("reads service paths and service name patterns", () => {
    expect(principalTypeOf({ userName: "alice", path: "/service/" }, ownership)).toBe("service");
    expect(principalTypeOf({ userName: "svc-backup", path: "/" }, ownership)).toBe("service");
    expect(principalTypeOf({ userName: "payments-deploy", path: "/" }, ownership)).toBe("service");
  });

  it("takes a console password or a match to a person as a human, and nothing else as unknown", () => {
    expect(principalTypeOf({ userName: "alice", path: "/", hasPassword: true }, ownership)).toBe("human");
    expect(principalTypeOf({ userName: "alice", path: "/", namedAfterPerson: true }, ownership)).toBe(
      "human",
    );
    expect(principalTypeOf({ userName: "alice", path: "/" }, ownership)).toBe("unknown");
  });
});
