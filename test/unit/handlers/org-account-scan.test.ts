/** What a member-account scan runs: the per-account AWS source, the rest left to the security account. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { MEMBER_ACCOUNT_SOURCES, memberAccountConfig } from "../../../lambdas/handlers/org-account-scan.ts";

describe("memberAccountConfig", () => {
  it("keeps aws-iam and turns off the security account's Cognito pools and the organization-wide connectors, naming them", () => {
    // Prepare
    const config = parseConfig({
      mode: "enforce",
      sources: {
        "aws-cognito": { enabled: true, pools: [{ userPoolId: "eu-west-1_AbC123" }] },
        okta: { enabled: true, orgUrl: "https://corp.okta.com", apiToken: { env: "OKTA_TOKEN" } },
        github: { enabled: false, org: "corp", token: { env: "GITHUB_TOKEN" } },
      },
      protectedPrincipals: ["break-glass-*"],
    });
    // Act
    const { config: member, skipped } = memberAccountConfig(config, "222222222222");
    // Assess
    expect(MEMBER_ACCOUNT_SOURCES).toEqual(["aws-iam", "aws-cognito"]);
    expect(skipped).toEqual(["aws-cognito", "okta"]);
    expect(member.sources["aws-iam"]).toEqual(config.sources["aws-iam"]);
    expect(member.sources["aws-cognito"].enabled).toBe(false);
    expect(member.sources.okta?.enabled).toBe(false);
    expect(member.sources.github?.enabled).toBe(false);
    // Everything else is the security account's config, unchanged.
    expect({ ...member, sources: undefined }).toEqual({ ...config, sources: undefined });
    expect(config.sources["aws-cognito"].enabled).toBe(true);
  });

  it("skips nothing when only aws-iam is on", () => {
    expect(memberAccountConfig(parseConfig({}), "222222222222").skipped).toEqual([]);
  });

  it("keeps the Cognito pools of this member account only, as its own (no account)", () => {
    // Prepare: one pool at home, one in each of two member accounts.
    const config = parseConfig({
      sources: {
        "aws-cognito": {
          enabled: true,
          pools: [
            { userPoolId: "eu-west-1_Home1" },
            {
              userPoolId: "eu-west-1_Member2",
              account: "222222222222",
              matchAttributes: ["email", "username"],
            },
            { userPoolId: "us-east-1_Member3", account: "333333333333" },
          ],
        },
      },
    });
    // Act
    const two = memberAccountConfig(config, "222222222222");
    const four = memberAccountConfig(config, "444444444444");
    // Assess
    expect(two.skipped).toEqual([]);
    expect(two.config.sources["aws-cognito"].enabled).toBe(true);
    const [pool, ...others] = two.config.sources["aws-cognito"].pools;
    expect(others).toEqual([]);
    expect(pool).toMatchObject({ userPoolId: "eu-west-1_Member2", matchAttributes: ["email", "username"] });
    expect(pool && "account" in pool).toBe(false);
    expect(four.skipped).toEqual(["aws-cognito"]);
    expect(four.config.sources["aws-cognito"].enabled).toBe(false);
  });
});
