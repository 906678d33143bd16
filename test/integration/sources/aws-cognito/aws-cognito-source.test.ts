import {
  AdminDeleteUserCommand,
  AdminEnableUserCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ConfigInput, parseConfig } from "../../../../lambdas/config.ts";
import type { Credential, Person } from "../../../../lambdas/core/model.ts";
import type { DiscoverContext, OwnerResolver } from "../../../../lambdas/core/ports/credential-source.ts";
import { AwsCognitoSource, SIGN_OUT_UNVERIFIABLE } from "../../../../lambdas/sources/aws-cognito/index.ts";
import type { Sandbox, Scenario } from "../../../../sandbox/index.ts";
import { startSandbox } from "../../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../../support/sandbox.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const ACCOUNT = "123456789012";
const CUSTOMERS = "us-east-1_Customers";
const STAFF = "us-east-1_Staff0001";
const NODISABLE = "us-east-1_NoDisable1";
const SHOP = "shopwebclient0000000000000";
const STAFF_CLIENT = "staffwebclient0000000000aa";
const ND_CLIENT = "nodisableclient00000000000";
const PASSWORD = "Corr3ct-Horse!";
const LAPTOP = "us-east-1_11111111-aaaa-bbbb-cccc-000000000001";

const person = (emails: string[], extra: Partial<Person> = {}): Person => ({
  emails,
  aliases: [],
  departedAt: new Date("2026-05-28T00:00:00Z"),
  ...extra,
});
const jane = person(["jane.doe@corp.example"], { displayName: "Jane Doe", employeeId: "E-100" });
const sam = person(["sam@corp.example"], { displayName: "Sam Twice" });
const ext = person(["ext.person@corp.example"], { displayName: "Ext Person" });
const dora = person(["dora@corp.example"], { displayName: "Dora Disabled" });
const uma = person(["uma@corp.example"], { displayName: "Uma Unconfirmed" });
const quote = person(['q"uo\\te@corp.example'], { displayName: "Quote Person" });
const nobody = person(["nobody@corp.example"]);

const scenario: Scenario = {
  accountId: ACCOUNT,
  now: NOW.toISOString(),
  cognito: {
    pools: [
      {
        id: CUSTOMERS,
        name: "customers",
        clients: [
          {
            id: SHOP,
            name: "shop",
            accessTokenValidity: 15,
            tokenValidityUnits: { AccessToken: "minutes" },
          },
        ],
        users: [
          {
            username: "jane",
            attributes: { email: "jane.doe@corp.example", preferred_username: "jdoe" },
            password: PASSWORD,
            devices: [{ key: LAPTOP, name: "Jane's laptop" }],
          },
          { username: "bob", attributes: { email: "bob@corp.example" }, password: PASSWORD },
          { username: "sam", attributes: { email: "sam@corp.example" }, password: PASSWORD },
          { username: "sam-old", attributes: { email: "sam@corp.example" } },
          {
            username: "okta_ext.person@corp.example",
            provider: "okta",
            attributes: { email: "ext.person@corp.example" },
          },
          { username: "dora", attributes: { email: "dora@corp.example" }, enabled: false },
          { username: "uma", attributes: { email: "uma@corp.example" }, status: "UNCONFIRMED" },
          { username: "quoted", attributes: { email: 'q"uo\\te@corp.example' } },
        ],
        generated: { count: 1000, prefix: "customer", emailDomain: "customer.example" },
      },
      {
        id: STAFF,
        name: "staff",
        advancedSecurityMode: "AUDIT",
        clients: [{ id: STAFF_CLIENT, name: "intranet" }],
        users: [
          {
            username: "jd",
            attributes: { email: "jd@staffmail.example", "custom:employee_id": "E-100" },
            password: PASSWORD,
            authEvents: [{ createdAt: "2026-05-30T08:00:00Z", ipAddress: "198.51.100.7" }],
          },
          {
            username: "idle",
            attributes: { email: "idle@corp.example" },
            authEvents: [{ createdAt: "2025-12-01T08:00:00Z" }],
          },
          {
            username: "busy",
            attributes: { email: "busy@corp.example" },
            authEvents: [{ createdAt: "2026-05-31T08:00:00Z" }],
          },
        ],
      },
      {
        id: NODISABLE,
        name: "partners",
        clients: [{ id: ND_CLIENT, name: "portal" }],
        users: [
          {
            username: "jane-p",
            attributes: { email: "jane.doe@corp.example" },
            password: PASSWORD,
            createdAt: "2026-01-01T00:00:00Z",
          },
        ],
      },
    ],
  },
};

const configInput: ConfigInput = {
  sources: {
    "aws-cognito": {
      enabled: true,
      requestsPerSecond: 100,
      pools: [
        { userPoolId: CUSTOMERS, matchAttributes: ["email", "custom:employee_id"] },
        {
          userPoolId: STAFF,
          staffOnly: true,
          matchAttributes: ["email", "custom:employee_id"],
          hygieneSweep: { enabled: true, inactiveDays: 90, maxUsers: 100 },
        },
        { userPoolId: NODISABLE, disableUser: false },
      ],
    },
  },
};

const noOwner: OwnerResolver = { resolve: () => undefined };
const discoverContext = (people: readonly Person[]): DiscoverContext => ({
  now: NOW,
  people,
  resolver: noOwner,
});
const revokeContext = { now: NOW, person: jane, revokeSessionsIssuedBefore: NOW };

describe("AwsCognitoSource against the sandbox", () => {
  let sb: Sandbox;
  let idp: CognitoIdentityProviderClient;

  beforeAll(async () => {
    sb = await startSandbox();
    idp = new CognitoIdentityProviderClient(sandboxClientConfig(sb));
  });
  afterAll(async () => {
    idp.destroy();
    await sb.close();
  });
  beforeEach(() => {
    sb.faults.clear();
    sb.seed(scenario);
    sb.resetCalls();
  });

  const newSource = (input: ConfigInput = configInput) =>
    new AwsCognitoSource({
      cognito: (region) =>
        new CognitoIdentityProviderClient({
          ...sandboxClientConfig(sb, { region, maxAttempts: 3 }),
          retryMode: "adaptive",
        }),
      config: parseConfig(input).sources["aws-cognito"],
      clock: { now: () => NOW },
    });
  const signIn = async (clientId: string, username: string) => {
    const out = await idp.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: username, PASSWORD: PASSWORD },
      }),
    );
    return out.AuthenticationResult!;
  };
  const refresh = (clientId: string, token: string) =>
    idp.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: token },
      }),
    );
  const byNative = (credentials: readonly Credential[], nativeId: string) => {
    const found = credentials.find((c) => c.nativeId === nativeId);
    expect(found, nativeId).toBeDefined();
    return found!;
  };

  it("preflight describes each configured pool, names one that does not exist, and changes nothing", async () => {
    // Prepare
    const source = newSource({
      sources: {
        "aws-cognito": { pools: [{ userPoolId: STAFF }, { userPoolId: "us-east-1_Missing01" }] },
      },
    });

    // Act
    const checks = await source.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: `aws-cognito: pool ${STAFF}`,
        ok: true,
        detail: "staff in us-east-1: about 3 users, 1 app client(s); sign-in history readable",
      },
      {
        name: "aws-cognito: pool us-east-1_Missing01",
        ok: false,
        detail: expect.stringMatching(
          /^reading the pool \(DescribeUserPool, its app clients\) failed: ResourceNotFoundException: .*\(no such pool in this region: check userPoolId and region\)$/,
        ),
      },
    ]);
    expect(Object.keys(sb.calls()).filter((call) => !/:(Describe|List)/.test(call))).toEqual([]);
  });

  it("revokes a departed person's refresh token, leaves a colleague's alone, and reads the disable back", async () => {
    // Prepare
    const janeTokens = await signIn(SHOP, "jane");
    const bobTokens = await signIn(SHOP, "bob");
    await expect(refresh(SHOP, janeTokens.RefreshToken!)).resolves.toBeDefined();
    const source = newSource();

    // Act
    const discovery = await source.discover(discoverContext([jane]));
    const credential = byNative(discovery.credentials, `${CUSTOMERS}/jane`);
    const records = await source.revoke(credential, revokeContext);
    const verify = await source.verify(credential, revokeContext);

    // Assess
    expect(credential).toMatchObject({
      id: `aws-cognito:${ACCOUNT}:cognito-sessions:${CUSTOMERS}/jane`,
      kind: "cognito-sessions",
      principal: "jane",
      principalType: "human",
      active: true,
      ownerHints: { emails: ["jane.doe@corp.example"], usernames: ["jane", "jdoe"] },
      details: {
        poolId: CUSTOMERS,
        userStatus: "CONFIRMED",
        enabled: true,
        accessTokenValidityMinutes: 15,
        refreshTokenValidityMinutes: 30 * 1440,
        residualAccessTokenMinutes: 60, // the ID token lives an hour
      },
    });
    expect(String(credential.details?.caveat)).toMatch(/stay valid until they expire/);
    expect(records.map((r) => [r.status, r.detail.split(" ")[0]])).toEqual([
      ["done", "AdminUserGlobalSignOut"],
      ["done", "AdminDisableUser"],
      ["done", "AdminForgetDevice"],
    ]);
    expect(verify.status).toBe("verified");
    await expect(refresh(SHOP, janeTokens.RefreshToken!)).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(refresh(SHOP, bobTokens.RefreshToken!)).resolves.toBeDefined();
    expect(sb.cognito.inspectAccessToken(bobTokens.AccessToken!).active).toBe(true);
    expect(sb.cognito.listRefreshTokens(CUSTOMERS, "jane").every((t) => t.revoked)).toBe(true);
  });

  it("a second discover shows the revoked user inactive, so there is nothing left to revoke", async () => {
    // Prepare
    const source = newSource();
    const first = await source.discover(discoverContext([jane]));
    await source.revoke(byNative(first.credentials, `${CUSTOMERS}/jane`), revokeContext);

    // Act
    const second = await source.discover(discoverContext([jane]));

    // Assess
    const again = byNative(second.credentials, `${CUSTOMERS}/jane`);
    expect(again.active).toBe(false);
    expect(again.details?.statusNote).toMatch(/already disabled/);
  });

  it("discover alone changes nothing: users stay enabled and tokens stay valid", async () => {
    // Prepare
    const janeTokens = await signIn(SHOP, "jane");
    const source = newSource();

    // Act
    await source.discover(discoverContext([jane, sam, ext, dora, uma]));

    // Assess
    const calls = Object.keys(sb.calls()).filter((k) => k.startsWith("cognito-idp:"));
    expect(calls.filter((k) => /AdminDisable|GlobalSignOut|ForgetDevice/.test(k))).toEqual([]);
    expect(sb.cognito.inspectAccessToken(janeTokens.AccessToken!).active).toBe(true);
    await expect(refresh(SHOP, janeTokens.RefreshToken!)).resolves.toBeDefined();
    expect(sb.cognito.listRefreshTokens(CUSTOMERS, "jane").some((t) => t.revoked)).toBe(false);
  });

  it("reports every user when one person matches several, with a note", async () => {
    // Act
    const discovery = await newSource().discover(discoverContext([sam]));

    // Assess
    const customers = discovery.credentials.filter((c) => c.details?.poolId === CUSTOMERS);
    expect(customers.map((c) => c.principal).sort()).toEqual(["sam", "sam-old"]);
    expect(byNative(customers, `${CUSTOMERS}/sam`).details?.otherMatchesForPerson).toBe("sam-old");
    expect(discovery.notes.some((n) => n.includes("Sam Twice matches 2 users"))).toBe(true);
  });

  it("reports an external-provider user, and revocation still applies to it", async () => {
    // Prepare
    const source = newSource();

    // Act
    const discovery = await source.discover(discoverContext([ext]));
    const credential = byNative(discovery.credentials, `${CUSTOMERS}/okta_ext.person@corp.example`);
    const records = await source.revoke(credential, revokeContext);

    // Assess
    expect(credential.details).toMatchObject({ userStatus: "EXTERNAL_PROVIDER", externalProvider: "okta" });
    expect(credential.active).toBe(true);
    expect(records.filter((r) => r.status === "done").map((r) => r.detail.split(" ")[0])).toEqual([
      "AdminUserGlobalSignOut",
      "AdminDisableUser",
    ]);
    expect((await source.verify(credential, revokeContext)).status).toBe("verified");
  });

  it("reports a disabled user as inactive and an unconfirmed user with its status", async () => {
    // Act
    const discovery = await newSource().discover(discoverContext([dora, uma]));

    // Assess
    const doraCredential = byNative(discovery.credentials, `${CUSTOMERS}/dora`);
    expect(doraCredential.active).toBe(false);
    expect(doraCredential.details).toMatchObject({ enabled: false });
    expect(doraCredential.details?.statusNote).toMatch(/nothing to revoke/);
    const umaCredential = byNative(discovery.credentials, `${CUSTOMERS}/uma`);
    expect(umaCredential.active).toBe(true);
    expect(umaCredential.details).toMatchObject({ userStatus: "UNCONFIRMED" });
    expect(umaCredential.details?.statusNote).toMatch(/UNCONFIRMED/);
  });

  it("escapes quotes and backslashes in the filter value", async () => {
    // Act
    const discovery = await newSource().discover(discoverContext([quote]));

    // Assess
    expect(discovery.problems).toEqual([]);
    const matched = discovery.credentials.filter((c) => c.details?.hygiene === undefined);
    expect(matched.map((c) => c.principal)).toEqual(["quoted"]);
  });

  it("matches a custom attribute only by walking a small staff pool, and says so elsewhere", async () => {
    // Act
    const discovery = await newSource().discover(discoverContext([jane]));

    // Assess
    const staff = byNative(discovery.credentials, `${STAFF}/jd`);
    expect(staff.details?.matchedBy).toBe("custom:employee_id = E-100 (pool walk)");
    expect(staff.details?.customAttributeNote).toMatch(/cannot filter on custom attributes/);
    expect(staff.lastUsed).toMatchObject({ at: new Date("2026-05-30T08:00:00Z"), ip: "198.51.100.7" });
    expect(staff.ownerHints.employeeIds).toEqual(["E-100"]);
    expect(discovery.notes.some((n) => n.startsWith(`${CUSTOMERS}: custom:employee_id not used`))).toBe(true);
    expect(discovery.notes.some((n) => n.includes("cannot filter on custom attributes"))).toBe(true);
    // The customer pool was never walked: every ListUsers call there carried a filter.
    expect(discovery.stats.walkedUsers).toBe(3);
  });

  it("sweeps a small staff pool for users with no successful sign-in for inactiveDays", async () => {
    // Act
    const discovery = await newSource().discover(discoverContext([]));

    // Assess
    const swept = discovery.credentials.filter((c) => c.details?.hygiene === "inactive");
    expect(swept.map((c) => c.principal)).toEqual(["idle"]);
    expect(swept[0]!.details).toMatchObject({
      inactivityBasis: "AdminListUserAuthEvents",
      inactiveDays: 182,
    });
    expect(swept[0]!.lastUsed).toMatchObject({ at: new Date("2025-12-01T08:00:00Z") });
  });

  it("labels a sweep without advanced security as based on UserLastModifiedDate, and refuses a large pool", async () => {
    // Prepare
    const source = newSource({
      sources: {
        "aws-cognito": {
          pools: [
            { userPoolId: NODISABLE, hygieneSweep: { enabled: true, inactiveDays: 1 } },
            { userPoolId: CUSTOMERS, hygieneSweep: { enabled: true, maxUsers: 500 } },
          ],
        },
      },
    });

    // Act
    const discovery = await source.discover(discoverContext([]));

    // Assess
    const swept = byNative(discovery.credentials, `${NODISABLE}/jane-p`);
    expect(swept.lastUsed).toBeUndefined();
    expect(swept.details).toMatchObject({ inactivityBasis: "UserLastModifiedDate", hygiene: "inactive" });
    expect(discovery.problems.map((p) => [p.subject, p.errorName])).toEqual([
      [CUSTOMERS, "HygieneSweepRefused"],
    ]);
    expect(sb.calls()["cognito-idp:ListUsers"]).toBe(1); // the partners pool only
  });

  it("without disableUser, verify records done (not verified) and says why", async () => {
    // Prepare
    const tokens = await signIn(ND_CLIENT, "jane-p");
    const source = newSource();
    const discovery = await source.discover(discoverContext([jane]));
    const credential = byNative(discovery.credentials, `${NODISABLE}/jane-p`);

    // Act
    const records = await source.revoke(credential, revokeContext);
    const verify = await source.verify(credential, revokeContext);

    // Assess
    expect(records.map((r) => r.status)).toEqual(["done", "skipped", "skipped"]);
    expect(verify.status).toBe("done");
    expect(verify.detail).toContain(SIGN_OUT_UNVERIFIABLE);
    await expect(refresh(ND_CLIENT, tokens.RefreshToken!)).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it("fails verify when someone re-enabled the user, and never touches an unconfigured pool", async () => {
    // Prepare
    const source = newSource();
    const discovery = await source.discover(discoverContext([jane]));
    const credential = byNative(discovery.credentials, `${CUSTOMERS}/jane`);
    await source.revoke(credential, revokeContext);
    await idp.send(new AdminEnableUserCommand({ UserPoolId: CUSTOMERS, Username: "jane" }));
    const foreign = { ...credential, nativeId: "us-east-1_Elsewhere/jane" };

    // Act
    const verify = await source.verify(credential, revokeContext);
    const foreignRecords = await source.revoke(foreign, revokeContext);

    // Assess
    expect(verify).toMatchObject({ status: "failed", error: { name: "CognitoUserStillEnabledError" } });
    expect(foreignRecords).toEqual([
      expect.objectContaining({ status: "skipped", detail: expect.stringContaining("is not configured") }),
    ]);
  });

  it("skips revoking a user deleted since discovery, and verifies it as gone", async () => {
    // Prepare
    const source = newSource();
    const discovery = await source.discover(discoverContext([jane]));
    const credential = byNative(discovery.credentials, `${CUSTOMERS}/jane`);
    await idp.send(new AdminDeleteUserCommand({ UserPoolId: CUSTOMERS, Username: "jane" }));

    // Act
    const records = await source.revoke(credential, revokeContext);
    const verify = await source.verify(credential, revokeContext);

    // Assess
    expect(records.map((r) => r.status)).toEqual(["skipped"]);
    expect(verify.status).toBe("verified");
  });

  it("completes under a ListUsers throttle of 2 requests per second", async () => {
    // Prepare
    sb.faults.set("cognito-idp:ListUsers", { throttleAboveRps: 2 });
    const people = [jane, sam, ext, dora, uma, nobody];

    const source = newSource({
      sources: {
        "aws-cognito": { requestsPerSecond: 100, concurrency: 4, pools: [{ userPoolId: CUSTOMERS }] },
      },
    });

    // Act
    const discovery = await source.discover(discoverContext(people));

    // Assess
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials).toHaveLength(6);
    // The sandbox counted refused requests too: throttling did happen and was absorbed.
    expect(sb.calls()["cognito-idp:ListUsers"]).toBeGreaterThan(
      discovery.stats["calls.cognito-idp:ListUsers"]!,
    );
  }, 120_000);

  it("leaves a matched user's last use unknown when advanced security recorded no sign-in", async () => {
    // Prepare: a user from before advanced security was turned on: no auth event at all.
    sb.seed({
      accountId: ACCOUNT,
      now: NOW.toISOString(),
      cognito: {
        pools: [
          {
            id: STAFF,
            name: "staff",
            advancedSecurityMode: "AUDIT",
            clients: [{ id: STAFF_CLIENT, name: "intranet" }],
            users: [
              {
                username: "quiet",
                attributes: { email: "quiet@corp.example" },
                createdAt: "2023-01-01T00:00:00Z",
              },
            ],
          },
        ],
      },
    });
    const source = newSource({ sources: { "aws-cognito": { pools: [{ userPoolId: STAFF }] } } });

    // Act
    const discovery = await source.discover(discoverContext([person(["quiet@corp.example"])]));

    // Assess: looked for, not found, and not claimed as "never used" (`null`).
    expect(discovery.problems).toEqual([]);
    const quiet = byNative(discovery.credentials, `${STAFF}/quiet`);
    expect(quiet.lastUsed).toBeUndefined();
    expect(sb.calls()["cognito-idp:AdminListUserAuthEvents"]).toBe(1);
  });

  it("looks 50 customers up in a 1,000,000-user pool at one call per person, never walking it", async () => {
    // Prepare
    sb.seed({
      accountId: ACCOUNT,
      cognito: {
        pools: [
          {
            id: CUSTOMERS,
            name: "customers",
            clients: [{ id: SHOP, name: "shop" }],
            generated: { count: 1_000_000, prefix: "customer", emailDomain: "customer.example" },
          },
        ],
      },
    });
    sb.resetCalls();
    const people = Array.from({ length: 50 }, (_, i) =>
      person([`customer-${String(i * 19_997).padStart(6, "0")}@customer.example`]),
    );
    const source = newSource({
      sources: { "aws-cognito": { requestsPerSecond: 100, pools: [{ userPoolId: CUSTOMERS }] } },
    });

    // Act
    const discovery = await source.discover(discoverContext(people));

    // Assess
    expect(discovery.credentials).toHaveLength(50);
    expect(sb.calls()["cognito-idp:ListUsers"]).toBe(50);
    expect(discovery.stats["calls.cognito-idp:ListUsers"]).toBe(50);
    // Fixed per pool: DescribeUserPool, ListUserPoolClients, DescribeUserPoolClient.
    expect(discovery.stats["calls.total"]).toBe(53);
  });
});
