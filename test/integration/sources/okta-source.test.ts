import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdentityIndex } from "../../../lambdas/core/identity.ts";
import type { Credential, Person } from "../../../lambdas/core/model.ts";
import type { DiscoverContext, RevokeContext } from "../../../lambdas/core/ports/credential-source.ts";
import { OktaSource, oktaPermissions, oktaSourceFromConfig } from "../../../lambdas/sources/okta/index.ts";
import { FakeOkta } from "../../../sandbox/providers/okta.ts";
import { identitySettings } from "../../support/fixtures.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const CLIENT = { client_id: "0oa1mobileapp", client_name: "Expenses mobile" };

const jane: Person = {
  employeeId: "E100",
  emails: ["jane.doe@corp.example"],
  aliases: ["jdoe"],
  displayName: "Jane Doe",
  departedAt: new Date("2026-05-28T00:00:00Z"),
};

function discoverContext(people: readonly Person[]): DiscoverContext {
  return { now: NOW, people, resolver: new IdentityIndex(people, identitySettings) };
}

const revokeContext: RevokeContext = { now: NOW, person: jane, revokeSessionsIssuedBefore: NOW };

describe("OktaSource against a local Okta fake", () => {
  let fake: FakeOkta;
  let source: OktaSource;

  beforeEach(async () => {
    fake = await FakeOkta.start({ maxPageSize: 2 });
    source = oktaSourceFromConfig({ orgUrl: fake.url, clearSessions: true }, fake.apiToken);
  });

  afterEach(async () => {
    await fake.close();
  });

  function seedJane() {
    const user = fake.addUser({
      profile: { login: "jane.doe@corp.example", email: "jane.doe@corp.example", employeeNumber: "E100" },
    });
    const grants = [1, 2, 3].map((n) => fake.addGrant(user.id, { clientId: `0oaclient${n}` }));
    const tokens = [1, 2, 3].map(() => fake.addRefreshToken(user.id, CLIENT));
    return { user, grants, tokens };
  }

  it("lists grants and refresh tokens over several pages, and the user's web sessions", async () => {
    // Prepare
    const { user, grants, tokens } = seedJane();
    fake.addRefreshToken(user.id, CLIENT, { expiresAt: "2026-01-01T00:00:00.000Z" });
    fake.addUser({ profile: { login: "someone.else@corp.example", email: "someone.else@corp.example" } });

    // Act
    const discovery = await source.discover(discoverContext([jane]));

    // Assess
    expect(discovery.problems).toEqual([]);
    const byKind = (kind: string) => discovery.credentials.filter((c) => c.kind === kind);
    expect(byKind("oauth-grant").map((c) => c.nativeId)).toEqual(grants.map((g) => g.id));
    expect(byKind("refresh-token").map((c) => c.nativeId)).toEqual(tokens.map((t) => t.id));
    expect(byKind("web-sessions").map((c) => c.nativeId)).toEqual([user.id]);
    const grant = byKind("oauth-grant")[0];
    expect(grant).toMatchObject({
      id: `okta:${new URL(fake.url).host}:oauth-grant:${grants[0]?.id}`,
      source: "okta",
      principal: "jane.doe@corp.example",
      principalType: "human",
      active: true,
      ownerHints: { employeeIds: ["E100"], emails: ["jane.doe@corp.example"] },
      details: { userId: user.id, clientId: "0oaclient1", scopeId: grants[0]?.scopeId },
    });
    expect(byKind("refresh-token")[0]?.details).toMatchObject({
      clientId: CLIENT.client_id,
      expiresAt: "2026-12-31T00:00:00.000Z",
    });
    expect(discovery.stats).toMatchObject({
      usersFound: 1,
      grants: 3,
      refreshTokens: 3,
      refreshTokensSkippedInactive: 1,
    });
    const grantPages = fake.calls.filter((c) => c.path.endsWith("/grants"));
    expect(grantPages.map((c) => c.query.after ?? null)).toEqual([null, grants[1]?.id]);
    expect(discovery.notes.join(" ")).toMatch(/no API that lists one user's sessions/);
  });

  it("finds a user by profile email when the login is not the email", async () => {
    // Prepare
    const user = fake.addUser({ profile: { login: "jdoe-corp", email: "jane.doe@corp.example" } });
    fake.addGrant(user.id, { clientId: "0oaclient1" });

    // Act
    const discovery = await source.discover(discoverContext([{ ...jane, aliases: [] }]));

    // Assess
    expect(discovery.credentials.filter((c) => c.kind === "oauth-grant")).toHaveLength(1);
    expect(fake.calls.some((c) => c.query.search === 'profile.email eq "jane.doe@corp.example"')).toBe(true);
  });

  it("records nothing and no problem for a person Okta does not know", async () => {
    // Act
    const discovery = await source.discover(discoverContext([jane]));

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toEqual([]);
    expect(discovery.stats.usersFound).toBe(0);
  });

  it("revokes a grant and a refresh token, and verifies both are gone", async () => {
    // Prepare
    const { user, grants, tokens } = seedJane();
    const discovery = await source.discover(discoverContext([jane]));
    const grant = discovery.credentials.find((c) => c.nativeId === grants[0]?.id) as Credential;
    const token = discovery.credentials.find((c) => c.nativeId === tokens[0]?.id) as Credential;

    // Act
    const revokedGrant = await source.revoke(grant, revokeContext);
    const revokedToken = await source.revoke(token, revokeContext);
    const verifiedGrant = await source.verify(grant, revokeContext);
    const verifiedToken = await source.verify(token, revokeContext);

    // Assess
    expect(revokedGrant).toEqual([
      {
        type: "revoke",
        status: "done",
        detail: `DELETE /api/v1/users/${user.id}/grants/${grants[0]?.id}`,
        at: NOW,
      },
    ]);
    expect(revokedToken[0]?.status).toBe("done");
    expect(verifiedGrant.status).toBe("verified");
    expect(verifiedToken.status).toBe("verified");
    expect(fake.grantsOf(user.id).map((g) => g.id)).toEqual([grants[1]?.id, grants[2]?.id]);
    expect(fake.refreshTokensOf(user.id).map((t) => t.id)).toEqual([tokens[1]?.id, tokens[2]?.id]);
  });

  it("clears sessions with their OAuth tokens and records it as done, not verified", async () => {
    // Prepare
    const { user } = seedJane();
    const discovery = await source.discover(discoverContext([jane]));
    const sessions = discovery.credentials.find((c) => c.kind === "web-sessions") as Credential;

    // Act
    const revoked = await source.revoke(sessions, revokeContext);
    const verified = await source.verify(sessions, revokeContext);

    // Assess
    expect(revoked[0]).toMatchObject({
      status: "done",
      detail: `DELETE /api/v1/users/${user.id}/sessions?oauthTokens=true`,
    });
    expect(fake.sessionClears).toEqual([{ userId: user.id, oauthTokens: true }]);
    expect(verified.status).toBe("done");
    expect(verified.detail).toMatch(/cannot be read back/);
  });

  it("treats a grant already deleted as gone: revoke done, verify verified", async () => {
    // Prepare
    const { user, grants } = seedJane();
    const discovery = await source.discover(discoverContext([jane]));
    const grant = discovery.credentials.find((c) => c.nativeId === grants[0]?.id) as Credential;
    await source.revoke(grant, revokeContext);

    // Act
    const again = await source.revoke(grant, revokeContext);
    const verified = await source.verify(grant, revokeContext);

    // Assess
    expect(again[0]).toMatchObject({ status: "done" });
    expect(again[0]?.detail).toMatch(/already gone: 404/);
    expect(verified).toMatchObject({ status: "verified" });
    expect(fake.grantsOf(user.id)).toHaveLength(2);
  });

  it("waits out a 429 until X-Rate-Limit-Reset, then succeeds", async () => {
    // Prepare
    seedJane();
    fake.rateLimit(1, /\/grants$/);

    // Act
    const discovery = await source.discover(discoverContext([jane]));

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.filter((c) => c.kind === "oauth-grant")).toHaveLength(3);
    expect(discovery.stats.rateLimitBackoffs).toBe(1);
    expect(fake.calls.filter((c) => c.status === 429)).toHaveLength(1);
  });

  it("records a person's problem when the rate limit outlasts the retries, and goes on", async () => {
    // Prepare
    const quick = new OktaSource({ orgUrl: fake.url, apiToken: fake.apiToken, maxRateLimitRetries: 0 });
    seedJane();
    fake.rateLimit(1, /\/grants$/);

    // Act
    const discovery = await quick.discover(discoverContext([jane]));

    // Assess
    expect(discovery.problems).toEqual([
      {
        source: "okta",
        subject: "jane.doe@corp.example",
        message: "Okta answered HTTP 429 E0000047: API call exceeded rate limit due to too many requests.",
        errorName: "OktaRateLimitError",
      },
    ]);
  });

  it("records one problem without the token when the token is rejected, and does not throw", async () => {
    // Prepare
    seedJane();
    fake.setUnauthorized(true);
    const people = [jane, { ...jane, emails: ["other@corp.example"], aliases: [] }];

    // Act
    const discovery = await source.discover(discoverContext(people));

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toEqual([
      {
        source: "okta",
        subject: new URL(fake.url).host,
        message: "Okta answered HTTP 401 E0000011: Invalid token provided",
        errorName: "OktaUnauthorizedError",
      },
    ]);
    expect(JSON.stringify(discovery)).not.toContain(fake.apiToken);
  });

  it("records one problem when the org is unreachable", async () => {
    // Prepare
    const url = fake.url;
    await fake.close();
    const offline = new OktaSource({ orgUrl: url, apiToken: "00secret-token-value-xyz" });

    // Act
    const discovery = await offline.discover(discoverContext([jane]));

    // Assess
    expect(discovery.problems).toHaveLength(1);
    expect(discovery.problems[0]).toMatchObject({ errorName: "OktaUnreachableError" });
    expect(discovery.problems[0]?.message).toMatch(/unreachable \(ECONNREFUSED\)/);
    expect(JSON.stringify(discovery)).not.toContain("00secret-token-value-xyz");
    fake = await FakeOkta.start();
  });

  it("fails a revoke on a rejected token without the token in the record", async () => {
    // Prepare
    const { grants } = seedJane();
    const discovery = await source.discover(discoverContext([jane]));
    const grant = discovery.credentials.find((c) => c.nativeId === grants[0]?.id) as Credential;
    fake.setUnauthorized(true);

    // Act
    const revoked = await source.revoke(grant, revokeContext);

    // Assess
    expect(revoked[0]).toMatchObject({
      status: "failed",
      error: { name: "OktaRequestError", message: "Okta answered HTTP 401 E0000011: Invalid token provided" },
    });
    expect(JSON.stringify(revoked)).not.toContain(fake.apiToken);
  });

  it("reports no web sessions and clears none when clearSessions is off", async () => {
    // Prepare
    seedJane();
    const noSessions = new OktaSource({ orgUrl: fake.url, apiToken: fake.apiToken, clearSessions: false });

    // Act
    const discovery = await noSessions.discover(discoverContext([jane]));

    // Assess
    expect(discovery.credentials.some((c) => c.kind === "web-sessions")).toBe(false);
    expect(fake.sessionClears).toEqual([]);
  });

  describe("preflight", () => {
    /** Nothing was written at Okta: only reads, no session cleared, the seeded grants all there. */
    function expectNothingChanged(userId?: string, grants = 0) {
      expect(fake.calls.every((c) => c.method === "GET")).toBe(true);
      expect(fake.sessionClears).toEqual([]);
      if (userId !== undefined) expect(fake.grantsOf(userId)).toHaveLength(grants);
    }

    it("reads one user and one page of their grants, and says what revocation needs", async () => {
      // Prepare
      const { user } = seedJane();

      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "okta: list users",
          ok: true,
          detail:
            "GET /api/v1/users?limit=1 answered: the API token can read users. Revoking grants, refresh " +
            "tokens and sessions needs the token's admin role to manage users (Super or Org Administrator), " +
            "which cannot be checked without acting",
        },
        {
          name: "okta: list a user's grants",
          ok: true,
          detail: `GET /api/v1/users/${user.id}/grants?limit=1 answered: the API token can read users' grants`,
        },
      ]);
      expect(fake.calls.map((c) => [c.path, c.query.limit])).toEqual([
        ["/api/v1/users", "1"],
        [`/api/v1/users/${user.id}/grants`, "1"],
      ]);
      expectNothingChanged(user.id, 3);
    });

    it("passes with a read-only admin's token, which is enough to report", async () => {
      // Prepare
      await fake.close();
      fake = await FakeOkta.start({ apiTokenAccess: "read" });
      const { user } = seedJane();
      const readOnly = new OktaSource({ orgUrl: fake.url, apiToken: fake.apiToken });

      // Act
      const checks = await readOnly.preflight();

      // Assess
      expect(checks.map((c) => [c.name, c.ok])).toEqual([
        ["okta: list users", true],
        ["okta: list a user's grants", true],
      ]);
      expectNothingChanged(user.id, 3);
    });

    it("says when the org has no user whose grants it could read", async () => {
      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks[1]).toEqual({
        name: "okta: list a user's grants",
        ok: true,
        detail: "not checked: the org listed no user whose grants could be read",
      });
      expectNothingChanged();
    });

    it("fails on a refused token, saying how to replace it, without the token", async () => {
      // Prepare
      seedJane();
      fake.setUnauthorized(true);

      // Act
      const checks = await source.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "okta: list users",
          ok: false,
          detail:
            "Okta answered HTTP 401 E0000011: Invalid token provided: Okta refused the API token (wrong, " +
            "revoked, or expired after 30 days unused); create one in Security > API > Tokens as an admin " +
            "whose role can read users, and update the secret sources.okta.apiToken points to",
        },
      ]);
      expect(JSON.stringify(checks)).not.toContain(fake.apiToken);
      expectNothingChanged();
    });

    it("fails when the token's admin role cannot read users, naming the roles that can", async () => {
      // Prepare
      await fake.close();
      fake = await FakeOkta.start({ apiTokenAccess: "none" });
      seedJane();
      const noRole = new OktaSource({ orgUrl: fake.url, apiToken: fake.apiToken });

      // Act
      const checks = await noRole.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "okta: list users",
          ok: false,
          detail:
            "Okta answered HTTP 403 E0000006: You do not have permission to perform the requested action: " +
            "the token's admin role cannot read users; create the token as an admin whose role can " +
            "(Read-only Administrator to report; Super or Org Administrator to revoke)",
        },
      ]);
      expect(JSON.stringify(checks)).not.toContain(fake.apiToken);
      expectNothingChanged();
    });

    it("fails when the org is unreachable, naming the setting to check", async () => {
      // Prepare
      const url = fake.url;
      await fake.close();
      const offline = new OktaSource({ orgUrl: url, apiToken: "00secret-token-value-xyz" });

      // Act
      const checks = await offline.preflight();

      // Assess
      expect(checks).toEqual([
        {
          name: "okta: list users",
          ok: false,
          detail:
            "Okta is unreachable (ECONNREFUSED): check sources.okta.orgUrl and that this host can reach it",
        },
      ]);
      expect(JSON.stringify(checks)).not.toContain("00secret-token-value-xyz");
      fake = await FakeOkta.start();
    });
  });

  it("declares the scopes a service app needs", () => {
    expect(oktaPermissions).toEqual({ read: ["okta.users.read"], write: ["okta.users.manage"] });
  });
});
