/** What a member-account scan runs: the per-account AWS source, the rest left to the security account. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { MEMBER_ACCOUNT_SOURCES, memberAccountConfig } from "../../../lambdas/handlers/org-account-scan.ts";

describe("memberAccountConfig", () => {
  it("keeps aws-iam and turns off Cognito and the organization-wide connectors, naming them", () => {
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
    const { config: member, skipped } = memberAccountConfig(config);
    // Assess
    expect(MEMBER_ACCOUNT_SOURCES).toEqual(["aws-iam"]);
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
    expect(memberAccountConfig(parseConfig({})).skipped).toEqual([]);
  });
});
