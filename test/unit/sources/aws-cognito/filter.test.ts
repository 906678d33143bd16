import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../lambdas/config.ts";
import {
  awsCognitoPermissions,
  awsCognitoPoolArns,
  equalsFilter,
  escapeFilterValue,
  isFilterable,
  parseSessionsNativeId,
  searchValues,
  sessionsCredentialId,
  validityMinutes,
} from "../../../../lambdas/sources/aws-cognito/index.ts";
import { parseUserFilter } from "../../../../sandbox/cognito/filter.ts";

describe("ListUsers filter escaping", () => {
  it("round-trips any string through the escape as the sandbox's parser reads it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        // Act
        const parsed = parseUserFilter(equalsFilter("email", value));

        // Assess
        expect(parsed).toEqual({ attribute: "email", operator: "=", value });
      }),
      { numRuns: 2000 },
    );
  });

  it("cannot be widened by a value that tries to close the string", () => {
    // Prepare
    const hostile = 'x" or email ^= "';

    // Act
    const filter = equalsFilter("email", hostile);

    // Assess
    expect(filter).toBe('email = "x\\" or email ^= \\""');
    expect(parseUserFilter(filter)).toEqual({ attribute: "email", operator: "=", value: hostile });
  });

  it("escapes exactly backslashes and double quotes", () => {
    expect(escapeFilterValue('a\\b"c')).toBe('a\\\\b\\"c');
    expect(escapeFilterValue("plain@corp.example")).toBe("plain@corp.example");
  });

  it("knows custom attributes are not filterable", () => {
    expect(isFilterable("email")).toBe(true);
    expect(isFilterable("preferred_username")).toBe(true);
    expect(isFilterable("custom:employee_id")).toBe(false);
  });
});

describe("what a person is looked up by", () => {
  const person = {
    emails: [" Jane.Doe@Corp.example "],
    aliases: ["jdoe"],
    displayName: "Jane Doe",
    departedAt: new Date("2026-05-28T00:00:00Z"),
  };

  it("searches emails as written and in lower case, usernames by alias and email", () => {
    expect(searchValues("email", person)).toEqual(["Jane.Doe@Corp.example", "jane.doe@corp.example"]);
    expect(searchValues("username", person)).toEqual([
      "jdoe",
      "Jane.Doe@Corp.example",
      "jane.doe@corp.example",
    ]);
    expect(searchValues("name", person)).toEqual(["Jane Doe"]);
    expect(searchValues("phone_number", person)).toEqual([]);
  });
});

describe("ids, validity and permissions", () => {
  it("builds and parses <poolId>/<username> native ids, usernames with slashes included", () => {
    expect(sessionsCredentialId("123456789012", "eu-west-1_Ab1", "a/b")).toBe(
      "aws-cognito:123456789012:cognito-sessions:eu-west-1_Ab1/a/b",
    );
    expect(parseSessionsNativeId("eu-west-1_Ab1/a/b")).toEqual({
      userPoolId: "eu-west-1_Ab1",
      username: "a/b",
    });
    expect(parseSessionsNativeId("nouser/")).toBeUndefined();
  });

  it("reads token validity in its unit, with Cognito's defaults", () => {
    expect(validityMinutes(undefined, undefined, "access")).toBe(60);
    expect(validityMinutes(undefined, undefined, "refresh")).toBe(43_200);
    expect(validityMinutes(1, undefined, "access")).toBe(60);
    expect(validityMinutes(15, "minutes", "access")).toBe(15);
    expect(validityMinutes(3650, undefined, "refresh")).toBe(3650 * 1440);
  });

  it("declares exactly the actions the source calls, scoped to the configured pools' ARNs", () => {
    // Prepare
    const config = parseConfig({
      sources: {
        "aws-cognito": {
          pools: [{ userPoolId: "eu-west-1_Staff1" }, { userPoolId: "us-east-1_Cust1", region: "us-east-1" }],
        },
      },
    }).sources["aws-cognito"];

    // Act
    const arns = awsCognitoPoolArns(config, { accountId: "123456789012" });

    // Assess
    expect(arns).toEqual([
      "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Staff1",
      "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Cust1",
    ]);
    expect([...awsCognitoPermissions.read].sort()).toEqual(
      [
        "cognito-idp:ListUsers",
        "cognito-idp:DescribeUserPool",
        "cognito-idp:ListUserPoolClients",
        "cognito-idp:DescribeUserPoolClient",
        "cognito-idp:AdminListUserAuthEvents",
        "cognito-idp:AdminGetUser",
        "cognito-idp:AdminListDevices",
      ].sort(),
    );
    expect([...awsCognitoPermissions.write].sort()).toEqual(
      [
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminForgetDevice",
        "cognito-idp:AdminUserGlobalSignOut",
      ].sort(),
    );
  });
});
