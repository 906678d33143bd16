/**
 * `protectedPrincipals` as IAM resource ARN patterns (lib/protected-principals.ts): what each
 * kind of pattern becomes, and, checked with an IAM-style matcher (case-sensitive, segment by
 * segment), that the Deny never leaves out a user or role the application protects by name or
 * ARN, whatever its path.
 */
import { describe, expect, it } from "vitest";
import { protectedPattern } from "../../lambdas/core/policy.ts";
import { protectedPrincipalResources } from "../../lib/protected-principals.ts";

const ACCOUNT = "111122223333";
const TARGET = { partition: "aws", accountId: ACCOUNT };
const ARN = `arn:aws:iam::${ACCOUNT}:`;

/** IAM's `Resource` matching: `*` and `?` within a segment, case-sensitive. */
function iamMatches(resource: string, arn: string): boolean {
  const pattern = resource.split(":");
  const actual = arn.split(":");
  if (pattern.length !== actual.length) return false;
  return pattern.every((segment, i) => {
    const re = segment
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    return new RegExp(`^${re}$`).test(actual[i]!);
  });
}

/** Users and roles of the account, with and without paths, in the case their names were created. */
const PRINCIPALS = [
  { name: "break-glass-1", arn: `${ARN}user/break-glass-1` },
  { name: "break-glass-2", arn: `${ARN}user/emergency/break-glass-2` },
  { name: "Break-Glass-3", arn: `${ARN}user/ops/eu/Break-Glass-3` },
  { name: "BREAK-GLASS-ROLE", arn: `${ARN}role/BREAK-GLASS-ROLE` },
  { name: "not-break-glass", arn: `${ARN}user/not-break-glass` },
  { name: "alice", arn: `${ARN}user/alice` },
  { name: "Alice", arn: `${ARN}user/people/Alice` },
  { name: "malice", arn: `${ARN}user/malice` },
  { name: "bob", arn: `${ARN}user/bob` },
  { name: "db-admin", arn: `${ARN}role/service/db-admin` },
  { name: "Admin", arn: `${ARN}role/Admin` },
  { name: "ci", arn: `${ARN}role/admins/ci` },
  { name: "deployer", arn: `${ARN}role/deployer` },
  { name: "jane@corp.example", arn: `${ARN}user/jane@corp.example` },
];

describe("protected principal patterns as IAM resources", () => {
  it("turns a name pattern into `*/<pattern>`, so users and roles match at any path", () => {
    // Act
    const { resources, appOnly } = protectedPrincipalResources(["break-glass*"], TARGET);
    // Assess: the pattern as written, upper case and capitalised (lower case is as written).
    expect(resources).toEqual([`${ARN}*/break-glass*`, `${ARN}*/BREAK-GLASS*`, `${ARN}*/Break-Glass*`]);
    expect(appOnly).toEqual([]);
    expect(iamMatches(resources[0]!, `${ARN}user/break-glass-1`)).toBe(true);
    expect(iamMatches(resources[0]!, `${ARN}user/emergency/break-glass-2`)).toBe(true);
    expect(iamMatches(resources[0]!, `${ARN}role/break-glass`)).toBe(true);
    // A name that only ends in the pattern is not protected, and not denied.
    expect(resources.some((r) => iamMatches(r, `${ARN}user/not-break-glass`))).toBe(false);
  });

  it("keeps an IAM ARN pattern as given, with its name's case variants, and lowers its type", () => {
    // Act
    const { resources } = protectedPrincipalResources(
      ["arn:aws:iam::*:role/admins/*", "ARN:AWS:IAM::111122223333:USER/Ops-*", "arn:*:*::*:*admin"],
      TARGET,
    );
    // Assess
    expect(resources).toEqual([
      "arn:aws:iam::*:role/admins/*",
      "arn:aws:iam::*:role/ADMINS/*",
      "arn:aws:iam::*:role/Admins/*",
      `${ARN}user/Ops-*`,
      `${ARN}user/ops-*`,
      `${ARN}user/OPS-*`,
      // IAM allows no wildcard in the service segment: a service pattern matching `iam` is `iam`.
      "arn:*:iam::*:*admin",
      "arn:*:iam::*:*ADMIN",
      "arn:*:iam::*:*Admin",
    ]);
  });

  it("widens a name pattern the application would also match through the ARN's fixed prefix", () => {
    // Act: `a*` matches every ARN ("arn:..."); in `*aws*root`, `aws` can fall in the partition.
    const everything = protectedPrincipalResources(["a*"], TARGET).resources;
    const root = protectedPrincipalResources(["*aws*root"], TARGET).resources;
    // Assess
    expect(everything).toEqual([`${ARN}*/*`]);
    expect(protectedPattern([`${ARN}user/bob`], ["a*"])).toBe("a*");
    expect(root).toEqual([`${ARN}*/*root`, `${ARN}*/*ROOT`, `${ARN}*/*Root`]);
  });

  it("names what IAM cannot express, and why", () => {
    // Act
    const { resources, appOnly } = protectedPrincipalResources(
      [
        "security@corp.example",
        "arn:aws:sts::*:assumed-role/Admin/*",
        "arn:aws:iam::*:group/admins",
        "arn:*",
        "who?",
        "has space",
        "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_AbC",
      ],
      TARGET,
    );
    // Assess: an email is also a possible user name, so it is denied as a name; its match on
    // owners' emails is the application's alone. The rest render nothing.
    expect(resources).toEqual([
      `${ARN}*/security@corp.example`,
      `${ARN}*/SECURITY@CORP.EXAMPLE`,
      `${ARN}*/Security@Corp.Example`,
    ]);
    expect(appOnly.map((a) => a.pattern)).toEqual([
      "security@corp.example",
      "arn:aws:sts::*:assumed-role/Admin/*",
      "arn:aws:iam::*:group/admins",
      "arn:*",
      "who?",
      "has space",
      "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_AbC",
    ]);
    expect(appOnly[0]?.reason).toMatch(/emails/);
    expect(appOnly[3]?.reason).toMatch(/six segments/);
    for (const a of appOnly) expect(a.reason).not.toBe("");
  });

  it("renders CloudFormation placeholders for the member role template", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
    const target = { partition: "${AWS::Partition}", accountId: "${AWS::AccountId}" };
    // Act
    const { resources } = protectedPrincipalResources(["ops"], target);
    // Assess
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders.
    expect(resources[0]).toBe("arn:${AWS::Partition}:iam::${AWS::AccountId}:*/ops");
  });

  it.each([
    "break-glass*",
    "break-glass-*",
    "*break-glass*",
    "alice",
    "ALICE",
    "*admin",
    "admin*",
    "a*",
    "*a*bob",
    "deployer",
    "jane@corp.example",
    "*",
    "arn:aws:iam::*:role/admins/*",
    "arn:aws:iam::111122223333:user/*",
    `arn:aws:iam::${ACCOUNT}:role/*/db-admin`,
  ])("denies every user and role the application protects by name or ARN: %s", (pattern) => {
    // Prepare
    const { resources } = protectedPrincipalResources([pattern], TARGET);
    // Act
    const missed = PRINCIPALS.filter(
      (p) =>
        protectedPattern([p.name, p.arn], [pattern]) !== undefined &&
        !resources.some((r) => iamMatches(r, p.arn)),
    );
    // Assess
    expect(missed.map((p) => p.arn)).toEqual([]);
  });
});
