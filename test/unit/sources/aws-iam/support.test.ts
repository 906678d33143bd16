import { describe, expect, it } from "vitest";
import type { FindingHistory } from "../../../../lambdas/core/ports/store.ts";
import {
  CallCounter,
  isAwsError,
  mapLimited,
  TokenBucket,
} from "../../../../lambdas/sources/aws-iam/aws-calls.ts";
import { credentialId, parseSlotId, slotId } from "../../../../lambdas/sources/aws-iam/credential-ids.ts";
import {
  awsIamPermissions,
  awsIamPolicyStatements,
  renderAwsIamPolicyStatements,
} from "../../../../lambdas/sources/aws-iam/permissions.ts";
import { quarantinedKeyOf, quarantinedKeysIn } from "../../../../lambdas/sources/aws-iam/revoke.ts";
import { roleNameFromArn } from "../../../../lambdas/sources/aws-iam/session-roles.ts";

describe("TokenBucket", () => {
  it("lets a burst of `rate` requests through, then spaces them 1/rate seconds apart", async () => {
    // Prepare: a clock that only moves when the bucket sleeps.
    let now = 0;
    const sleeps: number[] = [];
    const bucket = new TokenBucket(
      2,
      async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      () => now,
    );

    // Act
    for (let i = 0; i < 6; i++) await bucket.take();

    // Assess: 6 requests at 2/s take 2 seconds after the burst of 2.
    expect(sleeps).toEqual([500, 500, 500, 500]);
    expect(now).toBe(2000);
  });

  it("queues concurrent callers instead of letting them race, even when sleep returns at once", async () => {
    // Prepare
    const sleeps: number[] = [];
    const bucket = new TokenBucket(
      2,
      async (ms) => void sleeps.push(ms),
      () => 0,
    );

    // Act
    await Promise.all([1, 2, 3, 4, 5].map(() => bucket.take()));

    // Assess: each waiter is reserved a later slot.
    expect(sleeps).toEqual([500, 1000, 1500]);
  });
});

describe("mapLimited", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;

    // Act
    const out = await mapLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return n * 10;
    });

    // Assess
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });
});

describe("CallCounter and isAwsError", () => {
  it("counts calls per operation and in total", async () => {
    const calls = new CallCounter();
    await calls.run("iam:ListUsers", async () => 1);
    calls.count("iam:ListUsers", 2);
    await calls.run("iam:GetLoginProfile", async () => 1);
    expect(calls.stats()).toEqual({
      "calls.iam:ListUsers": 3,
      "calls.iam:GetLoginProfile": 1,
      "calls.total": 4,
    });
  });

  it("recognises the SDK's `<Code>Exception` names and wire codes", () => {
    expect(isAwsError({ name: "NoSuchEntityException" }, "NoSuchEntity")).toBe(true);
    expect(isAwsError({ name: "Error", Code: "ReportInProgress" }, "ReportInProgress")).toBe(true);
    expect(isAwsError({ name: "AccessDenied" }, "NoSuchEntity")).toBe(false);
    expect(isAwsError("NoSuchEntity", "NoSuchEntity")).toBe(false);
  });
});

describe("credential ids", () => {
  it("builds and reads slot ids", () => {
    expect(credentialId("123456789012", "access-key", slotId("a.b#c", "access-key", 2))).toBe(
      "aws-iam:123456789012:access-key:a.b#c#2",
    );
    expect(parseSlotId("a.b#c#2")).toEqual({ userName: "a.b#c", slot: 2 });
    expect(parseSlotId(slotId("alice", "signing-certificate", 1))).toEqual({ userName: "alice", slot: 1 });
    expect(parseSlotId("AKIAIOSFODNN7EXAMPLE")).toBeUndefined();
  });

  it("names a role from its ARN, path or not", () => {
    expect(roleNameFromArn("arn:aws:iam::123456789012:role/admin")).toBe("admin");
    expect(roleNameFromArn("arn:aws:iam::123456789012:role/teams/eng/admin")).toBe("admin");
  });

  it("reads a quarantine record back from a done access-key revocation only", () => {
    const at = new Date("2026-06-01T00:00:00Z");
    const detail = "UpdateAccessKey AKIAAAAAAAAAAAAAAAAA Inactive (user alice)";
    expect(quarantinedKeyOf({ type: "revoke", status: "done", detail, at })).toEqual({
      accessKeyId: "AKIAAAAAAAAAAAAAAAAA",
      userName: "alice",
      deactivatedAt: at,
    });
    expect(quarantinedKeyOf({ type: "revoke", status: "failed", detail, at })).toBeUndefined();
    expect(
      quarantinedKeyOf({ type: "revoke", status: "done", detail: "DeleteLoginProfile alice", at }),
    ).toBeUndefined();
  });
});

describe("quarantinedKeysIn", () => {
  const day = (n: number) => new Date(Date.UTC(2026, 4, n));
  const revoke = (id: string, at: Date) => ({
    type: "revoke" as const,
    status: "done" as const,
    detail: `UpdateAccessKey ${id} Inactive (user alice)`,
    at,
  });
  const purge = (id: string, status: "done" | "skipped" | "failed", at: Date) => ({
    type: "revoke" as const,
    status,
    detail: `DeleteAccessKey ${id} (user alice): whatever`,
    at,
  });
  const finding = (findingId: string, credentialId: string, actions: FindingHistory["actions"]) =>
    ({
      findingId,
      ruleId: "departed-owner-active-credential",
      credentialId,
      severity: "high",
      status: "revoked",
      firstSeen: day(1),
      lastSeen: day(1),
      changes: [],
      actions,
    }) satisfies FindingHistory;

  it("replays each finding's actions: settled keys drop out, failed purges and re-revocations stay", () => {
    // Prepare
    const history = [
      finding("f1", "aws-iam:111:access-key:AKIA1", [revoke("AKIA1", day(1))]),
      finding("f2", "aws-iam:111:access-key:AKIA1", [revoke("AKIA1", day(2))]),
      finding("f3", "aws-iam:111:access-key:AKIA2", [
        revoke("AKIA2", day(1)),
        purge("AKIA2", "done", day(9)),
      ]),
      finding("f4", "aws-iam:111:access-key:AKIA3", [
        revoke("AKIA3", day(1)),
        purge("AKIA3", "failed", day(9)),
      ]),
      finding("f5", "aws-iam:111:access-key:AKIA4", [
        revoke("AKIA4", day(1)),
        purge("AKIA4", "skipped", day(9)),
        revoke("AKIA4", day(10)),
      ]),
      // Another account's key, in a store shared by an org-wide scan.
      finding("f6", "aws-iam:222:access-key:AKIA5", [revoke("AKIA5", day(1))]),
    ];

    // Act
    const open = quarantinedKeysIn(history, "111");

    // Assess
    expect(open.map((o) => [o.key.accessKeyId, o.key.deactivatedAt, o.findingIds])).toEqual([
      ["AKIA1", day(2), ["f1", "f2"]],
      ["AKIA3", day(1), ["f4"]],
      ["AKIA4", day(10), ["f5"]],
    ]);
  });
});

describe("permissions", () => {
  it("declares exactly the read and write actions the source calls", () => {
    expect([...awsIamPermissions.read].sort()).toEqual(
      [
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "iam:GetAccountAuthorizationDetails",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:GetLoginProfile",
        "iam:GetUser",
        "iam:ListSSHPublicKeys",
        "iam:ListServiceSpecificCredentials",
        "iam:ListSigningCertificates",
        "iam:ListMFADevices",
        "iam:GetUserPolicy",
        "iam:ListAttachedUserPolicies",
        "iam:GetRolePolicy",
        "cloudtrail:LookupEvents",
        "sts:GetCallerIdentity",
      ].sort(),
    );
    expect([...awsIamPermissions.write].sort()).toEqual(
      [
        "iam:UpdateAccessKey",
        "iam:DeleteAccessKey",
        "iam:DeleteLoginProfile",
        "iam:UpdateSSHPublicKey",
        "iam:UpdateServiceSpecificCredential",
        "iam:UpdateSigningCertificate",
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
      ].sort(),
    );
  });

  it("grants account-wide actions on * and the rest on user/* or role/* only", () => {
    // Act
    const statements = renderAwsIamPolicyStatements({
      partition: "aws",
      accountId: "123456789012",
      access: "read-write",
    });

    // Assess
    const byAction = new Map(statements.flatMap((s) => s.Action.map((a) => [a, s.Resource] as const)));
    for (const action of [
      "iam:GenerateCredentialReport",
      "iam:GetAccountAuthorizationDetails",
      "cloudtrail:LookupEvents",
    ]) {
      expect(byAction.get(action)).toEqual(["*"]);
    }
    expect(byAction.get("iam:UpdateAccessKey")).toEqual(["arn:aws:iam::123456789012:user/*"]);
    expect(byAction.get("iam:PutRolePolicy")).toEqual(["arn:aws:iam::123456789012:role/*"]);
    expect(new Set(awsIamPolicyStatements.map((s) => s.sid)).size).toBe(awsIamPolicyStatements.length);
  });

  it("renders read-only statements for report mode", () => {
    const statements = renderAwsIamPolicyStatements({ partition: "aws", accountId: "1", access: "read" });
    expect(statements.flatMap((s) => s.Action)).not.toContain("iam:UpdateAccessKey");
  });
});
