import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../lambdas/config.ts";
import { IdentityIndex } from "../../../../lambdas/core/identity.ts";
import type { Credential, Person } from "../../../../lambdas/core/model.ts";
import type { DiscoverContext, RevokeContext } from "../../../../lambdas/core/ports/credential-source.ts";
import {
  AwsIamSource,
  quarantinedKeyOf,
  SESSION_REVOCATION_POLICY_NAME,
} from "../../../../lambdas/sources/aws-iam/index.ts";
import { decodePolicyDocument, revokedBefore } from "../../../../lambdas/sources/aws-iam/session-policy.ts";
import type { Sandbox, Scenario } from "../../../../sandbox/index.ts";
import { startSandbox } from "../../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../../support/sandbox.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const DEPARTED_AT = new Date("2026-05-25T17:00:00Z");
const ACCOUNT = "111122223333";
const DANA_KEY_1 = "AKIADANA000000000001";
const DANA_KEY_2 = "AKIADANA000000000002";
const DANA_SECRET = "dana-secret-key-1";
const ERIN_KEY = "AKIAERIN000000000001";

const dana: Person = {
  employeeId: "E-7",
  emails: ["dana.smith@corp.example"],
  aliases: [],
  displayName: "Dana Smith",
  departedAt: DEPARTED_AT,
};

function scenario(extra: { danaPolicies?: Record<string, Record<string, unknown>> } = {}): Scenario {
  return {
    accountId: ACCOUNT,
    now: NOW.toISOString(),
    iam: {
      accountCreatedAt: "2019-01-01T00:00:00Z",
      rootAccessKeys: [{ id: "AKIAROOT000000000001", createdAt: "2019-02-01T00:00:00Z" }],
      users: [
        {
          userName: "dana.smith",
          path: "/people/",
          createdAt: "2024-01-01T00:00:00Z",
          tags: { email: "dana.smith@corp.example", "employee-id": "E-7" },
          password: { createdAt: "2024-01-02T00:00:00Z", lastUsedAt: "2026-05-20T08:00:00Z" },
          mfa: true,
          accessKeys: [
            {
              id: DANA_KEY_1,
              secret: DANA_SECRET,
              createdAt: "2024-02-01T00:00:00Z",
              lastUsedAt: "2026-05-30T03:00:00Z",
              lastUsedService: "s3",
              lastUsedRegion: "eu-west-1",
            },
            { id: DANA_KEY_2, createdAt: "2025-03-01T00:00:00Z" },
          ],
          sshKeys: [{ id: "APKADANA00000000001", uploadedAt: "2024-03-01T00:00:00Z" }],
          serviceSpecificCredentials: [
            {
              id: "ACCADANA000000000001",
              serviceName: "codecommit.amazonaws.com",
              createdAt: "2024-04-01T00:00:00Z",
            },
          ],
          ...(extra.danaPolicies ? { inlinePolicies: extra.danaPolicies } : {}),
        },
        {
          userName: "erin.jones",
          createdAt: "2023-01-01T00:00:00Z",
          password: { lastUsedAt: "2026-05-31T09:00:00Z" },
          accessKeys: [
            { id: ERIN_KEY, createdAt: "2023-06-01T10:20:30Z", lastUsedAt: "2026-05-31T10:00:00Z" },
          ],
        },
        {
          userName: "svc-ci",
          path: "/service/",
          createdAt: "2022-01-01T00:00:00Z",
          accessKeys: [{ id: "AKIASVCCI00000000001", createdAt: "2022-01-01T00:00:00Z" }],
        },
      ],
      roles: [
        { roleName: "admin", tags: { "assumable-by": "dana.smith@corp.example" } },
        { roleName: "readonly", tags: { "assumable-by": "erin.jones@corp.example" } },
        { roleName: "break-glass" },
      ],
    },
    cloudtrail: {
      events: [
        {
          eventName: "ListBuckets",
          eventSource: "s3.amazonaws.com",
          eventTime: "2026-05-10T10:00:00Z",
          accessKeyId: DANA_KEY_1,
          username: "dana.smith",
          sourceIPAddress: "192.0.2.1",
        },
        {
          eventName: "GetObject",
          eventSource: "s3.amazonaws.com",
          eventTime: "2026-05-30T03:00:00Z",
          accessKeyId: DANA_KEY_1,
          username: "dana.smith",
          sourceIPAddress: "203.0.113.9",
          userAgent: "aws-cli/2.15.0",
        },
        {
          eventName: "GetObject",
          eventSource: "s3.amazonaws.com",
          eventTime: "2026-05-30T03:05:00Z",
          accessKeyId: DANA_KEY_1,
          username: "dana.smith",
          sourceIPAddress: "203.0.113.9",
          userAgent: "aws-cli/2.15.0",
        },
      ],
    },
  };
}

const config = parseConfig({
  sources: { "aws-iam": { reportPollMs: 0, sessionRevocationRoleTag: { key: "assumable-by" } } },
});
const resolver = new IdentityIndex([dana], config.ownership);
const discoverCtx: DiscoverContext = { now: NOW, people: [dana], resolver };
const revokeCtx: RevokeContext = { now: NOW, person: dana, revokeSessionsIssuedBefore: DEPARTED_AT };

describe("AwsIamSource against the sandbox", () => {
  let sb: Sandbox;
  const clients: Array<{ destroy(): void }> = [];
  const sleeps: number[] = [];

  function makeSource(
    options: { maxAttempts?: number; aws?: Record<string, unknown>; accountId?: string } = {},
  ): AwsIamSource {
    const settings = {
      ...sandboxClientConfig(sb, { maxAttempts: options.maxAttempts ?? 3 }),
      retryMode: "adaptive",
    };
    const iam = new IAMClient(settings);
    const sts = new STSClient(settings);
    const cloudTrail = new CloudTrailClient(settings);
    clients.push(iam, sts, cloudTrail);
    return new AwsIamSource({
      iam,
      sts,
      cloudTrail,
      ...(options.accountId ? { accountId: options.accountId } : {}),
      config: { ...config.sources["aws-iam"], ...options.aws },
      ownership: config.ownership,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      clock: { now: () => sb.clock.now() },
    });
  }

  const byId = (credentials: Credential[]) => new Map(credentials.map((c) => [c.id, c]));
  const id = (kind: string, nativeId: string) => `aws-iam:${ACCOUNT}:${kind}:${nativeId}`;

  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });
  beforeEach(() => {
    sb.reset();
    sb.seed(scenario());
    sleeps.length = 0;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  it("preflight names the account, reads one user, and fails the read check when IAM does not answer", async () => {
    // Prepare
    const source = makeSource({ maxAttempts: 1 });

    // Act
    const healthy = await source.preflight();
    sb.faults.set("iam:GetAccountAuthorizationDetails", { errorRate: 1 });
    const failing = await source.preflight();
    sb.faults.clear();

    // Assess
    expect(healthy).toEqual([
      {
        name: "aws-iam: identity",
        ok: true,
        detail: expect.stringMatching(new RegExp(`^account ${ACCOUNT} as arn:`)),
      },
      { name: "aws-iam: read users", ok: true, detail: "GetAccountAuthorizationDetails answers" },
    ]);
    expect(failing[1]).toMatchObject({
      name: "aws-iam: read users",
      ok: false,
      detail: expect.stringMatching(/^GetAccountAuthorizationDetails failed: /),
    });
    expect(Object.keys(sb.calls()).sort()).toEqual([
      "iam:GetAccountAuthorizationDetails",
      "sts:GetCallerIdentity",
    ]);
  });

  it("discovers each credential of a departed user with real ids, status and last use", async () => {
    // Prepare
    const source = makeSource();

    // Act
    const discovery = await source.discover(discoverCtx);

    // Assess
    expect(discovery.problems).toEqual([]);
    const found = byId(discovery.credentials);
    const key1 = found.get(id("access-key", DANA_KEY_1));
    expect(key1).toMatchObject({
      kind: "access-key",
      nativeId: DANA_KEY_1,
      principal: "dana.smith",
      principalArn: `arn:aws:iam::${ACCOUNT}:user/people/dana.smith`,
      principalType: "human",
      active: true,
      createdAt: new Date("2024-02-01T00:00:00Z"),
      lastUsed: { at: new Date("2026-05-30T03:00:00Z"), service: "s3", region: "eu-west-1" },
      ownerHints: { emails: ["dana.smith@corp.example"], employeeIds: ["E-7"] },
      details: { confirmed: true, ownerTagsRead: true, userPath: "/people/" },
    });
    expect(found.get(id("access-key", DANA_KEY_2))).toMatchObject({ active: true, lastUsed: null });
    expect(found.get(id("console-password", "dana.smith"))).toMatchObject({
      active: true,
      mfaEnabled: true,
      lastUsed: { at: new Date("2026-05-20T08:00:00Z") },
    });
    expect(found.get(id("ssh-key", "APKADANA00000000001"))).toMatchObject({ active: true });
    expect(found.get(id("service-specific-credential", "ACCADANA000000000001"))).toMatchObject({
      active: true,
      details: { serviceName: "codecommit.amazonaws.com" },
    });
    expect(found.get(id("sts-sessions", "dana.smith"))).toMatchObject({ active: true });

    // Users not matched to a departed person come from the report alone, with slot ids.
    expect(found.get(id("access-key", "erin.jones#1"))).toMatchObject({
      active: true,
      principalType: "human",
      createdAt: new Date("2023-06-01T10:20:30Z"),
      lastUsed: { at: new Date("2026-05-31T10:00:00Z") },
      details: { confirmed: false, ownerTagsRead: true, reportSlot: 1 },
    });
    expect(found.get(id("access-key", "svc-ci#1"))).toMatchObject({
      principalType: "service",
      lastUsed: null,
    });
    expect(found.has(id("sts-sessions", "svc-ci"))).toBe(false);
    expect(found.get(id("access-key", "<root_account>#1"))).toMatchObject({ isRoot: true, active: true });

    // Targeted calls only for the one matched user; nothing per user of the account. Tags and
    // the session policy come from one page of authorization details.
    const calls = sb.calls();
    expect(calls["iam:GetAccountAuthorizationDetails"]).toBe(1);
    expect(calls["iam:ListUserTags"]).toBeUndefined();
    expect(calls["iam:GetUserPolicy"]).toBeUndefined();
    expect(calls["iam:ListUsers"]).toBeUndefined();
    expect(calls["iam:ListAccessKeys"]).toBe(1);
    expect(calls["iam:ListSSHPublicKeys"]).toBe(1);
    // One listing of every user's service-specific credentials, not one per matched user.
    expect(calls["iam:ListServiceSpecificCredentials"]).toBe(1);
    // The report was generated after Dana left, so it tells the keys' and the password's last
    // use since then; the password it shows is confirmed (freshReads "targeted").
    expect(calls["iam:GetLoginProfile"]).toBe(1);
    expect(calls["iam:GetAccessKeyLastUsed"]).toBeUndefined();
    expect(calls["iam:GetUser"]).toBeUndefined();
    expect(key1?.details).toMatchObject({ lastUseFrom: "credential-report" });
    expect(calls["sts:GetCallerIdentity"]).toBe(1);
    expect(discovery.stats).toMatchObject({
      matchedUsers: 1,
      confirmedUsers: 1,
      confirmedWithReport: 1,
      usersSeen: 3,
      reportAgeSeconds: 0,
    });
    expect(discovery.stats["calls.total"]).toBe(Object.values(calls).reduce((a, b) => a + b, 0));
    expect(discovery.notes.join(" ")).toMatch(/up to 4 hours/);
  });

  it("matches a service user by its owner tag alone, and reads every user's session policy from the details", async () => {
    // Prepare: a service user whose name says nothing about Dana; Erin (not departed) whose
    // sessions a human already revoked; Dana whose sessions were revoked after she left.
    const denyBefore = (at: string) => ({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { DateLessThan: { "aws:TokenIssueTime": at } },
        },
      ],
    });
    const seeded = scenario({
      danaPolicies: { [SESSION_REVOCATION_POLICY_NAME]: denyBefore("2026-05-26T00:00:00Z") },
    });
    seeded.iam?.users?.push({
      userName: "svc-payments",
      path: "/service/",
      createdAt: "2025-01-01T00:00:00Z",
      tags: { owner: "dana.smith@corp.example" },
      accessKeys: [{ id: "AKIASVCPAY0000000001", createdAt: "2025-01-02T00:00:00Z" }],
    });
    // A workload whose path and name say nothing: only its owner tag ties it to Dana.
    seeded.iam?.users?.push({
      userName: "reports2024",
      createdAt: "2025-01-01T00:00:00Z",
      tags: { owner: "dana.smith@corp.example" },
      accessKeys: [{ id: "AKIAREPORTS000000001", createdAt: "2025-01-03T00:00:00Z" }],
    });
    sb.seed(seeded);
    sb.iam.users
      .get("erin.jones")!
      .inlinePolicies.set(SESSION_REVOCATION_POLICY_NAME, JSON.stringify(denyBefore("2026-05-01T00:00:00Z")));
    // The role tagged as assumable by Dana was cut off with her user.
    sb.iam.roles
      .get("admin")!
      .inlinePolicies.set(SESSION_REVOCATION_POLICY_NAME, JSON.stringify(denyBefore("2026-05-26T00:00:00Z")));
    const source = makeSource({ accountId: ACCOUNT });

    // Act
    const discovery = await source.discover(discoverCtx);

    // Assess
    expect(discovery.problems).toEqual([]);
    const found = byId(discovery.credentials);
    expect(found.get(id("access-key", "AKIASVCPAY0000000001"))).toMatchObject({
      principal: "svc-payments",
      principalType: "service",
      ownerHints: { emails: ["dana.smith@corp.example"], tags: { owner: "dana.smith@corp.example" } },
      details: { confirmed: true, ownerTagsRead: true },
    });
    expect(found.has(id("sts-sessions", "svc-payments"))).toBe(false);
    // Tied to Dana by a tag alone, no password: not known to be a person, so never auto-revoked
    // (the policy tickets anything not human); Dana's own user is named after her: human.
    expect(found.get(id("access-key", "AKIAREPORTS000000001"))).toMatchObject({
      principal: "reports2024",
      principalType: "unknown",
      ownerHints: { emails: ["dana.smith@corp.example"] },
    });
    expect(found.has(id("sts-sessions", "reports2024"))).toBe(false);
    expect(found.get(id("access-key", DANA_KEY_1))?.principalType).toBe("human");
    expect(found.get(id("sts-sessions", "dana.smith"))).toMatchObject({
      active: false,
      details: { sessionsRevokedBefore: "2026-05-26T00:00:00.000Z", sessionRolesOpen: null },
    });
    // Erin has not left: there is no departure to compare the cut-off with, but it is known.
    expect(found.get(id("sts-sessions", "erin.jones"))).toMatchObject({
      active: true,
      details: { confirmed: false, ownerTagsRead: true, sessionsRevokedBefore: "2026-05-01T00:00:00.000Z" },
    });
    expect(discovery.stats.matchedUsers).toBe(3);
    const calls = sb.calls();
    expect(calls["iam:GetAccountAuthorizationDetails"]).toBe(1);
    expect(calls["iam:ListUserTags"]).toBeUndefined();
    expect(calls["iam:GetUserPolicy"]).toBeUndefined();
    // The report, newer than the departure, shows no password for the service user: no
    // GetLoginProfile for it; Dana's password is confirmed.
    expect(calls["iam:GetLoginProfile"]).toBe(1);
  });

  it('re-reads every credential and last use with freshReads "all", or when the report predates the departure', async () => {
    // Prepare: a report generated two hours before Dana "leaves"; then a use of her second key.
    const early = makeSource({ accountId: ACCOUNT });
    await early.discover(discoverCtx);
    sb.clock.advance(2 * 3600_000);
    const leftLater: Person = { ...dana, departedAt: new Date(NOW.getTime() + 3600_000) };
    const later = { now: new Date(NOW.getTime() + 2 * 3600_000), people: [leftLater] };
    sb.iam.accessKeys.get(DANA_KEY_2)!.lastUsedAt = new Date(NOW.getTime() + 90 * 60_000);

    for (const [label, aws, person] of [
      ["report older than the departure", {}, leftLater],
      ['freshReads "all"', { freshReads: "all" }, dana],
    ] as const) {
      sb.resetCalls();
      const source = makeSource({ accountId: ACCOUNT, aws });
      const ctx = { ...later, people: [person], resolver: new IdentityIndex([person], config.ownership) };

      // Act
      const discovery = await source.discover(ctx);

      // Assess: AWS reused the two-hour-old report; every read was fresh all the same.
      expect(discovery.problems, label).toEqual([]);
      expect(discovery.stats.reportAgeSeconds, label).toBe(7200);
      expect(discovery.stats.confirmedWithReport, label).toBe(0);
      const calls = sb.calls();
      expect(calls["iam:GetAccessKeyLastUsed"], label).toBe(2);
      expect(calls["iam:GetLoginProfile"], label).toBe(1);
      expect(calls["iam:GetUser"], label).toBe(1);
      const key2 = byId(discovery.credentials).get(id("access-key", DANA_KEY_2));
      expect(key2?.lastUsed?.at, label).toEqual(new Date(NOW.getTime() + 90 * 60_000));
      expect(key2?.details, label).toMatchObject({ lastUseFrom: "GetAccessKeyLastUsed" });
    }
  });

  it('freshReads "targeted": a key the report has not seen is read fresh, and an absent password is believed', async () => {
    // Prepare: the report is generated at NOW (after Dana left); then Dana gets a third key.
    await makeSource({ accountId: ACCOUNT }).discover(discoverCtx);
    sb.clock.advance(60_000);
    sb.iam.addAccessKey(
      sb.iam.users.get("dana.smith"),
      {
        id: "AKIADANA000000000003",
        createdAt: new Date(NOW.getTime() + 30_000).toISOString(),
        lastUsedAt: new Date(NOW.getTime() + 45_000).toISOString(),
      },
      NOW,
    );
    sb.resetCalls();

    // Act
    const discovery = await makeSource({ accountId: ACCOUNT }).discover(discoverCtx);

    // Assess: the new key's last use comes from GetAccessKeyLastUsed; the known key's from the report.
    const found = byId(discovery.credentials);
    expect(found.get(id("access-key", "AKIADANA000000000003"))).toMatchObject({
      lastUsed: { at: new Date(NOW.getTime() + 45_000) },
      details: { lastUseFrom: "GetAccessKeyLastUsed" },
    });
    expect(found.get(id("access-key", DANA_KEY_1))?.details).toMatchObject({
      lastUseFrom: "credential-report",
    });
    expect(sb.calls()["iam:GetAccessKeyLastUsed"]).toBe(1);
    expect(discovery.notes.join(" ")).toMatch(/freshReads "targeted"/);
  });

  it("matches by name and path alone when the authorization details cannot be read", async () => {
    // Prepare
    sb.faults.set("iam:GetAccountAuthorizationDetails", { errorRate: 1 });
    const source = makeSource({ maxAttempts: 1, accountId: ACCOUNT });

    // Act
    const discovery = await source.discover(discoverCtx);

    // Assess: a problem, a note, Dana still matched by name, tags marked as unread.
    expect(discovery.problems).toEqual([
      expect.objectContaining({ subject: "GetAccountAuthorizationDetails", errorName: "ServiceUnavailable" }),
    ]);
    expect(discovery.notes.join(" ")).toMatch(/owner tags are unknown/);
    const found = byId(discovery.credentials);
    expect(found.get(id("access-key", DANA_KEY_1))).toMatchObject({
      details: { confirmed: true, ownerTagsRead: false },
    });
    expect(found.get(id("access-key", "erin.jones#1"))).toMatchObject({
      details: { confirmed: false, ownerTagsRead: false },
    });
  });

  it("summarises CloudTrail events of a key used after departure", async () => {
    // Prepare: use the departed key once more, signed with its own secret.
    const stolen = new STSClient({
      ...sandboxClientConfig(sb, { accessKeyId: DANA_KEY_1, secretAccessKey: DANA_SECRET }),
    });
    clients.push(stolen);
    await stolen.send(new GetCallerIdentityCommand({}));
    const source = makeSource({ accountId: ACCOUNT });
    const { credentials } = await source.discover(discoverCtx);
    const key = credentials.find((c) => c.nativeId === DANA_KEY_1)!;

    // Act
    const evidence = await source.investigate(key, DEPARTED_AT);

    // Assess: the event before departure is not counted.
    expect(evidence).toMatchObject({
      accessKeyId: DANA_KEY_1,
      events: 3,
      firstEventAt: "2026-05-30T03:00:00.000Z",
      lastEventAt: NOW.toISOString(),
      distinctSourceIps: 2,
      truncated: false,
    });
    expect(evidence.topEventNames).toBe("GetObject (2), GetCallerIdentity (1)");
    expect(evidence.sourceIps).toBe("203.0.113.9 (2), 127.0.0.1 (1)");
    expect(sb.calls()["cloudtrail:LookupEvents"]).toBe(1);
  });

  it("revokes each credential of the departed user, verifies it, and leaves others untouched", async () => {
    // Prepare
    const source = makeSource();
    const before = await source.discover(discoverCtx);
    const danas = before.credentials.filter((c) => c.principal === "dana.smith");
    expect(danas.map((c) => c.kind).sort()).toEqual([
      "access-key",
      "access-key",
      "console-password",
      "service-specific-credential",
      "ssh-key",
      "sts-sessions",
    ]);

    // Act
    const revoked = await Promise.all(danas.map((c) => source.revoke(c, revokeCtx)));
    const verified = await Promise.all(danas.map((c) => source.verify(c, revokeCtx)));
    sb.resetCalls();
    const after = await source.discover(discoverCtx);

    // Assess: every action done, every read-back verified.
    expect(revoked.flat().map((r) => [r.status, r.error])).toEqual(
      revoked.flat().map(() => ["done", undefined]),
    );
    expect(revoked.flat().map((r) => r.detail)).toEqual(
      expect.arrayContaining([
        `UpdateAccessKey ${DANA_KEY_1} Inactive (user dana.smith)`,
        `UpdateAccessKey ${DANA_KEY_2} Inactive (user dana.smith)`,
        "DeleteLoginProfile dana.smith",
        expect.stringMatching(/^PutUserPolicy IamHygieneRevokeOlderSessions on user dana.smith/),
        expect.stringMatching(/^PutRolePolicy IamHygieneRevokeOlderSessions on role admin/),
      ]),
    );
    expect(verified.map((v) => [v.status, v.error])).toEqual(verified.map(() => ["verified", undefined]));

    const user = sb.iam.users.get("dana.smith")!;
    expect(user.accessKeys.map((k) => k.status)).toEqual(["Inactive", "Inactive"]);
    expect(user.loginProfile).toBeUndefined();
    expect(user.sshKeys[0]!.status).toBe("Inactive");
    expect(user.serviceSpecificCredentials[0]!.status).toBe("Inactive");
    const cutoff = (doc: string | undefined) => revokedBefore(decodePolicyDocument(doc!));
    expect(cutoff(user.inlinePolicies.get(SESSION_REVOCATION_POLICY_NAME))).toEqual(DEPARTED_AT);
    expect(cutoff(sb.iam.roles.get("admin")!.inlinePolicies.get(SESSION_REVOCATION_POLICY_NAME))).toEqual(
      DEPARTED_AT,
    );
    expect(sb.iam.roles.get("readonly")!.inlinePolicies.size).toBe(0);
    expect(sb.iam.roles.get("break-glass")!.inlinePolicies.size).toBe(0);

    // The non-departed user is untouched.
    const erin = sb.iam.users.get("erin.jones")!;
    expect(erin.accessKeys.map((k) => [k.accessKeyId, k.status])).toEqual([[ERIN_KEY, "Active"]]);
    expect(erin.loginProfile).toBeDefined();
    expect(erin.inlinePolicies.size).toBe(0);

    // Discovery (fresh calls for the matched user, whatever the cached report says) agrees,
    // and its stats count its own calls only.
    expect(after.stats["calls.total"]).toBe(Object.values(sb.calls()).reduce((a, b) => a + b, 0));
    const again = byId(after.credentials.filter((c) => c.principal === "dana.smith"));
    expect(again.get(id("access-key", DANA_KEY_1))?.active).toBe(false);
    expect(again.get(id("access-key", DANA_KEY_2))?.active).toBe(false);
    expect(again.has(id("console-password", "dana.smith"))).toBe(false);
    expect(again.get(id("ssh-key", "APKADANA00000000001"))?.active).toBe(false);
    expect(again.get(id("service-specific-credential", "ACCADANA000000000001"))?.active).toBe(false);
    expect(again.get(id("sts-sessions", "dana.smith"))).toMatchObject({
      active: false,
      details: { sessionsRevokedBefore: DEPARTED_AT.toISOString() },
    });

    // The departed key no longer works.
    const stolen = new STSClient(
      sandboxClientConfig(sb, { accessKeyId: DANA_KEY_1, secretAccessKey: DANA_SECRET }),
    );
    clients.push(stolen);
    await expect(stolen.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: "InvalidClientTokenId",
    });
  });

  it("never moves a session-revocation cut-off earlier, and moves an older one later", async () => {
    // Prepare: Dana's user already revokes sessions up to an hour ago (a human used the console).
    const later = new Date("2026-06-01T11:00:00Z");
    const policy = (at: string) => ({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Action: ["*"],
          Resource: ["*"],
          Condition: { DateLessThan: { "aws:TokenIssueTime": at } },
        },
      ],
    });
    sb.seed(scenario({ danaPolicies: { [SESSION_REVOCATION_POLICY_NAME]: policy(later.toISOString()) } }));
    sb.iam.roles
      .get("admin")!
      .inlinePolicies.set(SESSION_REVOCATION_POLICY_NAME, JSON.stringify(policy("2026-01-01T00:00:00Z")));
    const source = makeSource();
    const { credentials } = await source.discover(discoverCtx);
    const sessions = credentials.find((c) => c.kind === "sts-sessions" && c.principal === "dana.smith")!;

    // Act
    const records = await source.revoke(sessions, revokeCtx);
    const check = await source.verify(sessions, revokeCtx);

    // Assess: the user's own cut-off is late enough, but the admin role Dana could assume still
    // allowed her older sessions, so discovery called them open; the revocation moved it.
    expect(sessions).toMatchObject({ active: true, details: { sessionRolesOpen: "admin" } });
    expect(records.map((r) => r.detail)).toEqual([
      "PutUserPolicy IamHygieneRevokeOlderSessions on user dana.smith: already denies sessions issued before 2026-06-01T11:00:00Z",
      "PutRolePolicy IamHygieneRevokeOlderSessions on role admin: denies sessions issued before 2026-05-25T17:00:00Z",
    ]);
    const cutoff = (doc: string | undefined) => revokedBefore(decodePolicyDocument(doc!));
    expect(
      cutoff(sb.iam.users.get("dana.smith")!.inlinePolicies.get(SESSION_REVOCATION_POLICY_NAME)),
    ).toEqual(later);
    expect(cutoff(sb.iam.roles.get("admin")!.inlinePolicies.get(SESSION_REVOCATION_POLICY_NAME))).toEqual(
      DEPARTED_AT,
    );
    expect(check.status).toBe("verified");
  });

  /**
   * An inline policy of 2,010 characters (whitespace aside): the session policy's 201 do not fit
   * under IAM's 2,048 for a user.
   */
  const bulkyPolicy = () => ({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: Array.from(
          { length: 58 },
          (_, i) => `arn:aws:s3:::team-bucket-${String(i).padStart(3, "0")}/*`,
        ),
      },
    ],
  });

  it("attaches AWSDenyAll when the user's inline policies leave no room for the session policy, and verifies it", async () => {
    // Prepare: Dana's user carries a bulky inline policy; IAM caps a user's at 2,048 characters.
    sb.seed(scenario({ danaPolicies: { "legacy-s3-access": bulkyPolicy() } }));
    // The SDK's own retries, as a scan has them: IAM's LimitExceeded is on its throttling list.
    const source = makeSource({ maxAttempts: 8 });
    const sessionsOf = async () =>
      (await source.discover(discoverCtx)).credentials.find(
        (c) => c.kind === "sts-sessions" && c.principal === "dana.smith",
      )!;
    const before = await sessionsOf();

    // Act
    const records = await source.revoke(before, revokeCtx);
    const check = await source.verify(before, revokeCtx);
    const after = await sessionsOf();
    const again = await source.revoke(after, revokeCtx);

    // Assess: the write hit the quota once (not retried as throttling), AWSDenyAll went on
    // instead; the role got its policy.
    expect(sb.calls()["iam:PutUserPolicy"]).toBe(1);
    const arn = "arn:aws:iam::aws:policy/AWSDenyAll";
    expect(records.map((r) => [r.status, r.detail])).toEqual([
      [
        "done",
        expect.stringMatching(
          /^PutUserPolicy IamHygieneRevokeOlderSessions on user dana\.smith: no room under IAM's inline policy quota \(.*2048.*\); attached arn:aws:iam::aws:policy\/AWSDenyAll instead/,
        ),
      ],
      ["done", expect.stringMatching(/^PutRolePolicy IamHygieneRevokeOlderSessions on role admin: denies/)],
    ]);
    const dana = sb.iam.users.get("dana.smith")!;
    expect(dana.inlinePolicies.has(SESSION_REVOCATION_POLICY_NAME)).toBe(false);
    expect([...dana.attachedPolicies.keys()]).toEqual([arn]);
    expect(check).toMatchObject({
      status: "verified",
      detail: expect.stringContaining("denied on user dana.smith (by AWSDenyAll), role admin"),
    });
    expect(before).toMatchObject({ active: true });
    expect(after).toMatchObject({ active: false, details: { sessionsDeniedBy: "AWSDenyAll" } });
    expect(again.map((r) => [r.status, r.detail])).toEqual([
      [
        "done",
        "PutUserPolicy IamHygieneRevokeOlderSessions on user dana.smith: AWSDenyAll already attached, which denies every action",
      ],
      ["done", expect.stringMatching(/on role admin: already denies/)],
    ]);
    expect([...dana.attachedPolicies.keys()]).toEqual([arn]);
  });

  it("names the attach that failed, and why it was tried, when the user has no room for a managed policy either", async () => {
    // Prepare: the inline quota is full, and so are the ten managed policies a user may have.
    sb.seed(scenario({ danaPolicies: { "legacy-s3-access": bulkyPolicy() } }));
    const dana = sb.iam.users.get("dana.smith")!;
    for (const name of [
      "ReadOnlyAccess",
      "PowerUserAccess",
      "SecurityAudit",
      "IAMReadOnlyAccess",
      "IAMUserChangePassword",
      "AmazonS3FullAccess",
      "AmazonS3ReadOnlyAccess",
      "AmazonEC2ReadOnlyAccess",
      "AWSCloudTrail_ReadOnlyAccess",
      "IAMFullAccess",
    ])
      dana.attachedPolicies.set(`arn:aws:iam::aws:policy/${name}`, name);
    const source = makeSource({ maxAttempts: 8 });
    const { credentials } = await source.discover(discoverCtx);
    const sessions = credentials.find((c) => c.kind === "sts-sessions" && c.principal === "dana.smith")!;

    // Act
    const records = await source.revoke(sessions, revokeCtx);

    // Assess: one attempt each, the failure named as the attach's.
    expect(records[0]).toMatchObject({
      status: "failed",
      detail: expect.stringMatching(
        /^AttachUserPolicy AWSDenyAll on user dana\.smith, after PutUserPolicy IamHygieneRevokeOlderSessions on user dana\.smith found no room under IAM's inline policy quota \(Maximum policy size of 2048/,
      ),
      error: { name: "LimitExceeded", message: "Cannot exceed quota for PoliciesPerUser: 10" },
    });
    expect([sb.calls()["iam:PutUserPolicy"], sb.calls()["iam:AttachUserPolicy"]]).toEqual([1, 1]);
  });

  it("leaves a full user alone, the revocation failed, with denyAllWhenPolicyQuotaFull false", async () => {
    // Prepare
    sb.seed(scenario({ danaPolicies: { "legacy-s3-access": bulkyPolicy() } }));
    const source = makeSource({ maxAttempts: 8, aws: { denyAllWhenPolicyQuotaFull: false } });
    const { credentials } = await source.discover(discoverCtx);
    const sessions = credentials.find((c) => c.kind === "sts-sessions" && c.principal === "dana.smith")!;

    // Act
    const records = await source.revoke(sessions, revokeCtx);
    const check = await source.verify(sessions, revokeCtx);

    // Assess
    expect(records[0]).toMatchObject({
      status: "failed",
      detail: "PutUserPolicy IamHygieneRevokeOlderSessions on user dana.smith",
      error: { name: "LimitExceeded" },
    });
    expect(sb.iam.users.get("dana.smith")!.attachedPolicies.size).toBe(0);
    expect(check).toMatchObject({
      status: "failed",
      detail: expect.stringContaining("still allowed on user dana.smith"),
    });
  });

  it("keeps a departed user's sessions open while a role's policy write fails, and writes it on the next run", async () => {
    // Prepare: every PutRolePolicy fails (5xx), past the SDK's retries.
    const source = makeSource({ maxAttempts: 1 });
    const sessionsOf = async () =>
      (await source.discover(discoverCtx)).credentials.find(
        (c) => c.kind === "sts-sessions" && c.principal === "dana.smith",
      )!;
    const first = await sessionsOf();
    sb.faults.set("iam:PutRolePolicy", { errorRate: 1 });

    // Act: revoke with the fault, discover, then revoke again without it, and discover.
    const failed = await source.revoke(first, revokeCtx);
    const check = await source.verify(first, revokeCtx);
    const between = await sessionsOf();
    sb.faults.clear();
    const retried = await source.revoke(between, revokeCtx);
    const after = await sessionsOf();

    // Assess: the user's policy was written, the role's was not; discovery does not call the
    // sessions revoked on the user's policy alone, and names the role still open.
    expect(first).toMatchObject({ active: true, details: { sessionRolesOpen: "admin" } });
    expect(failed.map((r) => [r.status, r.detail])).toEqual([
      [
        "done",
        expect.stringMatching(/^PutUserPolicy IamHygieneRevokeOlderSessions on user dana.smith: denies/),
      ],
      ["failed", "PutRolePolicy IamHygieneRevokeOlderSessions on role admin"],
    ]);
    expect(check).toMatchObject({
      status: "failed",
      detail: expect.stringContaining("still allowed on role admin"),
    });
    expect(between).toMatchObject({
      active: true,
      details: { sessionsRevokedBefore: DEPARTED_AT.toISOString(), sessionRolesOpen: "admin" },
    });
    expect(retried.map((r) => [r.status, r.detail])).toEqual([
      ["done", expect.stringMatching(/on user dana.smith: already denies/)],
      ["done", expect.stringMatching(/^PutRolePolicy IamHygieneRevokeOlderSessions on role admin: denies/)],
    ]);
    expect(after).toMatchObject({ active: false, details: { sessionRolesOpen: null } });
  });

  it("judges a departed user's sessions on the roles the revoker writes: configured, tagged, not protected", async () => {
    // Prepare: Dana's user and the admin role (tagged as hers) are cut off; "readonly" is
    // configured and has no policy yet; "break-glass" is configured but protected.
    const deny = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-05-26T00:00:00Z" } },
        },
      ],
    });
    sb.iam.users.get("dana.smith")!.inlinePolicies.set(SESSION_REVOCATION_POLICY_NAME, deny);
    sb.iam.roles.get("admin")!.inlinePolicies.set(SESSION_REVOCATION_POLICY_NAME, deny);
    const source = makeSource({
      aws: {
        sessionRevocationRoleArns: [
          `arn:aws:iam::${ACCOUNT}:role/break-glass`,
          `arn:aws:iam::${ACCOUNT}:role/teams/readonly`,
        ],
      },
    });
    const ctx = { ...discoverCtx, protectedPrincipals: ["break-glass*"] };
    const sessions = async () =>
      (await source.discover(ctx)).credentials.find(
        (c) => c.kind === "sts-sessions" && c.principal === "dana.smith",
      )!;

    // Act
    const open = await sessions();
    sb.iam.roles.get("readonly")!.inlinePolicies.set(SESSION_REVOCATION_POLICY_NAME, deny);
    const closed = await sessions();

    // Assess: open on the configured role alone; the protected one never counts.
    expect(open).toMatchObject({ active: true, details: { sessionRolesOpen: "readonly" } });
    expect(closed).toMatchObject({ active: false, details: { sessionRolesOpen: null } });
  });

  it("never puts the session-revocation policy on a protected role, configured or tagged", async () => {
    // Prepare: the break-glass role is both configured and tagged as assumable by Dana.
    const seeded = scenario();
    const roles = seeded.iam!.roles as Array<{ roleName: string; tags?: Record<string, string> }>;
    roles.find((r) => r.roleName === "break-glass")!.tags = { "assumable-by": "dana.smith@corp.example" };
    sb.seed(seeded);
    const source = makeSource({
      aws: { sessionRevocationRoleArns: [`arn:aws:iam::${ACCOUNT}:role/break-glass`] },
    });
    const { credentials } = await source.discover(discoverCtx);
    const sessions = credentials.find((c) => c.kind === "sts-sessions" && c.principal === "dana.smith")!;
    const ctx = { ...revokeCtx, protectedPrincipals: ["break-glass*"] };

    // Act
    const records = await source.revoke(sessions, ctx);
    const check = await source.verify(sessions, ctx);

    // Assess: the user and the admin role get the policy; break-glass is skipped, named, untouched.
    expect(records.map((r) => [r.status, r.detail])).toEqual([
      [
        "skipped",
        "PutRolePolicy IamHygieneRevokeOlderSessions on role break-glass: protected (break-glass*)",
      ],
      ["done", expect.stringMatching(/^PutUserPolicy IamHygieneRevokeOlderSessions on user dana.smith/)],
      ["done", expect.stringMatching(/^PutRolePolicy IamHygieneRevokeOlderSessions on role admin/)],
    ]);
    expect(sb.iam.roles.get("break-glass")!.inlinePolicies.size).toBe(0);
    expect(sb.iam.roles.get("admin")!.inlinePolicies.has(SESSION_REVOCATION_POLICY_NAME)).toBe(true);
    expect(check).toMatchObject({
      status: "verified",
      detail: expect.stringContaining("user dana.smith, role admin"),
    });
  });

  it("revokes a report-only key by its slot id, per key, and reads it back", async () => {
    // Prepare
    const source = makeSource();
    const { credentials } = await source.discover(discoverCtx);
    const erinKey = credentials.find((c) => c.id === id("access-key", "erin.jones#1"))!;

    // Act
    const [record] = await source.revoke(erinKey, revokeCtx);
    const check = await source.verify(erinKey, revokeCtx);

    // Assess
    expect(record).toMatchObject({
      status: "done",
      detail: `UpdateAccessKey ${ERIN_KEY} Inactive (user erin.jones)`,
    });
    expect(check.status).toBe("verified");
    expect(sb.iam.accessKeys.get(ERIN_KEY)!.status).toBe("Inactive");
  });

  it("reports a verification failure with what is still active", async () => {
    // Prepare: revoke, then someone re-enables the key.
    const source = makeSource();
    const { credentials } = await source.discover(discoverCtx);
    const key = credentials.find((c) => c.nativeId === DANA_KEY_2)!;
    await source.revoke(key, revokeCtx);
    sb.iam.accessKeys.get(DANA_KEY_2)!.status = "Active";

    // Act
    const check = await source.verify(key, revokeCtx);

    // Assess
    expect(check).toMatchObject({
      type: "verify",
      status: "failed",
      error: { name: "CredentialStillActiveError" },
    });
  });

  it("refuses to touch root credentials", async () => {
    // Prepare
    const source = makeSource();
    const { credentials } = await source.discover(discoverCtx);
    const root = credentials.find((c) => c.isRoot)!;

    // Act
    const records = await source.revoke(root, revokeCtx);

    // Assess
    expect(records[0]!.status).toBe("skipped");
    expect(sb.iam.accessKeys.get("AKIAROOT000000000001")!.status).toBe("Active");
  });

  it("deletes quarantined keys only after the quarantine, and only while still inactive", async () => {
    // Prepare: three keys revoked by a scan 40 days ago, one of them re-enabled since, one yesterday.
    const source = makeSource({ aws: { deleteKeysAfterDays: 30 } });
    const off = makeSource();
    const { credentials } = await source.discover(discoverCtx);
    const actions = [];
    for (const native of [DANA_KEY_1, DANA_KEY_2]) {
      const key = credentials.find((c) => c.nativeId === native)!;
      const [record] = await source.revoke(key, { ...revokeCtx, now: new Date("2026-04-22T00:00:00Z") });
      actions.push(record!);
    }
    const erinKey = credentials.find((c) => c.id === id("access-key", "erin.jones#1"))!;
    const [erinRecord] = await source.revoke(erinKey, {
      ...revokeCtx,
      now: new Date("2026-05-31T00:00:00Z"),
    });
    sb.iam.accessKeys.get(DANA_KEY_2)!.status = "Active";
    const quarantined = [...actions, erinRecord!].map((a) => quarantinedKeyOf(a)!);

    // Act
    const disabled = await off.purgeQuarantined(quarantined, NOW);
    const purged = await source.purgeQuarantined(quarantined, NOW);

    // Assess
    expect(disabled.map((r) => r.status)).toEqual(["skipped", "skipped", "skipped"]);
    expect(purged.map((r) => [r.status, r.detail.split(": ")[1]])).toEqual([
      ["done", "inactive since 2026-04-22T00:00:00.000Z, deleted"],
      ["skipped", "reactivated since it was revoked; a human decided to keep it"],
      ["skipped", "in quarantine until 2026-06-30T00:00:00.000Z"],
    ]);
    expect(sb.iam.accessKeys.has(DANA_KEY_1)).toBe(false);
    expect(sb.iam.accessKeys.has(DANA_KEY_2)).toBe(true);
    expect(sb.iam.accessKeys.get(ERIN_KEY)!.status).toBe("Inactive");
  });

  it("completes discovery under IAM throttling, the SDK retrying", async () => {
    // Prepare
    sb.faults.set("iam:*", { throttleAboveRps: 3 });
    const source = makeSource({ maxAttempts: 20, accountId: ACCOUNT });

    // Act
    const discovery = await source.discover(discoverCtx);

    // Assess: same result as unthrottled, more requests than the source asked for.
    expect(discovery.problems).toEqual([]);
    expect(discovery.credentials.filter((c) => c.principal === "dana.smith")).toHaveLength(6);
    const received = Object.entries(sb.calls())
      .filter(([k]) => k.startsWith("iam:"))
      .reduce((a, [, n]) => a + n, 0);
    expect(received).toBeGreaterThan(discovery.stats["calls.total"]!);
  });

  it("turns a failure on one user into a problem and keeps what the report says", async () => {
    // Prepare: every ListSSHPublicKeys fails (5xx), past the SDK's retries.
    sb.faults.set("iam:ListSSHPublicKeys", { errorRate: 1 });
    const source = makeSource({ maxAttempts: 2, accountId: ACCOUNT });

    // Act
    const discovery = await source.discover(discoverCtx);

    // Assess
    expect(discovery.problems).toEqual([
      expect.objectContaining({ source: "aws-iam", subject: "dana.smith", errorName: "ServiceUnavailable" }),
    ]);
    const found = byId(discovery.credentials);
    expect(found.get(id("access-key", "dana.smith#1"))).toMatchObject({
      active: true,
      details: { confirmed: false, confirmationFailed: true },
    });
    expect(found.get(id("console-password", "dana.smith"))).toMatchObject({ active: true, mfaEnabled: true });
    expect(found.has(id("access-key", "erin.jones#1"))).toBe(true);
  });

  it("waits for a credential report that takes time to generate, with backoff", async () => {
    // Prepare
    const slow = await startSandbox({ scenario: scenario(), credentialReportDelayMs: 300 });
    const settings = { ...sandboxClientConfig(slow), retryMode: "adaptive" };
    const iam = new IAMClient(settings);
    clients.push(iam);
    const waits: number[] = [];
    const source = new AwsIamSource({
      iam,
      accountId: ACCOUNT,
      config: { ...config.sources["aws-iam"], reportPollMs: 50 },
      ownership: config.ownership,
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });

    try {
      // Act
      const discovery = await source.discover(discoverCtx);

      // Assess
      expect(discovery.problems).toEqual([]);
      expect(discovery.credentials.some((c) => c.id === id("access-key", "erin.jones#1"))).toBe(true);
      expect(slow.calls()["iam:GenerateCredentialReport"]).toBeGreaterThan(1);
      expect(waits.slice(0, 3)).toEqual([50, 100, 200]);
    } finally {
      await slow.close();
    }
  });

  it("falls back to ListUsers and targeted calls when the report never comes", async () => {
    // Prepare
    const slow = await startSandbox({ scenario: scenario(), credentialReportDelayMs: 60_000 });
    const iam = new IAMClient({ ...sandboxClientConfig(slow), retryMode: "adaptive" });
    clients.push(iam);
    const source = new AwsIamSource({
      iam,
      accountId: ACCOUNT,
      config: { ...config.sources["aws-iam"], reportPollMs: 10 },
      ownership: config.ownership,
      sleep: async () => {},
      reportTimeoutMs: 100,
    });

    try {
      // Act
      const discovery = await source.discover(discoverCtx);

      // Assess
      expect(discovery.problems).toEqual([
        expect.objectContaining({ subject: "credential-report", errorName: "CredentialReportTimeoutError" }),
      ]);
      expect(discovery.credentials.some((c) => c.id === id("access-key", DANA_KEY_1))).toBe(true);
      expect(discovery.credentials.some((c) => c.principal === "erin.jones")).toBe(false);
    } finally {
      await slow.close();
    }
  });
});
