/**
 * The Okta source as an OAuth 2.0 service app: the real @okta/okta-sdk-nodejs client in its own
 * `authorizationMode: "PrivateKey"` against the local fake's token endpoint and API. Keys are
 * generated here; none is committed.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfigError, parseConfig } from "../../../lambdas/config.ts";
import { IdentityIndex } from "../../../lambdas/core/identity.ts";
import type { Credential, Person } from "../../../lambdas/core/model.ts";
import type { DiscoverContext, RevokeContext } from "../../../lambdas/core/ports/credential-source.ts";
import { OktaPrivateKeyError, oktaSourceFromConfig } from "../../../lambdas/sources/okta/okta-source.ts";
import { FakeOkta, type FakeOktaServiceApp } from "../../../sandbox/providers/okta.ts";
import { identitySettings } from "../../support/fixtures.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const CLIENT_ID = "0oaiamhygienescanner";
const MOBILE = { client_id: "0oa1mobileapp", client_name: "Expenses mobile" };
const DEFAULT_SCOPES = ["okta.users.read", "okta.users.manage"];

const jane: Person = {
  employeeId: "E100",
  emails: ["jane.doe@corp.example"],
  aliases: ["jdoe"],
  displayName: "Jane Doe",
  departedAt: new Date("2026-05-28T00:00:00Z"),
};

const discoverContext: DiscoverContext = {
  now: NOW,
  people: [jane],
  resolver: new IdentityIndex([jane], identitySettings),
};
const revokeContext: RevokeContext = { now: NOW, person: jane, revokeSessionsIssuedBefore: NOW };

function rsaPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

const pem = (key: KeyObject) => key.export({ type: "pkcs8", format: "pem" }).toString();

/** `sources.okta` as parsed, service app mode. */
function oauthConfig(url: string, oauth: { scopes?: string[]; keyId?: string } = {}) {
  return {
    orgUrl: url,
    clearSessions: true,
    oauth: {
      clientId: CLIENT_ID,
      scopes: oauth.scopes ?? DEFAULT_SCOPES,
      ...(oauth.keyId ? { keyId: oauth.keyId } : {}),
    },
  };
}

describe("OktaSource as an OAuth 2.0 service app (private key JWT)", () => {
  const keys = rsaPair();
  let fake: FakeOkta;

  beforeEach(async () => {
    fake = await FakeOkta.start({
      serviceApps: [{ clientId: CLIENT_ID, publicKey: keys.publicKey, kid: "k1" }],
    });
  });

  afterEach(async () => {
    await fake.close();
  });

  function seedJane() {
    const user = fake.addUser({
      profile: { login: "jane.doe@corp.example", email: "jane.doe@corp.example", employeeNumber: "E100" },
    });
    const grant = fake.addGrant(user.id, { clientId: "0oaclient1" });
    const token = fake.addRefreshToken(user.id, MOBILE);
    return { user, grant, token };
  }

  it("gets one access token and discovers, revokes and verifies as with an API token", async () => {
    // Prepare
    const { user, grant, token } = seedJane();
    const source = oktaSourceFromConfig(oauthConfig(fake.url, { keyId: "k1" }), {
      privateKey: pem(keys.privateKey),
    });

    // Act
    const discovery = await source.discover(discoverContext);
    const byId = (id: string) => discovery.credentials.find((c) => c.nativeId === id) as Credential;
    const revokedGrant = await source.revoke(byId(grant.id), revokeContext);
    const revokedToken = await source.revoke(byId(token.id), revokeContext);
    const verifiedGrant = await source.verify(byId(grant.id), revokeContext);
    const cleared = await source.revoke(byId(user.id), revokeContext);

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => c.kind).sort()).toEqual([
      "oauth-grant",
      "refresh-token",
      "web-sessions",
    ]);
    expect(revokedGrant[0]?.status).toBe("done");
    expect(revokedToken[0]?.status).toBe("done");
    expect(verifiedGrant.status).toBe("verified");
    expect(cleared[0]?.status).toBe("done");
    expect(fake.grantsOf(user.id)).toEqual([]);
    expect(fake.refreshTokensOf(user.id)).toEqual([]);
    // One token request, cached for every later call; every API call is a Bearer call.
    expect(fake.tokenRequests).toEqual([
      { clientId: CLIENT_ID, status: 200, scope: "okta.users.read okta.users.manage", dpop: true },
    ]);
    const apiCalls = fake.calls.filter((c) => c.path.startsWith("/api/"));
    expect(apiCalls.length).toBeGreaterThan(5);
    expect(apiCalls.every((c) => /^Bearer \S+$/.test(c.authorization ?? ""))).toBe(true);
  });

  it("accepts the key as a private JWK (JSON) carrying its kid", async () => {
    // Prepare
    const { grant } = seedJane();
    const jwk = { ...keys.privateKey.export({ format: "jwk" }), kid: "k1" };
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: JSON.stringify(jwk) });

    // Act
    const discovery = await source.discover(discoverContext);

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.some((c) => c.nativeId === grant.id)).toBe(true);
  });

  it("gets a new access token when Okta no longer accepts the cached one", async () => {
    // Prepare
    const { grant } = seedJane();
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: pem(keys.privateKey) });
    const discovery = await source.discover(discoverContext);
    fake.expireAccessTokens();

    // Act
    const revoked = await source.revoke(
      discovery.credentials.find((c) => c.nativeId === grant.id) as Credential,
      revokeContext,
    );

    // Assess
    expect(revoked[0]?.status).toBe("done");
    expect(fake.tokenRequests.map((r) => r.status)).toEqual([200, 200]);
  });

  it("records one org problem naming no secret when the key is not the app's", async () => {
    // Prepare
    seedJane();
    const wrong = pem(rsaPair().privateKey);
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: wrong });

    // Act
    const discovery = await source.discover(discoverContext);

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toHaveLength(1);
    expect(discovery.problems[0]).toMatchObject({
      source: "okta",
      subject: new URL(fake.url).host,
      errorName: "OktaUnauthorizedError",
    });
    expect(discovery.problems[0]?.message).toBe(
      "Okta refused the service app's access token request (invalid_client: The client_assertion signature is " +
        "invalid.); check sources.okta.oauth.clientId and that the private key matches a public key registered for the app",
    );
    expect(fake.tokenRequests.every((r) => r.status === 401 && r.error === "invalid_client")).toBe(true);
    const recorded = JSON.stringify(discovery);
    for (const line of wrong.split("\n").filter((l) => l.length > 20)) expect(recorded).not.toContain(line);
    expect(fake.calls.filter((c) => c.path.startsWith("/api/"))).toEqual([]);
  });

  it("says which setting to check when the app lacks a requested scope", async () => {
    // Prepare
    await fake.close();
    fake = await FakeOkta.start({
      serviceApps: [{ clientId: CLIENT_ID, publicKey: keys.publicKey, grantedScopes: ["okta.users.read"] }],
    });
    seedJane();
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: pem(keys.privateKey) });

    // Act
    const discovery = await source.discover(discoverContext);

    // Assess
    expect(discovery.problems).toHaveLength(1);
    expect(discovery.problems[0]?.message).toMatch(
      /\(invalid_scope: .*\); check that sources\.okta\.oauth\.scopes are granted to the app$/,
    );
    expect(fake.tokenRequests[0]).toMatchObject({ status: 400, error: "invalid_scope" });
  });

  it("reports with okta.users.read alone, and a revoke then fails on the missing scope", async () => {
    // Prepare
    const { grant } = seedJane();
    const source = oktaSourceFromConfig(oauthConfig(fake.url, { scopes: ["okta.users.read"] }), {
      privateKey: pem(keys.privateKey),
    });
    const discovery = await source.discover(discoverContext);

    // Act
    const revoked = await source.revoke(
      discovery.credentials.find((c) => c.nativeId === grant.id) as Credential,
      revokeContext,
    );

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(revoked[0]).toMatchObject({
      status: "failed",
      error: {
        message:
          "Okta answered HTTP 403 E0000006: You do not have permission to perform the requested action",
      },
    });
  });

  it("completes the DPoP nonce handshake when the app requires DPoP, and calls the API with bound tokens", async () => {
    // Prepare
    await fake.close();
    fake = await FakeOkta.start({
      serviceApps: [{ clientId: CLIENT_ID, publicKey: keys.publicKey, requireDpop: true }],
    });
    const { grant } = seedJane();
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: pem(keys.privateKey) });

    // Act
    const discovery = await source.discover(discoverContext);
    const revoked = await source.revoke(
      discovery.credentials.find((c) => c.nativeId === grant.id) as Credential,
      revokeContext,
    );

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(revoked[0]?.status).toBe("done");
    expect(fake.tokenRequests.map((r) => [r.status, r.error ?? null])).toEqual([
      [400, "use_dpop_nonce"],
      [200, null],
    ]);
    const apiCalls = fake.calls.filter((c) => c.path.startsWith("/api/"));
    expect(apiCalls.length).toBeGreaterThan(3);
    // Every call carried the bound token as DPoP with a valid proof (the fake answers 401 otherwise).
    expect(apiCalls.every((c) => c.authorization?.startsWith("DPoP ") && c.status !== 401)).toBe(true);
  });

  it("refuses a key that is neither PEM nor JWK before any call, without quoting it", () => {
    // Act
    const build = () =>
      oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: "not-a-key-0123456789abcdef" });

    // Assess
    expect(build).toThrow(OktaPrivateKeyError);
    expect(build).toThrow(/neither a PEM private key nor a private JWK/);
    try {
      build();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("0123456789abcdef");
    }
  });
});

describe("OktaSource preflight as an OAuth 2.0 service app", () => {
  const keys = rsaPair();
  let fake: FakeOkta;

  afterEach(async () => {
    await fake.close();
  });

  async function start(app: Partial<FakeOktaServiceApp> = {}, options: { clockOffsetSeconds?: number } = {}) {
    fake = await FakeOkta.start({
      serviceApps: [{ clientId: CLIENT_ID, publicKey: keys.publicKey, ...app }],
      ...options,
    });
    const user = fake.addUser({
      profile: { login: "jane.doe@corp.example", email: "jane.doe@corp.example", employeeNumber: "E100" },
    });
    fake.addGrant(user.id, { clientId: "0oaclient1" });
    fake.addRefreshToken(user.id, MOBILE);
    return user;
  }

  /** Nothing changed at Okta, and no check quotes the key or an access token. */
  function expectReadOnlyAndNoSecret(checks: unknown, userId: string, privateKey = pem(keys.privateKey)) {
    expect(fake.calls.filter((c) => c.path.startsWith("/api/")).every((c) => c.method === "GET")).toBe(true);
    expect(fake.sessionClears).toEqual([]);
    expect(fake.grantsOf(userId)).toHaveLength(1);
    expect(fake.refreshTokensOf(userId)).toHaveLength(1);
    const text = JSON.stringify(checks);
    for (const line of privateKey.split("\n").filter((l) => l.length > 20)) expect(text).not.toContain(line);
    expect(text).not.toMatch(/eyfake\.|Bearer \S{8,}|DPoP \S{8,}/);
  }

  it("gets an access token, then reads one user and their grants with it", async () => {
    // Prepare
    const user = await start();
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: pem(keys.privateKey) });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: `okta: service app ${CLIENT_ID} access token`,
        ok: true,
        detail: "Okta issued an access token for okta.users.read okta.users.manage",
      },
      {
        name: "okta: list users",
        ok: true,
        detail:
          "GET /api/v1/users?limit=1 answered: the service app can read users. Revoking grants, refresh " +
          "tokens and sessions also needs the app's admin role to manage users (Super or Org Administrator), " +
          "which cannot be checked without acting",
      },
      {
        name: "okta: list a user's grants",
        ok: true,
        detail: `GET /api/v1/users/${user.id}/grants?limit=1 answered: the service app can read users' grants`,
      },
    ]);
    expect(fake.tokenRequests.map((r) => r.status)).toEqual([200]);
    expect(fake.calls.filter((c) => c.path.startsWith("/api/")).map((c) => c.path)).toEqual([
      "/api/v1/users",
      `/api/v1/users/${user.id}/grants`,
    ]);
    expectReadOnlyAndNoSecret(checks, user.id);
  });

  it("completes the DPoP handshake when the app requires it, and says the token is DPoP-bound", async () => {
    // Prepare
    const user = await start({ requireDpop: true });
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: pem(keys.privateKey) });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks.map((c) => c.ok)).toEqual([true, true, true]);
    expect(checks[0]?.detail).toBe(
      "Okta issued a DPoP-bound access token for okta.users.read okta.users.manage",
    );
    expect(fake.tokenRequests.map((r) => [r.status, r.error ?? null])).toEqual([
      [400, "use_dpop_nonce"],
      [200, null],
    ]);
    expectReadOnlyAndNoSecret(checks, user.id);
  });

  it("passes with okta.users.read alone, saying the scan can report but not revoke", async () => {
    // Prepare
    const user = await start({ grantedScopes: ["okta.users.read"] });
    const source = oktaSourceFromConfig(oauthConfig(fake.url, { scopes: ["okta.users.read"] }), {
      privateKey: pem(keys.privateKey),
    });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks.map((c) => c.ok)).toEqual([true, true, true]);
    expect(checks[0]?.detail).toBe(
      "Okta issued an access token for okta.users.read; revoking needs okta.users.manage, which " +
        "sources.okta.oauth.scopes does not ask for: the scan can report but not revoke",
    );
    expectReadOnlyAndNoSecret(checks, user.id);
  });

  it("fails on invalid_client when the key is not the app's, and calls no API", async () => {
    // Prepare
    const user = await start({ kid: "k1" });
    const wrong = pem(rsaPair().privateKey);
    const source = oktaSourceFromConfig(oauthConfig(fake.url, { keyId: "k1" }), { privateKey: wrong });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: `okta: service app ${CLIENT_ID} access token`,
        ok: false,
        detail:
          "Okta refused the service app's access token request (invalid_client: The client_assertion " +
          "signature is invalid.): check sources.okta.oauth.clientId and that the private key matches a " +
          "public key registered for the app with kid k1 (Admin Console: Applications > Applications > the " +
          "app > General > Client Credentials > Public keys)",
      },
    ]);
    expect(fake.calls.filter((c) => c.path.startsWith("/api/"))).toEqual([]);
    expectReadOnlyAndNoSecret(checks, user.id, wrong);
  });

  it("fails on invalid_scope, naming the scopes to grant and what each is for", async () => {
    // Prepare
    const user = await start({ grantedScopes: ["okta.users.read"] });
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: pem(keys.privateKey) });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: `okta: service app ${CLIENT_ID} access token`,
        ok: false,
        detail:
          "Okta refused the service app's access token request (invalid_scope: One or more scopes are not " +
          "configured for the authorization server resource.): grant the app every scope it asks for " +
          "(okta.users.read okta.users.manage) in the Admin Console: Applications > Applications > the app > " +
          "Okta API Scopes, or ask for fewer in sources.okta.oauth.scopes; discovery needs okta.users.read, " +
          "revocation okta.users.manage",
      },
    ]);
    expect(fake.calls.filter((c) => c.path.startsWith("/api/"))).toEqual([]);
    expectReadOnlyAndNoSecret(checks, user.id);
  });

  it("fails on invalid_dpop_proof when this host's clock is off, pointing at the clock", async () => {
    // Prepare: the org's clock is ten minutes behind, so the proof's iat lies in its future.
    const user = await start({ requireDpop: true }, { clockOffsetSeconds: -600 });
    const source = oktaSourceFromConfig(oauthConfig(fake.url), { privateKey: pem(keys.privateKey) });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: `okta: service app ${CLIENT_ID} access token`,
        ok: false,
        detail:
          "Okta refused the service app's access token request (invalid_dpop_proof: 'iat' claim in the DPoP " +
          "proof JWT is invalid.): the app requires DPoP and Okta refused the proof the scan signed with its " +
          "private key: check this host's clock (the proof's iat must be current) and that " +
          "sources.okta.orgUrl is the org URL Okta serves the token endpoint at (the proof names it)",
      },
    ]);
    expect(fake.tokenRequests.at(-1)).toMatchObject({ status: 400, error: "invalid_dpop_proof", dpop: true });
    expectReadOnlyAndNoSecret(checks, user.id);
  });

  it("fails when the token lacks okta.users.read, naming the scope", async () => {
    // Prepare: an app granted another scope only, and asking for it.
    const user = await start({ grantedScopes: ["okta.groups.read"] });
    const source = oktaSourceFromConfig(oauthConfig(fake.url, { scopes: ["okta.groups.read"] }), {
      privateKey: pem(keys.privateKey),
    });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      [`okta: service app ${CLIENT_ID} access token`, true],
      ["okta: list users", false],
    ]);
    expect(checks[1]?.detail).toBe(
      "Okta answered HTTP 403 E0000006: You do not have permission to perform the requested action: the " +
        "access token lacks okta.users.read; add it to sources.okta.oauth.scopes and grant it to the app " +
        "(Applications > Applications > the app > Okta API Scopes)",
    );
    expectReadOnlyAndNoSecret(checks, user.id);
  });
});

describe("sources.okta configuration", () => {
  const base = { enabled: true, orgUrl: "https://acme.okta.com" };
  const problems = (okta: Record<string, unknown>) => {
    try {
      parseConfig({ sources: { okta } });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it("takes a service app with the default scopes", () => {
    // Act
    const config = parseConfig({
      sources: { okta: { ...base, oauth: { clientId: CLIENT_ID, privateKey: { env: "OKTA_KEY" } } } },
    });

    // Assess
    expect(config.sources.okta?.oauth).toEqual({
      clientId: CLIENT_ID,
      privateKey: { env: "OKTA_KEY" },
      scopes: DEFAULT_SCOPES,
    });
  });

  it("wants exactly one of apiToken and oauth, naming the field", () => {
    // Act
    const both = problems({
      ...base,
      apiToken: { env: "T" },
      oauth: { clientId: CLIENT_ID, privateKey: { env: "K" } },
    });
    const neither = problems(base);

    // Assess
    expect(both).toEqual([{ path: "sources.okta.oauth", message: "give apiToken or oauth, not both" }]);
    expect(neither).toEqual([
      { path: "sources.okta.apiToken", message: "give apiToken (an API token) or oauth (a service app)" },
    ]);
  });
});
