import { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdentityIndex } from "../../../lambdas/core/identity.ts";
import type { Credential, Person } from "../../../lambdas/core/model.ts";
import type { DiscoverContext, RevokeContext } from "../../../lambdas/core/ports/credential-source.ts";
import {
  GitHubSource,
  githubPermissions,
  githubSourceFromConfig,
} from "../../../lambdas/sources/github/index.ts";
import { FakeGitHubOrg } from "../../../sandbox/providers/github-org.ts";
import { identitySettings } from "../../support/fixtures.ts";

const NOW = new Date("2026-06-01T12:00:00Z");

const jane: Person = {
  employeeId: "E100",
  emails: ["jane.doe@corp.example"],
  aliases: ["janedoe-gh"],
  displayName: "Jane Doe",
  departedAt: new Date("2026-05-28T00:00:00Z"),
};
const sam: Person = {
  emails: ["sam.roe@corp.example"],
  aliases: [],
  displayName: "Sam Roe",
  departedAt: new Date("2026-05-20T00:00:00Z"),
};

function discoverContext(people: readonly Person[]): DiscoverContext {
  return { now: NOW, people, resolver: new IdentityIndex(people, identitySettings) };
}

const revokeContext: RevokeContext = { now: NOW, person: jane, revokeSessionsIssuedBefore: NOW };

describe("GitHubSource against a local GitHub org fake", () => {
  let fake: FakeGitHubOrg;
  let source: GitHubSource;

  beforeEach(async () => {
    fake = await FakeGitHubOrg.start({ maxPageSize: 2 });
    source = githubSourceFromConfig(
      { org: fake.org, baseUrl: fake.url, revokeFineGrainedTokens: true },
      { token: fake.token },
    );
  });

  afterEach(async () => {
    await fake.close();
  });

  function seed() {
    const janeAuths = [
      fake.addCredentialAuthorization("janedoe-gh"),
      fake.addCredentialAuthorization("JaneDoe-GH", {
        credential_type: "SSH key",
        fingerprint: "SHA256:abc",
      }),
    ];
    fake.addCredentialAuthorization("still-here");
    fake.addCredentialAuthorization("other-person");
    const samAuth = fake.addCredentialAuthorization("sroe");
    fake.samlIdentities?.set("sroe", "sam.roe@corp.example");
    const janePat = fake.addPatGrant("janedoe-gh");
    fake.addPatGrant("janedoe-gh", { token_expired: true, token_expires_at: "2026-05-01T00:00:00Z" });
    fake.addPatGrant("other-person");
    return { janeAuths, samAuth, janePat };
  }

  it("lists the org over several pages and keeps only departed people's credentials", async () => {
    // Prepare
    const { janeAuths, samAuth, janePat } = seed();

    // Act
    const discovery = await source.discover(discoverContext([jane, sam]));

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => [c.kind, c.principal, c.nativeId])).toEqual([
      ["sso-authorization", "janedoe-gh", String(janeAuths[0]?.credential_id)],
      ["ssh-key", "JaneDoe-GH", String(janeAuths[1]?.credential_id)],
      ["sso-authorization", "sroe", String(samAuth.credential_id)],
      ["personal-access-token", "janedoe-gh", String(janePat.id)],
    ]);
    const samCredential = discovery.credentials[2];
    expect(samCredential).toMatchObject({
      id: `github:acme:sso-authorization:${samAuth.credential_id}`,
      account: "acme",
      ownerHints: { usernames: ["sroe"], emails: ["sam.roe@corp.example"] },
      lastUsed: { at: new Date("2026-05-30T10:00:00Z") },
      details: { credentialType: "personal access token", tokenLastEight: samAuth.token_last_eight },
    });
    expect(discovery.credentials[3]?.details).toMatchObject({
      tokenName: "deploy scripts",
      permissions: "repository.contents:write repository.metadata:read",
    });
    expect(discovery.stats).toMatchObject({
      orgCredentialAuthorizations: 5,
      orgPatGrants: 3,
      patGrantsSkippedExpired: 1,
      loginsMatched: 2,
      samlIdentities: 1,
    });
    const authPages = fake.calls.filter((c) => c.path.endsWith("/credential-authorizations"));
    expect(authPages.map((c) => c.query.page ?? "1")).toEqual(["1", "2", "3"]);
  });

  it("revokes an SSO authorization and a PAT grant, and verifies both are gone", async () => {
    // Prepare
    const { janeAuths, janePat } = seed();
    const discovery = await source.discover(discoverContext([jane]));
    const auth = discovery.credentials.find(
      (c) => c.nativeId === String(janeAuths[0]?.credential_id),
    ) as Credential;
    const pat = discovery.credentials.find((c) => c.kind === "personal-access-token") as Credential;

    // Act
    const revokedAuth = await source.revoke(auth, revokeContext);
    const revokedPat = await source.revoke(pat, revokeContext);
    const verifiedAuth = await source.verify(auth, revokeContext);
    const verifiedPat = await source.verify(pat, revokeContext);

    // Assess
    expect(revokedAuth).toEqual([
      {
        type: "revoke",
        status: "done",
        detail: `DELETE /orgs/acme/credential-authorizations/${janeAuths[0]?.credential_id}`,
        at: NOW,
      },
    ]);
    expect(revokedPat[0]?.status).toBe("done");
    expect(
      fake.calls.find((c) => c.method === "POST" && c.path.endsWith("/personal-access-tokens"))?.body,
    ).toEqual({
      action: "revoke",
      pat_ids: [janePat.id],
    });
    expect(verifiedAuth.status).toBe("verified");
    expect(verifiedPat.status).toBe("verified");
    expect(fake.calls.some((c) => c.query.login === "janedoe-gh")).toBe(true);
  });

  it("treats an authorization already removed as gone", async () => {
    // Prepare
    const { janeAuths } = seed();
    const discovery = await source.discover(discoverContext([jane]));
    const auth = discovery.credentials.find(
      (c) => c.nativeId === String(janeAuths[0]?.credential_id),
    ) as Credential;
    await source.revoke(auth, revokeContext);

    // Act
    const again = await source.revoke(auth, revokeContext);
    const verified = await source.verify(auth, revokeContext);

    // Assess
    expect(again[0]?.status).toBe("done");
    expect(again[0]?.detail).toMatch(/already gone: 404/);
    expect(verified.status).toBe("verified");
  });

  it("with revokeFineGrainedTokens off, skips a PAT grant's revocation and its read-back", async () => {
    // Prepare
    seed();
    const off = githubSourceFromConfig(
      { org: fake.org, baseUrl: fake.url, revokeFineGrainedTokens: false },
      { token: fake.token },
    );
    const discovery = await off.discover(discoverContext([jane]));
    const pat = discovery.credentials.find((c) => c.kind === "personal-access-token") as Credential;

    // Act
    const revoked = await off.revoke(pat, revokeContext);
    const verified = await off.verify(pat, revokeContext);

    // Assess: the policy is told (it tickets); asked anyway, nothing is sent, and the grant
    // still listed is no failed revocation.
    expect(pat.details?.revocationOff).toBe("sources.github.revokeFineGrainedTokens is false");
    expect(revoked.map((r) => r.status)).toEqual(["skipped"]);
    expect(verified.status).toBe("skipped");
    expect(fake.calls.some((c) => c.method === "POST" && c.path.endsWith("/personal-access-tokens"))).toBe(
      false,
    );
  });

  it.each([
    { lag: 2, expected: "verified" },
    { lag: 5, expected: "failed" },
  ])(
    "reads a PAT grant back again while GitHub applies its accepted revocation (still listed $lag times: $expected)",
    async ({ lag, expected }) => {
      // Prepare: GitHub answered 202 and keeps listing the grant for `lag` more listings.
      seed();
      fake.patRevocationLag = lag;
      const patient = new GitHubSource({
        org: fake.org,
        octokit: new Octokit({ auth: fake.token, baseUrl: fake.url }),
        patRevocationRecheckMs: [5, 5],
      });
      const discovery = await patient.discover(discoverContext([jane]));
      const pat = discovery.credentials.find((c) => c.kind === "personal-access-token") as Credential;

      // Act
      const revoked = await patient.revoke(pat, revokeContext);
      const verified = await patient.verify(pat, revokeContext);

      // Assess: the read-back lists three times at most (once, then twice after a wait), after
      // discovery's one listing.
      expect(revoked[0]?.status).toBe("done");
      expect(verified.status).toBe(expected);
      const listings = fake.calls.filter(
        (c) =>
          c.method === "GET" && c.path.endsWith("/personal-access-tokens") && (c.query.page ?? "1") === "1",
      );
      expect(listings.length).toBeLessThanOrEqual(1 + 3);
    },
  );

  it("reports a credential still listed after revoke as not verified", async () => {
    // Prepare
    const { janeAuths } = seed();
    const discovery = await source.discover(discoverContext([jane]));
    const auth = discovery.credentials.find(
      (c) => c.nativeId === String(janeAuths[0]?.credential_id),
    ) as Credential;

    // Act
    const verified = await source.verify(auth, revokeContext);

    // Assess
    expect(verified).toMatchObject({
      status: "failed",
      error: { name: "GitHubRevocationNotEffectiveError" },
    });
  });

  it("keeps nothing when no login maps to a departed person", async () => {
    // Prepare
    fake.addCredentialAuthorization("someone");
    fake.addPatGrant("someone");

    // Act
    const discovery = await source.discover(discoverContext([jane]));

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toEqual([]);
    expect(discovery.stats).toMatchObject({
      orgCredentialAuthorizations: 1,
      orgPatGrants: 1,
      loginsMatched: 0,
    });
  });

  it("waits out a primary rate limit (403, x-ratelimit-remaining: 0) and a secondary one (429, retry-after)", async () => {
    // Prepare
    seed();
    fake.rateLimit(1, "primary");

    // Act
    const first = await source.discover(discoverContext([jane]));
    fake.rateLimit(1, "secondary");
    const second = await source.discover(discoverContext([jane]));

    // Assess
    for (const discovery of [first, second]) {
      expect(discovery.problems).toEqual([]);
      expect(discovery.credentials).toHaveLength(3);
      expect(discovery.stats.rateLimitRetries).toBe(1);
    }
    expect(fake.calls.filter((c) => c.status === 403 || c.status === 429)).toHaveLength(2);
  });

  it("records one problem without the token when the token is rejected, and does not throw", async () => {
    // Prepare
    seed();
    fake.setUnauthorized(true);

    // Act
    const discovery = await source.discover(discoverContext([jane]));

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toEqual([
      {
        source: "github",
        subject: "acme",
        message: "GitHub answered HTTP 401: Bad credentials",
        errorName: "GitHubUnauthorizedError",
      },
    ]);
    expect(JSON.stringify(discovery)).not.toContain(fake.token);
  });

  it("records one problem when GitHub is unreachable", async () => {
    // Prepare
    const url = fake.url;
    await fake.close();
    const offline = githubSourceFromConfig(
      { org: "acme", baseUrl: url, revokeFineGrainedTokens: true },
      { token: "ghp_secretValueThatMustNotLeak000000000" },
    );

    // Act
    const discovery = await offline.discover(discoverContext([jane]));

    // Assess
    expect(discovery.problems).toEqual([
      expect.objectContaining({ subject: "acme", errorName: "GitHubUnreachableError" }),
    ]);
    expect(JSON.stringify(discovery)).not.toContain("ghp_secretValueThatMustNotLeak");
    fake = await FakeGitHubOrg.start();
  });

  it("notes, and goes on, when PAT grants are refused to a classic token", async () => {
    // Prepare
    seed();
    fake.patAccess = "forbidden";

    // Act
    const discovery = await source.discover(discoverContext([jane]));

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => c.kind)).toEqual(["sso-authorization", "ssh-key"]);
    expect(discovery.notes.join("\n")).toMatch(/Fine-grained PAT grants not read \(GitHub answered HTTP 403/);
  });

  it("fails a PAT revoke the org refuses with the reason, without the token", async () => {
    // Prepare
    seed();
    const discovery = await source.discover(discoverContext([jane]));
    const pat = discovery.credentials.find((c) => c.kind === "personal-access-token") as Credential;
    fake.patAccess = "forbidden";

    // Act
    const revoked = await source.revoke(pat, revokeContext);

    // Assess
    expect(revoked[0]).toMatchObject({ status: "failed", error: { name: "GitHubForbiddenError" } });
    expect(revoked[0]?.error?.message).toMatch(/not a GitHub App token/);
    expect(JSON.stringify(revoked)).not.toContain(fake.token);
  });

  it("uses a separate GitHub App client for PAT grants when given", async () => {
    // Prepare
    await fake.close();
    fake = await FakeGitHubOrg.start({ appToken: "ghs_fakeInstallationToken000000000000" });
    fake.addPatGrant("janedoe-gh");
    const app = new Octokit({ auth: fake.appToken, baseUrl: fake.url });
    const classic = new Octokit({ auth: fake.token, baseUrl: fake.url });
    const twoClients = new GitHubSource({ org: fake.org, octokit: classic, patGrantsOctokit: app });

    // Act
    const discovery = await twoClients.discover(discoverContext([jane]));

    // Assess
    expect(discovery.credentials.map((c) => c.kind)).toEqual(["personal-access-token"]);
    const patCall = fake.calls.find((c) => c.path.endsWith("/personal-access-tokens"));
    expect(patCall?.authorization).toBe(`token ${fake.appToken}`);
  });

  it("notes when the org has no SAML SSO, and matches by aliases only", async () => {
    // Prepare
    fake.samlSso = false;
    fake.samlIdentities = null;
    fake.addPatGrant("janedoe-gh");

    // Act
    const discovery = await source.discover(discoverContext([jane]));

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => c.kind)).toEqual(["personal-access-token"]);
    expect(discovery.notes.join("\n")).toMatch(/does not use SAML SSO/);
  });

  describe("preflight", () => {
    /** Only reads reached GitHub (GraphQL queries are POSTs): nothing removed or revoked. */
    function expectNothingChanged(authorizations: number, grants: number): void {
      const writes = fake.calls.filter((c) => c.method !== "GET" && c.path !== "/graphql");
      expect(writes).toEqual([]);
      expect(fake.credentialAuthorizations).toHaveLength(authorizations);
      expect(fake.patGrants).toHaveLength(grants);
    }

    it("reads the org and one entry of each list discovery reads, with the token's scopes", async () => {
      // Prepare
      seed();

      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "github: organisation acme",
          ok: true,
          detail: "found (id 9000001); the classic token's scopes: admin:org",
        },
        {
          name: "github: SSO credential authorizations",
          ok: true,
          detail: "listed: the token can read SSO authorizations",
        },
        {
          name: "github: SAML identities",
          ok: true,
          detail: "readable: logins are matched to the emails of the org's SAML identity provider",
        },
        {
          name: "github: fine-grained PAT grants",
          ok: true,
          detail:
            "listed: the token can read fine-grained PAT grants; revoking needs " +
            "organization_personal_access_tokens: write, which cannot be checked without acting",
        },
      ]);
      expect(fake.calls.map((c) => [c.method, c.path, c.query.per_page ?? null])).toEqual([
        ["GET", "/orgs/acme", null],
        ["GET", "/orgs/acme/credential-authorizations", "1"],
        ["POST", "/graphql", null],
        ["GET", "/orgs/acme/personal-access-tokens", "1"],
      ]);
      expect(fake.calls[2]?.body).toMatchObject({ variables: { org: "acme", first: 1 } });
      expectNothingChanged(5, 3);
    });

    it("says when the classic token can list SSO authorizations but not remove them", async () => {
      // Prepare
      await fake.close();
      fake = await FakeGitHubOrg.start({ tokenScopes: ["read:org", "repo"] });
      const readOnly = githubSourceFromConfig(
        { org: fake.org, baseUrl: fake.url, revokeFineGrainedTokens: true },
        { token: fake.token },
      );

      // Act
      const checks = await readOnly.preflight();

      // Assess
      expect(checks.slice(0, 2)).toEqual([
        {
          name: "github: organisation acme",
          ok: true,
          detail: "found (id 9000001); the classic token's scopes: read:org, repo",
        },
        {
          name: "github: SSO credential authorizations",
          ok: true,
          detail:
            "listed: the token can read SSO authorizations; removing them needs admin:org, which the token's " +
            "scopes lack: the scan can report but not revoke them",
        },
      ]);
    });

    it("fails on a refused token, saying how to replace it, without the token", async () => {
      // Prepare
      seed();
      fake.setUnauthorized(true);

      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "github: organisation acme",
          ok: false,
          detail:
            "GitHub answered HTTP 401: Bad credentials: GitHub refused the token (wrong, expired or revoked); " +
            "create an org owner's classic token with read:org (admin:org to revoke) and update the secret " +
            "sources.github.token points to",
        },
      ]);
      expect(JSON.stringify(checks)).not.toContain(fake.token);
      expectNothingChanged(5, 3);
    });

    it("fails when the organisation does not exist or is not visible", async () => {
      // Prepare
      const elsewhere = githubSourceFromConfig(
        { org: "no-such-org", baseUrl: fake.url, revokeFineGrainedTokens: true },
        { token: fake.token },
      );

      // Act
      const checks = await elsewhere.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "github: organisation no-such-org",
          ok: false,
          detail:
            "GitHub answered HTTP 404: Not Found: organisation not found or not visible; check " +
            "sources.github.org (and sources.github.baseUrl)",
        },
      ]);
    });

    it("passes, saying so, when the org has no SAML SSO", async () => {
      // Prepare
      fake.samlSso = false;
      fake.samlIdentities = null;

      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks.slice(1, 3)).toEqual([
        {
          name: "github: SSO credential authorizations",
          ok: true,
          detail:
            "GitHub answered HTTP 404: Not Found: the org does not use SAML SSO (GitHub Enterprise Cloud), so " +
            "there are none to read",
        },
        {
          name: "github: SAML identities",
          ok: true,
          detail:
            "no org-level SAML identity provider visible to the token (none configured, enterprise-level SAML, " +
            "or a token that is not an org owner's): logins are matched by the departure list's aliases only",
        },
      ]);
    });

    it("fails PAT grants refused to a classic token (403), naming the App permission they need", async () => {
      // Prepare
      seed();
      fake.patAccess = "forbidden";

      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks.at(-1)).toEqual({
        name: "github: fine-grained PAT grants",
        ok: false,
        detail:
          "GitHub answered HTTP 403: Resource not accessible by personal access token: GitHub lists them only " +
          "to a GitHub App installation with the organization_personal_access_tokens permission (read to " +
          "report, write to revoke): configure sources.github.app",
      });
      expect(checks.slice(0, -1).every((c) => c.ok)).toBe(true);
      expectNothingChanged(5, 3);
    });

    it("fails PAT grants answered 404, naming both causes and the permission", async () => {
      // Prepare
      fake.patAccess = "not-found";

      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks.at(-1)).toEqual({
        name: "github: fine-grained PAT grants",
        ok: false,
        detail:
          "GitHub answered HTTP 404: Not Found: the org does not let fine-grained PATs reach its resources, or " +
          "the token is not an App's: GitHub lists them only to a GitHub App installation with the " +
          "organization_personal_access_tokens permission (read to report, write to revoke): configure " +
          "sources.github.app",
      });
    });

    it("fails PAT grants on an expired patGrantsToken, pointing at sources.github.app", async () => {
      // Prepare
      await fake.close();
      fake = await FakeGitHubOrg.start({ appToken: "ghs_fakeInstallationToken000000000000" });
      const stale = githubSourceFromConfig(
        { org: fake.org, baseUrl: fake.url, revokeFineGrainedTokens: true },
        { token: fake.token, patGrantsToken: "ghs_expiredInstallationToken0000000000" },
      );

      // Act
      const checks = await stale.preflight();

      // Assess
      expect(checks.at(-1)).toEqual({
        name: "github: fine-grained PAT grants",
        ok: false,
        detail:
          "GitHub answered HTTP 401: Bad credentials: GitHub refused sources.github.patGrantsToken; " +
          "installation tokens expire after an hour, so configure sources.github.app instead, which mints its own",
      });
      expect(JSON.stringify(checks)).not.toMatch(/ghs_|ghp_/);
    });

    it("fails when GitHub is unreachable, naming the setting, without the token", async () => {
      // Prepare
      const url = fake.url;
      await fake.close();
      const offline = githubSourceFromConfig(
        { org: "acme", baseUrl: url, revokeFineGrainedTokens: true },
        { token: "ghp_secretValueThatMustNotLeak000000000" },
      );

      // Act
      const checks = await offline.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "github: organisation acme",
          ok: false,
          detail:
            "GitHub is unreachable (ECONNREFUSED): check sources.github.baseUrl and that this host can reach it",
        },
      ]);
      expect(JSON.stringify(checks)).not.toContain("ghp_secretValueThatMustNotLeak");
      fake = await FakeGitHubOrg.start();
    });
  });

  it("declares the scopes and permissions its tokens need", () => {
    expect(githubPermissions).toEqual({
      read: ["read:org", "organization_personal_access_tokens:read"],
      write: ["admin:org", "organization_personal_access_tokens:write"],
    });
  });
});
