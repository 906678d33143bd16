/**
 * The GitHub source with GitHub App auth: the source mints installation tokens itself (an RS256
 * JWT with node:crypto, then `POST /app/installations/{id}/access_tokens`) and uses them with the
 * real @octokit/rest client against the local fake, which verifies the JWT with the App's public
 * key. Keys are generated here; none is committed. Time is a shared, movable clock, never a sleep.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfigError, parseConfig } from "../../../lambdas/config.ts";
import type { Credential, Person } from "../../../lambdas/core/model.ts";
import type { DiscoverContext, RevokeContext } from "../../../lambdas/core/ports/credential-source.ts";
import { GitHubAppKeyError } from "../../../lambdas/sources/github/github-app-auth.ts";
import { githubSourceFromConfig } from "../../../lambdas/sources/github/index.ts";
import { FakeGitHubOrg } from "../../../sandbox/providers/github-org.ts";
import { decodeJwt } from "../../../sandbox/providers/jwt.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const APP_ID = 424242;
const INSTALLATION_ID = 7_000_001;

const jane: Person = {
  employeeId: "E100",
  emails: ["jane.doe@corp.example"],
  aliases: ["janedoe-gh"],
  displayName: "Jane Doe",
  departedAt: new Date("2026-05-28T00:00:00Z"),
};
const discoverContext: DiscoverContext = { now: NOW, people: [jane], resolver: { resolve: () => undefined } };
const revokeContext: RevokeContext = { now: NOW, person: jane, revokeSessionsIssuedBefore: NOW };

const rsa = () => generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = (key: KeyObject) => key.export({ type: "pkcs1", format: "pem" }).toString();

describe("GitHubSource with GitHub App auth", () => {
  const keys = rsa();
  let clock: number;
  let fake: FakeGitHubOrg;

  beforeEach(async () => {
    clock = Date.parse("2026-06-01T12:00:00Z");
    fake = await FakeGitHubOrg.start({
      apps: [{ appId: APP_ID, installationId: INSTALLATION_ID, publicKey: keys.publicKey }],
      now: () => clock,
    });
  });

  afterEach(async () => {
    await fake.close();
  });

  const config = () => ({
    org: fake.org,
    baseUrl: fake.url,
    revokeFineGrainedTokens: true,
    app: { appId: APP_ID, installationId: INSTALLATION_ID },
  });
  const minted = () => fake.mintedTokens.map((t) => t.token);
  const patCalls = () => fake.calls.filter((c) => c.path.endsWith("/personal-access-tokens"));

  it("with a classic token too: lists and revokes like token mode, PAT grants with the minted token", async () => {
    // Prepare
    const auth = fake.addCredentialAuthorization("janedoe-gh");
    const pat = fake.addPatGrant("janedoe-gh");
    fake.addPatGrant("other-person");
    const source = githubSourceFromConfig(
      config(),
      { token: fake.token, appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    const discovery = await source.discover(discoverContext);
    const byId = (id: number) => discovery.credentials.find((c) => c.nativeId === String(id)) as Credential;
    const revokedAuth = await source.revoke(byId(auth.credential_id), revokeContext);
    const revokedPat = await source.revoke(byId(pat.id), revokeContext);
    const verifiedPat = await source.verify(byId(pat.id), revokeContext);

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => c.kind).sort()).toEqual([
      "personal-access-token",
      "sso-authorization",
    ]);
    expect([revokedAuth[0]?.status, revokedPat[0]?.status, verifiedPat.status]).toEqual([
      "done",
      "done",
      "verified",
    ]);
    expect(fake.patGrants.map((g) => g.owner.login)).toEqual(["other-person"]);
    // One installation token for the whole run, sent on every PAT grant call; the classic token elsewhere.
    expect(minted()).toHaveLength(1);
    expect(patCalls().length).toBe(3);
    expect(patCalls().every((c) => c.authorization === `token ${minted()[0]}`)).toBe(true);
    const others = fake.calls.filter(
      (c) => !c.path.endsWith("/personal-access-tokens") && !c.path.startsWith("/app/"),
    );
    expect(others.every((c) => c.authorization === `token ${fake.token}`)).toBe(true);
  });

  it("with the App alone: lists and revokes PAT grants, and notes that SSO authorizations were not read", async () => {
    // Prepare
    fake.addCredentialAuthorization("janedoe-gh");
    const pat = fake.addPatGrant("janedoe-gh");
    const source = githubSourceFromConfig(
      config(),
      { appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    const discovery = await source.discover(discoverContext);
    const revoked = await source.revoke(discovery.credentials[0] as Credential, revokeContext);

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => c.nativeId)).toEqual([String(pat.id)]);
    expect(revoked[0]?.status).toBe("done");
    expect(discovery.notes.join(" ")).toMatch(
      /No classic owner token configured .* GitHub refuses App tokens there/,
    );
    expect(
      fake.calls.some((c) => c.path.includes("credential-authorizations") || c.path === "/graphql"),
    ).toBe(false);
  });

  it("signs the JWT as GitHub documents: RS256, iss the App ID, iat 60 s back, exp within 10 minutes", async () => {
    // Prepare
    const source = githubSourceFromConfig(
      config(),
      { appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    await source.discover(discoverContext);

    // Assess
    const mint = fake.calls.find((c) => c.path === `/app/installations/${INSTALLATION_ID}/access_tokens`);
    expect(mint?.method).toBe("POST");
    expect(mint?.status).toBe(201);
    const jwt = decodeJwt((mint?.authorization ?? "").replace(/^Bearer /, ""));
    const now = Math.floor(clock / 1000);
    expect(jwt?.header).toEqual({ alg: "RS256", typ: "JWT" });
    expect(jwt?.payload).toEqual({ iat: now - 60, exp: now + 540, iss: String(APP_ID) });
  });

  it("reuses the token within its lifetime and mints another shortly before it expires", async () => {
    // Prepare
    fake.addPatGrant("janedoe-gh");
    const source = githubSourceFromConfig(
      config(),
      { appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    await source.discover(discoverContext);
    clock += 30 * 60_000;
    await source.discover(discoverContext);
    const afterHalfAnHour = minted().length;
    clock += 26 * 60_000; // 56 minutes: within the 5 minutes before expiry
    await source.discover(discoverContext);
    const afterFiftySixMinutes = minted().length;
    clock += 2 * 60 * 60_000; // long expired
    const last = await source.discover(discoverContext);

    // Assess
    expect(afterHalfAnHour).toBe(1);
    expect(afterFiftySixMinutes).toBe(2);
    expect(minted()).toHaveLength(3);
    expect(new Set(minted()).size).toBe(3);
    expect(last.problems).toEqual([]);
    expect(patCalls().at(-1)?.authorization).toBe(`token ${minted()[2]}`);
  });

  it("records one problem naming no secret when the App key is wrong", async () => {
    // Prepare
    fake.addPatGrant("janedoe-gh");
    const wrong = pem(rsa().privateKey);
    const source = githubSourceFromConfig(config(), { appPrivateKey: wrong }, { now: () => clock });

    // Act
    const discovery = await source.discover(discoverContext);

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toEqual([
      {
        source: "github",
        subject: fake.org,
        message:
          "GitHub refused to mint an installation token for the App (HTTP 401: A JSON web token could not be " +
          "decoded); check sources.github.app.appId, installationId and privateKey",
        errorName: "GitHubUnauthorizedError",
      },
    ]);
    const recorded = JSON.stringify(discovery);
    for (const line of wrong.split("\n").filter((l) => l.length > 20)) expect(recorded).not.toContain(line);
    expect(minted()).toEqual([]);
  });

  it("refuses an installation token on SSO authorizations, as GitHub does", async () => {
    // Prepare
    const source = githubSourceFromConfig(
      config(),
      { appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );
    await source.discover(discoverContext);

    // Act
    const answer = await fetch(`${fake.url}/orgs/${fake.org}/credential-authorizations`, {
      headers: { authorization: `token ${minted()[0]}` },
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ message: "Resource not accessible by integration" });
  });

  it("refuses a key that is not a PEM private key before any call, without quoting it", () => {
    // Act
    const build = () =>
      githubSourceFromConfig(config(), { appPrivateKey: "not-a-key-0123456789abcdef" }, { now: () => clock });

    // Assess
    expect(build).toThrow(GitHubAppKeyError);
    expect(build).toThrow("the GitHub App private key is not a PEM private key");
  });
});

describe("GitHubSource preflight with GitHub App auth", () => {
  const keys = rsa();
  let clock: number;
  let fake: FakeGitHubOrg;

  async function start(permissions?: Record<string, string>) {
    clock = Date.parse("2026-06-01T12:00:00Z");
    fake = await FakeGitHubOrg.start({
      apps: [
        {
          appId: APP_ID,
          installationId: INSTALLATION_ID,
          publicKey: keys.publicKey,
          ...(permissions ? { permissions } : {}),
        },
      ],
      now: () => clock,
    });
    fake.addCredentialAuthorization("janedoe-gh");
    fake.addPatGrant("janedoe-gh");
  }

  afterEach(async () => {
    await fake.close();
  });

  const config = (installationId = INSTALLATION_ID) => ({
    org: fake.org,
    baseUrl: fake.url,
    revokeFineGrainedTokens: true,
    app: { appId: APP_ID, installationId },
  });
  const APP_CHECK = `github: App ${APP_ID} installation ${INSTALLATION_ID} token`;

  /** Only reads reached GitHub, and no check quotes the key or a token. */
  function expectNothingChangedAndNoSecret(checks: unknown, privateKey = pem(keys.privateKey)): void {
    expect(
      fake.calls.filter((c) => c.method !== "GET" && c.path !== "/graphql" && !c.path.startsWith("/app/")),
    ).toEqual([]);
    expect(fake.credentialAuthorizations).toHaveLength(1);
    expect(fake.patGrants).toHaveLength(1);
    const text = JSON.stringify(checks);
    for (const line of privateKey.split("\n").filter((l) => l.length > 20)) expect(text).not.toContain(line);
    expect(text).not.toMatch(/gh[ps]_[A-Za-z0-9]{10,}/);
  }

  it("with a classic token too: mints a token, then checks the org, SSO, SAML and PAT grants", async () => {
    // Prepare
    await start();
    const source = githubSourceFromConfig(
      config(),
      { token: fake.token, appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: APP_CHECK,
        ok: true,
        detail:
          "GitHub minted an installation token; the installation's permissions: " +
          "organization_personal_access_tokens: write",
      },
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
        detail: "listed: the App installation can read fine-grained PAT grants",
      },
    ]);
    expect(fake.mintedTokens).toHaveLength(1);
    const patCall = fake.calls.find((c) => c.path.endsWith("/personal-access-tokens"));
    expect(patCall?.authorization).toBe(`token ${fake.mintedTokens[0]?.token}`);
    expectNothingChangedAndNoSecret(checks);
  });

  it("with the App alone: reads the org with the installation token and says SSO is not checked", async () => {
    // Prepare
    await start();
    const source = githubSourceFromConfig(
      config(),
      { appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      [APP_CHECK, true],
      ["github: organisation acme", true],
      ["github: SSO credential authorizations", true],
      ["github: fine-grained PAT grants", true],
    ]);
    expect(checks[1]?.detail).toBe("found (id 9000001)");
    expect(checks[2]?.detail).toBe(
      "not checked: no classic owner token (sources.github.token) is configured, and GitHub opens SSO " +
        "authorizations and SAML identities to one only; if acme uses SAML SSO, add an owner's classic token " +
        "with read:org (admin:org to revoke)",
    );
    expect(
      fake.calls.some((c) => c.path.includes("credential-authorizations") || c.path === "/graphql"),
    ).toBe(false);
    expectNothingChangedAndNoSecret(checks);
  });

  it("fails when GitHub refuses the App's JWT (wrong key), and checks nothing else", async () => {
    // Prepare
    await start();
    const wrong = pem(rsa().privateKey);
    const source = githubSourceFromConfig(config(), { appPrivateKey: wrong }, { now: () => clock });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: APP_CHECK,
        ok: false,
        detail:
          "GitHub refused to mint an installation token (HTTP 401: A JSON web token could not be decoded): " +
          "check sources.github.app.appId and that sources.github.app.privateKey is one of the App's current " +
          "private keys (App settings > Private keys)",
      },
    ]);
    expect(fake.mintedTokens).toEqual([]);
    expectNothingChangedAndNoSecret(checks, wrong);
  });

  it("fails on an installation the App does not have, and still checks what the classic token reads", async () => {
    // Prepare
    await start();
    const source = githubSourceFromConfig(
      config(INSTALLATION_ID + 1),
      { token: fake.token, appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks[0]).toEqual({
      name: `github: App ${APP_ID} installation ${INSTALLATION_ID + 1} token`,
      ok: false,
      detail:
        `GitHub refused to mint an installation token (HTTP 404: Not Found): no installation ${INSTALLATION_ID + 1} ` +
        "of this App; check sources.github.app.installationId and that the App is still installed on acme",
    });
    expect(checks.slice(1).map((c) => [c.name, c.ok])).toEqual([
      ["github: organisation acme", true],
      ["github: SSO credential authorizations", true],
      ["github: SAML identities", true],
    ]);
    expectNothingChangedAndNoSecret(checks);
  });

  it("fails PAT grants when the installation lacks organization_personal_access_tokens", async () => {
    // Prepare
    await start({ members: "read" });
    const source = githubSourceFromConfig(
      config(),
      { appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks[0]?.detail).toBe(
      "GitHub minted an installation token; the installation's permissions: members: read",
    );
    expect(checks.at(-1)).toEqual({
      name: "github: fine-grained PAT grants",
      ok: false,
      detail:
        "GitHub answered HTTP 403: Resource not accessible by integration: grant the App the organization " +
        "permission Personal access tokens (organization_personal_access_tokens: read to report, write to " +
        "revoke) in its settings, and accept the new permissions on the org",
    });
    expectNothingChangedAndNoSecret(checks);
  });

  it("passes PAT grants with read access, saying the scan can report but not revoke them", async () => {
    // Prepare
    await start({ organization_personal_access_tokens: "read" });
    const source = githubSourceFromConfig(
      config(),
      { appPrivateKey: pem(keys.privateKey) },
      { now: () => clock },
    );

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks.at(-1)).toEqual({
      name: "github: fine-grained PAT grants",
      ok: true,
      detail:
        "listed: the App installation can read fine-grained PAT grants; revoking needs " +
        "organization_personal_access_tokens: write, which the installation has only as read: the scan can " +
        "report but not revoke them",
    });
    expectNothingChangedAndNoSecret(checks);
  });
});

describe("sources.github configuration", () => {
  const base = { enabled: true, org: "acme" };
  const app = { appId: APP_ID, installationId: INSTALLATION_ID, privateKey: { env: "GITHUB_APP_KEY" } };
  const problems = (github: Record<string, unknown>) => {
    try {
      parseConfig({ sources: { github } });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it("takes an App alone, or with a classic token", () => {
    // Act
    const alone = parseConfig({ sources: { github: { ...base, app } } });
    const both = parseConfig({ sources: { github: { ...base, app, token: { env: "GITHUB_TOKEN" } } } });

    // Assess
    expect(alone.sources.github?.app).toEqual(app);
    expect(both.sources.github?.token).toEqual({ env: "GITHUB_TOKEN" });
  });

  it("wants a token or an App, and not an App with patGrantsToken, naming the field", () => {
    // Act
    const neither = problems(base);
    const clash = problems({ ...base, app, patGrantsToken: { env: "PAT_GRANTS" } });

    // Assess
    expect(neither).toEqual([
      {
        path: "sources.github.token",
        message: "give token (an owner's classic token), app (a GitHub App), or both",
      },
    ]);
    expect(clash).toEqual([
      {
        path: "sources.github.patGrantsToken",
        message: "give app or patGrantsToken, not both: with app, PAT grants use the App's own tokens",
      },
    ]);
  });
});
