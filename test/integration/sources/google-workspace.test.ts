import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import type { Credential, Person } from "../../../lambdas/core/model.ts";
import type { DiscoverContext, RevokeContext } from "../../../lambdas/core/ports/credential-source.ts";
import {
  GOOGLE_WORKSPACE_SCOPES,
  GoogleWorkspaceSource,
  type GoogleWorkspaceSourceOptions,
  googleWorkspacePermissions,
  parseServiceAccountKey,
} from "../../../lambdas/sources/google-workspace/index.ts";
import {
  type FakeGoogle,
  type FakeGoogleOptions,
  type FakeGoogleUser,
  startGoogleFake,
} from "../../../sandbox/providers/google.ts";

const NOW = new Date("2025-03-01T12:00:00Z");
const DEPARTED = new Date("2025-02-20T00:00:00Z");
const SERVICE_ACCOUNT = "iam-hygiene@hygiene-project.iam.gserviceaccount.com";
const ADMIN = "admin@corp.example";
const CLIENT_ID = "104857600000000000042";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
// A recognisable run of the key's body: it must never show up in problems or records.
const KEY_BODY_SAMPLE = privateKey.split("\n")[5] ?? "";

function alice(): FakeGoogleUser {
  return {
    id: "111",
    primaryEmail: "alice@corp.example",
    aliases: ["a.smith@corp.example"],
    customerId: "C03abc",
    lastLoginTime: "2025-02-25T08:00:00.000Z",
    creationTime: "2021-05-01T00:00:00.000Z",
    externalIds: [{ type: "organization", value: "E-1001" }],
    tokens: [
      {
        clientId: "1234.apps.googleusercontent.com",
        displayText: "Dropbox",
        scopes: ["https://www.googleapis.com/auth/drive", "openid"],
        nativeApp: false,
        anonymous: false,
      },
    ],
    asps: [{ codeId: 42, name: "Thunderbird", creationTime: "1700000000000", lastTimeUsed: "1740400000000" }],
  };
}

function bob(): FakeGoogleUser {
  return { id: "222", primaryEmail: "bob@corp.example", customerId: "C03abc" };
}

function person(emails: string[], departedAt = DEPARTED): Person {
  return { emails, aliases: [], departedAt };
}

function discoverContext(people: Person[]): DiscoverContext {
  return { now: NOW, people, resolver: { resolve: () => undefined } };
}

const revokeContext: RevokeContext = { now: NOW, revokeSessionsIssuedBefore: NOW };

function sourceFor(
  fake: Pick<FakeGoogle, "rootUrl" | "tokenUrl">,
  extra: Partial<GoogleWorkspaceSourceOptions> = {},
) {
  return new GoogleWorkspaceSource({
    serviceAccountKey: {
      client_email: SERVICE_ACCOUNT,
      client_id: CLIENT_ID,
      private_key: privateKey,
      token_uri: fake.tokenUrl,
    },
    adminSubject: ADMIN,
    rootUrl: fake.rootUrl,
    clock: fixedClock(NOW),
    backoff: { baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
}

function byKind(credentials: Credential[], kind: Credential["kind"]): Credential {
  const found = credentials.find((c) => c.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} credential`);
  return found;
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain("PRIVATE KEY");
  expect(text).not.toContain(KEY_BODY_SAMPLE);
  expect(text).not.toMatch(/ya29\./);
  expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  expect(text).not.toMatch(/assertion=/);
}

describe("GoogleWorkspaceSource against a local Directory API fake", () => {
  let fake: FakeGoogle;

  beforeEach(async () => {
    fake = await startGoogleFake({
      users: [alice(), bob()],
      publicKey,
      serviceAccountEmail: SERVICE_ACCOUNT,
    });
  });

  afterEach(async () => {
    await fake.close();
  });

  it("lists OAuth grants, app passwords and pending web sessions of a departed person found by alias", async () => {
    // Prepare
    const source = sourceFor(fake);

    // Act
    const discovery = await source.discover(discoverContext([person(["A.Smith@corp.example"])]));

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => c.id).sort()).toEqual([
      "google-workspace:C03abc:app-password:111:42",
      "google-workspace:C03abc:oauth-grant:111:1234.apps.googleusercontent.com",
      "google-workspace:C03abc:web-sessions:111",
    ]);
    const grant = byKind(discovery.credentials, "oauth-grant");
    expect(grant).toMatchObject({
      source: "google-workspace",
      nativeId: "1234.apps.googleusercontent.com",
      account: "C03abc",
      principal: "alice@corp.example",
      principalType: "human",
      active: true,
      observedAt: NOW,
      ownerHints: { employeeIds: ["E-1001"], emails: ["alice@corp.example", "a.smith@corp.example"] },
      details: {
        userId: "111",
        appName: "Dropbox",
        scopes: "https://www.googleapis.com/auth/drive openid",
        nativeApp: false,
        anonymous: false,
      },
    });
    const asp = byKind(discovery.credentials, "app-password");
    expect(asp.nativeId).toBe("42");
    expect(asp.createdAt).toEqual(new Date(1700000000000));
    expect(asp.lastUsed).toMatchObject({ at: new Date(1740400000000) });
    expect(asp.details).toMatchObject({ name: "Thunderbird" });
    const sessions = byKind(discovery.credentials, "web-sessions");
    expect(sessions.active).toBe(true);
    expect(sessions.lastUsed).toMatchObject({ at: new Date("2025-02-25T08:00:00.000Z") });
    expect(sessions.details).toMatchObject({ signOutPending: true, lastSignOutAt: null });
    expect(discovery.stats).toMatchObject({ usersFound: 1, oauthGrants: 1, appPasswords: 1, webSessions: 1 });
    expect(discovery.notes.join(" ")).toContain("no web sessions");
    // Domain-wide delegation: the assertion names the service account, the admin and both scopes.
    const accepted = fake.tokenRequests.filter((t) => t.status === 200);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted[0]).toMatchObject({ iss: SERVICE_ACCOUNT, sub: ADMIN });
    expect(accepted[0]?.scope?.split(" ").sort()).toEqual(
      [GOOGLE_WORKSPACE_SCOPES.userReadonly, GOOGLE_WORKSPACE_SCOPES.userSecurity].sort(),
    );
    expect(fake.calls.filter((c) => c.path.startsWith("/admin/")).every((c) => c.status === 200)).toBe(true);
  });

  it("revokes a grant and an app password, then verifies both are gone", async () => {
    // Prepare
    const source = sourceFor(fake);
    const { credentials } = await source.discover(discoverContext([person(["alice@corp.example"])]));
    const grant = byKind(credentials, "oauth-grant");
    const asp = byKind(credentials, "app-password");

    // Act
    const revoked = [
      ...(await source.revoke(grant, revokeContext)),
      ...(await source.revoke(asp, revokeContext)),
    ];
    const verified = [await source.verify(grant, revokeContext), await source.verify(asp, revokeContext)];

    // Assess
    expect(revoked.map((r) => [r.type, r.status])).toEqual([
      ["revoke", "done"],
      ["revoke", "done"],
    ]);
    expect(revoked[0]?.detail).toBe(
      "tokens.delete alice@corp.example clientId=1234.apps.googleusercontent.com",
    );
    expect(verified.map((r) => [r.type, r.status])).toEqual([
      ["verify", "verified"],
      ["verify", "verified"],
    ]);
    expect(fake.user("111")?.tokens).toEqual([]);
    expect(fake.user("111")?.asps).toEqual([]);
    expect(
      fake.calls.some(
        (c) =>
          c.method === "DELETE" &&
          c.path === "/admin/directory/v1/users/111/tokens/1234.apps.googleusercontent.com",
      ),
    ).toBe(true);
    expect(
      fake.calls.some((c) => c.method === "DELETE" && c.path === "/admin/directory/v1/users/111/asps/42"),
    ).toBe(true);
  });

  it("signs the person out, records it honestly as done (no read-back), and no longer reports pending sessions", async () => {
    // Prepare
    const source = sourceFor(fake);
    const first = await source.discover(discoverContext([person(["alice@corp.example"])]));
    const sessions = byKind(first.credentials, "web-sessions");

    // Act
    const revoked = await source.revoke(sessions, revokeContext);
    const verified = await source.verify(sessions, revokeContext);
    const again = await source.discover(discoverContext([person(["alice@corp.example"])]));

    // Assess
    expect(revoked).toMatchObject([
      { type: "revoke", status: "done", detail: "users.signOut alice@corp.example" },
    ]);
    expect(fake.signOuts).toEqual(["111"]);
    expect(verified.status).toBe("done");
    expect(verified.detail).toContain("Google gives no read-back");
    expect(byKind(again.credentials, "web-sessions")).toMatchObject({
      active: false,
      details: { signOutPending: false, lastSignOutAt: NOW.toISOString() },
    });
  });

  it("skips the sign-out when configuration turns it off", async () => {
    // Prepare
    const source = sourceFor(fake, { signOut: false });
    const { credentials } = await source.discover(discoverContext([person(["alice@corp.example"])]));

    // Act
    const sessions = byKind(credentials, "web-sessions");
    const revoked = await source.revoke(sessions, revokeContext);
    const verified = await source.verify(sessions, revokeContext);

    // Assess: the policy is told (it tickets), and asked anyway, the source neither signs out
    // nor fails a read-back of a sign-out it never made.
    expect(sessions.details?.revocationOff).toBe("sources.google-workspace.signOut is false");
    expect(revoked).toMatchObject([{ status: "skipped" }]);
    expect(verified.status).toBe("skipped");
    expect(fake.signOuts).toEqual([]);
  });

  it("finds every account a person holds in the tenant, each once, whichever email names it", async () => {
    // Prepare: Alice also has a second, separate account on a merged domain; her list entry
    // names both accounts, and the alias of the first.
    await fake.close();
    fake = await startGoogleFake({
      users: [
        alice(),
        {
          id: "333",
          primaryEmail: "alice@merged.example",
          customerId: "C03abc",
          tokens: [{ clientId: "5678.apps.googleusercontent.com", scopes: ["https://mail.google.com/"] }],
          asps: [
            { codeId: 7, name: "Outlook", creationTime: "1700000000000", lastTimeUsed: "1740400000000" },
          ],
        },
      ],
      publicKey,
      serviceAccountEmail: SERVICE_ACCOUNT,
    });
    const source = sourceFor(fake);

    // Act
    const discovery = await source.discover(
      discoverContext([person(["alice@corp.example", "a.smith@corp.example", "alice@merged.example"])]),
    );

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.map((c) => c.id).sort()).toEqual([
      "google-workspace:C03abc:app-password:111:42",
      "google-workspace:C03abc:app-password:333:7",
      "google-workspace:C03abc:oauth-grant:111:1234.apps.googleusercontent.com",
      "google-workspace:C03abc:oauth-grant:333:5678.apps.googleusercontent.com",
      "google-workspace:C03abc:web-sessions:111",
      "google-workspace:C03abc:web-sessions:333",
    ]);
    expect(discovery.stats).toMatchObject({ usersFound: 2, usersNotFound: 0 });
  });

  it("keeps scanning when its sign-out ledger cannot be read: that person's sessions count as pending", async () => {
    // Prepare: the ledger (the scanner's own store) fails; Google answers normally.
    const source = sourceFor(fake, {
      signOutLedger: {
        lastSignOut: async () => {
          throw Object.assign(new Error("store read timed out"), { name: "TimeoutError" });
        },
        recordSignOut: async () => {},
      },
    });

    // Act
    const discovery = await source.discover(
      discoverContext([person(["alice@corp.example"]), person(["bob@corp.example"])]),
    );

    // Assess: every person looked up, every credential kept, one problem per person naming the
    // ledger, none blaming Google.
    expect(discovery.credentials.filter((c) => c.kind === "web-sessions").map((c) => c.active)).toEqual([
      true,
      true,
    ]);
    expect(discovery.credentials.some((c) => c.kind === "oauth-grant")).toBe(true);
    expect(discovery.problems.map((p) => [p.subject, p.errorName]).sort()).toEqual([
      ["alice@corp.example", "TimeoutError"],
      ["bob@corp.example", "TimeoutError"],
    ]);
    expect(discovery.problems[0]!.message).toContain("sign-out ledger unreadable");
  });

  it("finds no credentials for a person the tenant does not know, and notes it without a problem", async () => {
    // Prepare
    const source = sourceFor(fake);

    // Act
    const discovery = await source.discover(
      discoverContext([
        person(["carol@elsewhere.example", "carol@corp.example"]),
        person(["bob@corp.example"]),
      ]),
    );

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.every((c) => c.principal === "bob@corp.example")).toBe(true);
    expect(discovery.stats).toMatchObject({ usersFound: 1, usersNotFound: 1 });
    expect(discovery.notes.join(" ")).toContain("1 of 2 departed people have no account");
    const lookups = fake.calls.filter((c) => c.path.startsWith("/admin/directory/v1/users/carol"));
    expect(lookups.map((c) => c.status)).toEqual([404, 404]);
  });

  it("waits out a 429 rate limit and a 403 userRateLimitExceeded, then succeeds", async () => {
    // Prepare
    const source = sourceFor(fake);
    fake.rateLimit(2);
    fake.rateLimit(1, "userRateLimitExceeded");

    // Act
    const discovery = await source.discover(discoverContext([person(["alice@corp.example"])]));

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials).toHaveLength(3);
    expect(discovery.stats.retries).toBe(3);
    expect(fake.calls.filter((c) => c.status === 429)).toHaveLength(2);
    expect(fake.calls.filter((c) => c.status === 403)).toHaveLength(1);
  });

  it("gives up on a rate limit that does not end, as a problem on that person", async () => {
    // Prepare
    const source = sourceFor(fake, { backoff: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    fake.rateLimit(100);

    // Act
    const discovery = await source.discover(discoverContext([person(["alice@corp.example"])]));

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toMatchObject([
      { source: "google-workspace", subject: "alice@corp.example", errorName: "GoogleWorkspaceApiError" },
    ]);
    expect(discovery.problems[0]?.message).toContain("429 rateLimitExceeded");
  });

  it("keeps the app passwords when the token listing fails, and reports the failure for that person", async () => {
    // Prepare
    const source = sourceFor(fake, { backoff: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    fake.fail({
      times: 10,
      status: 500,
      reason: "backendError",
      match: (_m, path) => path.endsWith("/tokens"),
    });

    // Act
    const discovery = await source.discover(discoverContext([person(["alice@corp.example"])]));

    // Assess
    expect(discovery.credentials.map((c) => c.kind).sort()).toEqual(["app-password", "web-sessions"]);
    expect(discovery.problems).toMatchObject([
      { subject: "alice@corp.example", errorName: "GoogleWorkspaceApiError" },
    ]);
    expect(discovery.problems[0]?.message).toMatch(/^tokens\.list: 500 backendError/);
  });

  it("records one source problem when the token endpoint refuses the service account, with no key material", async () => {
    // Prepare
    const source = sourceFor(fake);
    fake.rejectTokens(true);

    // Act
    const discovery = await source.discover(
      discoverContext([person(["alice@corp.example"]), person(["bob@corp.example"])]),
    );
    const revoked = await source.revoke(
      {
        id: "google-workspace:C03abc:oauth-grant:111:1234.apps.googleusercontent.com",
        source: "google-workspace",
        kind: "oauth-grant",
        nativeId: "1234.apps.googleusercontent.com",
        account: "C03abc",
        principal: "alice@corp.example",
        principalType: "human",
        ownerHints: { employeeIds: [], emails: ["alice@corp.example"], usernames: [], tags: {} },
        active: true,
        observedAt: NOW,
        details: { userId: "111" },
      },
      revokeContext,
    );

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toHaveLength(1);
    expect(discovery.problems[0]).toMatchObject({
      source: "google-workspace",
      subject: "google-workspace",
      errorName: "GoogleWorkspaceUnavailableError",
    });
    expect(discovery.problems[0]?.message).toContain("unauthorized_client");
    expect(revoked).toMatchObject([{ status: "failed", error: { name: "GoogleWorkspaceUnavailableError" } }]);
    expect(fake.user("111")?.tokens).toHaveLength(1);
    expectNoSecrets(JSON.stringify({ discovery, revoked }));
  });

  it("stops looking people up when the API starts refusing the token mid-scan", async () => {
    // Prepare
    const source = sourceFor(fake, { concurrency: 1 });
    fake.fail({
      times: 100,
      status: 401,
      reason: "authError",
      match: (_m, path) => path.endsWith("/tokens"),
    });

    // Act
    const discovery = await source.discover(
      discoverContext([person(["alice@corp.example"]), person(["bob@corp.example"])]),
    );

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toMatchObject([
      { subject: "google-workspace", errorName: "GoogleWorkspaceUnavailableError" },
    ]);
    expect(discovery.stats.peopleSkipped).toBe(2);
    expect(fake.calls.some((c) => c.path === "/admin/directory/v1/users/bob@corp.example")).toBe(false);
  });

  it("records one source problem when Google cannot be reached at all", async () => {
    // Prepare: a port that was just free, so nothing listens on it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const source = sourceFor({
      rootUrl: `http://127.0.0.1:${port}/`,
      tokenUrl: `http://127.0.0.1:${port}/token`,
    });

    // Act
    const discovery = await source.discover(
      discoverContext([person(["alice@corp.example"]), person(["bob@corp.example"])]),
    );

    // Assess
    expect(discovery.credentials).toEqual([]);
    expect(discovery.problems).toMatchObject([
      { subject: "google-workspace", errorName: "GoogleWorkspaceUnavailableError" },
    ]);
    expectNoSecrets(JSON.stringify(discovery));
  });

  it("treats a grant or app password deleted elsewhere as done, and verifies it gone", async () => {
    // Prepare
    const source = sourceFor(fake);
    const { credentials } = await source.discover(discoverContext([person(["alice@corp.example"])]));
    const grant = byKind(credentials, "oauth-grant");
    const asp = byKind(credentials, "app-password");
    const user = fake.user("111");
    if (user === undefined) throw new Error("fake lost alice");
    user.tokens = [];
    user.asps = [];

    // Act
    const revoked = [
      ...(await source.revoke(grant, revokeContext)),
      ...(await source.revoke(asp, revokeContext)),
    ];
    const verified = [await source.verify(grant, revokeContext), await source.verify(asp, revokeContext)];

    // Assess
    expect(revoked.map((r) => r.status)).toEqual(["done", "done"]);
    expect(revoked.every((r) => r.detail.endsWith("(already gone)"))).toBe(true);
    expect(fake.calls.filter((c) => c.method === "DELETE").map((c) => c.status)).toEqual([404, 404]);
    expect(verified.map((r) => r.status)).toEqual(["verified", "verified"]);
  });

  it("fails verification while the grant is still there", async () => {
    // Prepare
    const source = sourceFor(fake);
    const { credentials } = await source.discover(discoverContext([person(["alice@corp.example"])]));

    // Act
    const verified = await source.verify(byKind(credentials, "oauth-grant"), revokeContext);

    // Assess
    expect(verified).toMatchObject({ type: "verify", status: "failed" });
    expect(verified.detail).toContain("still present");
  });
});

describe("GoogleWorkspaceSource preflight", () => {
  let fake: FakeGoogle;
  const SCOPES = `${GOOGLE_WORKSPACE_SCOPES.userSecurity}, ${GOOGLE_WORKSPACE_SCOPES.userReadonly}`;
  const TOKEN_CHECK = `google-workspace: domain-wide delegation token for ${ADMIN}`;
  const LIST_CHECK = "google-workspace: users.list for customer my_customer";
  const SECURITY_CHECK = "google-workspace: tokens.list and asps.list (OAuth grants, app passwords)";

  async function start(options: Partial<FakeGoogleOptions> = {}) {
    fake = await startGoogleFake({
      users: [alice(), bob()],
      publicKey,
      serviceAccountEmail: SERVICE_ACCOUNT,
      ...options,
    });
  }

  afterEach(async () => {
    await fake.close();
  });

  /** Only reads reached the Directory API: nothing deleted, nobody signed out. */
  function expectNothingChanged(): void {
    expect(fake.calls.filter((c) => c.path.startsWith("/admin/")).every((c) => c.method === "GET")).toBe(
      true,
    );
    expect(fake.signOuts).toEqual([]);
    expect(fake.user("111")?.tokens).toHaveLength(1);
    expect(fake.user("111")?.asps).toHaveLength(1);
  }

  it("lists one user of the customer and reads their grants and app passwords: the token and the admin's read rights", async () => {
    // Prepare
    await start();
    const source = sourceFor(fake);

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      { name: TOKEN_CHECK, ok: true, detail: `${SERVICE_ACCOUNT} got a token as ${ADMIN} for ${SCOPES}` },
      {
        name: LIST_CHECK,
        ok: true,
        detail: `readable: ${ADMIN} can list the users of customer my_customer (C03abc)`,
      },
      {
        name: SECURITY_CHECK,
        ok: true,
        detail:
          `readable: ${ADMIN} can read users' OAuth grants and app passwords (read those of alice@corp.example). ` +
          "Revoking them and signing users out needs the admin to manage users' security settings, which " +
          "cannot be checked without acting",
      },
    ]);
    const api = fake.calls.filter((c) => c.path.startsWith("/admin/"));
    expect(api.map((c) => [c.method, c.path, c.query.customer, c.query.maxResults])).toEqual([
      ["GET", "/admin/directory/v1/users", "my_customer", "1"],
      ["GET", "/admin/directory/v1/users/111/tokens", undefined, undefined],
      ["GET", "/admin/directory/v1/users/111/asps", undefined, undefined],
    ]);
    expect(api[0]?.query.query).toBe("isAdmin=false");
    expect(fake.tokenRequests.filter((t) => t.status === 200)[0]).toMatchObject({ sub: ADMIN });
    expectNothingChanged();
    expectNoSecrets(JSON.stringify(checks));
  });

  it("fails on unauthorized_client, naming the client id, the scopes and where to authorise them", async () => {
    // Prepare: delegation grants only the read-only scope.
    await start({ delegatedScopes: [GOOGLE_WORKSPACE_SCOPES.userReadonly] });
    const source = sourceFor(fake);

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: TOKEN_CHECK,
        ok: false,
        detail:
          "Google refused the token (401 unauthorized_client: Client is unauthorized to retrieve access tokens " +
          "using this method, or client not authorized for any of the scopes requested.): the client id is not " +
          "authorised for these scopes in the Admin console: Security > API controls > Domain-wide " +
          `delegation; authorise client id ${CLIENT_ID} for ${SCOPES}`,
      },
    ]);
    expect(fake.calls.filter((c) => c.path.startsWith("/admin/"))).toEqual([]);
    expectNothingChanged();
    expectNoSecrets(JSON.stringify(checks));
  });

  it("fails on invalid_grant when the subject is no user of the domain", async () => {
    // Prepare
    await start({ adminSubjects: [ADMIN] });
    const source = sourceFor(fake, { adminSubject: "nobody@corp.example" });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: "google-workspace: domain-wide delegation token for nobody@corp.example",
        ok: false,
        detail:
          "Google refused the token (400 invalid_grant: Invalid email or User ID): nobody@corp.example " +
          "(sources.google-workspace.adminSubject) is not a user of the domain, or the service account key " +
          `was deleted or disabled (create a new key for ${SERVICE_ACCOUNT} in the Google Cloud console: ` +
          "IAM & Admin > Service accounts > Keys)",
      },
    ]);
    expectNothingChanged();
    expectNoSecrets(JSON.stringify(checks));
  });

  it("fails on invalid_grant when the key is no longer the service account's", async () => {
    // Prepare: the fake knows another public key, as after the key was deleted and replaced.
    await start({ publicKey: generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey });
    const source = sourceFor(fake);

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: TOKEN_CHECK, ok: false });
    expect(checks[0]?.detail).toMatch(
      /^Google refused the token \(400 invalid_grant: Invalid JWT Signature\.\): .*key was deleted or disabled/,
    );
    expectNothingChanged();
    expectNoSecrets(JSON.stringify(checks));
  });

  it("fails users.list when the subject is not an admin, saying which admin to impersonate", async () => {
    // Prepare: bob is a user of the domain, not an admin.
    await start({ adminSubjects: [ADMIN] });
    const source = sourceFor(fake, { adminSubject: "bob@corp.example" });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: "google-workspace: domain-wide delegation token for bob@corp.example",
        ok: true,
        detail: `${SERVICE_ACCOUNT} got a token as bob@corp.example for ${SCOPES}`,
      },
      {
        name: LIST_CHECK,
        ok: false,
        detail:
          "users.list failed (403 forbidden: Not Authorized to access this resource/api): bob@corp.example is " +
          "not an admin with user read rights in customer my_customer; set sources.google-workspace.adminSubject " +
          "to a super admin, or give it an admin role with Users > Read (and the users' security settings, to revoke)",
      },
    ]);
    expectNothingChanged();
    expectNoSecrets(JSON.stringify(checks));
  });

  it("fails tokens.list when the admin may read users but not their security settings, naming the privilege", async () => {
    // Prepare: the admin's role has Users > Read, and not Users > Security settings.
    await start({ adminSubjects: [ADMIN], securityAdmins: [] });
    const source = sourceFor(fake);

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      [TOKEN_CHECK, true],
      [LIST_CHECK, true],
      [SECURITY_CHECK, false],
    ]);
    expect(checks[2]?.detail).toBe(
      "tokens.list failed (403 forbidden: Not Authorized to access this resource/api): " +
        `${ADMIN} may read users but not their security settings; give its admin role the privilege ` +
        "Users > Security settings (or make sources.google-workspace.adminSubject a super admin), or " +
        "discovery reports every departed person's grants and app passwords as unreadable",
    );
    expectNothingChanged();
    expectNoSecrets(JSON.stringify(checks));
  });

  it("reads the grants of a user who is no super admin, whose security settings any user-security admin may read", async () => {
    // Prepare: the first user of the customer is a super admin.
    await start({ users: [{ ...alice(), isAdmin: true }, bob()] });
    const source = sourceFor(fake);

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks[2]).toMatchObject({ name: SECURITY_CHECK, ok: true });
    expect(checks[2]?.detail).toContain("(read those of bob@corp.example)");
    expect(fake.calls.filter((c) => c.path.endsWith("/tokens")).map((c) => c.path)).toEqual([
      `/admin/directory/v1/users/${bob().id}/tokens`,
    ]);
  });

  it("says the grants were not read when the customer lists no user", async () => {
    // Prepare
    fake = await startGoogleFake({ users: [], publicKey, serviceAccountEmail: SERVICE_ACCOUNT });
    const source = sourceFor(fake);

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks[2]).toEqual({
      name: SECURITY_CHECK,
      ok: true,
      detail: "not checked: customer my_customer listed no user to read them of",
    });
    expect(fake.calls.filter((c) => c.path.startsWith("/admin/")).map((c) => c.path)).toEqual([
      "/admin/directory/v1/users",
    ]);
  });

  it("fails users.list when the Admin SDK API is off in the project, saying where to enable it", async () => {
    // Prepare
    await start();
    fake.fail({
      times: 1,
      status: 403,
      reason: "accessNotConfigured",
      message: "Admin SDK API has not been used in project 123456 before or it is disabled.",
    });
    const source = sourceFor(fake);

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks[1]).toEqual({
      name: LIST_CHECK,
      ok: false,
      detail:
        "users.list failed (403 accessNotConfigured: Admin SDK API has not been used in project 123456 before " +
        "or it is disabled.): enable the Admin SDK API in the service account's Google Cloud project " +
        "(APIs & Services > Library > Admin SDK API)",
    });
    expectNothingChanged();
  });

  it("fails users.list for a customer the admin does not belong to", async () => {
    // Prepare
    await start();
    const source = sourceFor(fake, { customer: "C999other" });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks[1]).toEqual({
      name: "google-workspace: users.list for customer C999other",
      ok: false,
      detail:
        "users.list failed (400 badRequest: Bad Request): sources.google-workspace.customer (C999other) is not " +
        "a customer the admin belongs to; use my_customer, or the customer id from Admin console > Account > " +
        "Account settings",
    });
    expectNothingChanged();
  });
});

describe("Google Workspace permissions and key parsing", () => {
  it("declares the two Directory API scopes the source uses", () => {
    expect(googleWorkspacePermissions).toEqual({
      read: [
        "https://www.googleapis.com/auth/admin.directory.user.readonly",
        "https://www.googleapis.com/auth/admin.directory.user.security",
      ],
      write: ["https://www.googleapis.com/auth/admin.directory.user.security"],
    });
  });

  it("reads a service account key and never quotes a broken one", () => {
    const key = parseServiceAccountKey(
      JSON.stringify({
        type: "service_account",
        client_email: SERVICE_ACCOUNT,
        client_id: CLIENT_ID,
        private_key: privateKey,
        token_uri: "https://oauth2.googleapis.com/token",
      }),
    );
    expect(key.client_email).toBe(SERVICE_ACCOUNT);
    expect(key.client_id).toBe(CLIENT_ID);

    const broken = `{"private_key": "${privateKey.slice(0, 80)}`;
    expect(() => parseServiceAccountKey(broken)).toThrowError(/not valid JSON$/);
    try {
      parseServiceAccountKey(broken);
    } catch (error) {
      expectNoSecrets(`${(error as Error).message} ${String((error as Error).cause ?? "")}`);
    }
    expect(() => parseServiceAccountKey(JSON.stringify({ client_email: SERVICE_ACCOUNT }))).toThrowError(
      "the Google service account key lacks private_key",
    );
  });
});
