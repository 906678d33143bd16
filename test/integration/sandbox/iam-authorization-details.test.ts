/**
 * The sandbox's GetAccountAuthorizationDetails and ListRoleTags, driven by the real SDK (its
 * Query serializer, XML deserializer and paginator), as the aws-iam source uses them.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
 */
import {
  GetAccountAuthorizationDetailsCommand,
  IAMClient,
  ListRoleTagsCommand,
  paginateGetAccountAuthorizationDetails,
  type RoleDetail,
  type UserDetail,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, ScenarioUser } from "../../../sandbox/index.ts";
import { startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const USERS = 1_234;
const DENY_OLD_SESSIONS = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Deny",
      Action: ["*"],
      Resource: ["*"],
      Condition: { DateLessThan: { "aws:TokenIssueTime": "2025-05-01T00:00:00Z" } },
    },
  ],
};

describe("sandbox IAM GetAccountAuthorizationDetails", () => {
  let sb: Sandbox;
  let iam: IAMClient;

  beforeAll(async () => {
    const users: ScenarioUser[] = Array.from({ length: USERS }, (_, i) => ({
      userName: `user${String(i).padStart(4, "0")}`,
      createdAt: "2024-01-01T00:00:00Z",
      ...(i % 100 === 0 ? { tags: { owner: `owner${i}@corp.example` } } : {}),
    }));
    users[0] = {
      userName: "etl-exporter",
      path: "/service/",
      createdAt: "2024-02-03T04:05:06Z",
      tags: { owner: "jane.doe@corp.example", "principal-type": "service" },
      inlinePolicies: { IamHygieneRevokeOlderSessions: DENY_OLD_SESSIONS },
    };
    sb = await startSandbox({
      scenario: {
        now: "2025-06-01T12:00:00Z",
        iam: {
          users,
          roles: [
            {
              roleName: "admin",
              path: "/ops/",
              tags: { "assumable-by": "jane.doe@corp.example" },
              inlinePolicies: { IamHygieneRevokeOlderSessions: DENY_OLD_SESSIONS },
            },
            { roleName: "readonly" },
          ],
        },
      },
    });
    iam = new IAMClient(sandboxClientConfig(sb));
  });
  afterAll(async () => {
    iam.destroy();
    await sb.close();
  });

  it("pages every user with tags and inline policies, 1,000 a page, through the SDK paginator", async () => {
    // Prepare
    sb.resetCalls();
    const users: UserDetail[] = [];
    let roles = 0;

    // Act
    for await (const page of paginateGetAccountAuthorizationDetails(
      { client: iam, pageSize: 1000 },
      { Filter: ["User"] },
    )) {
      users.push(...(page.UserDetailList ?? []));
      roles += page.RoleDetailList?.length ?? 0;
    }

    // Assess
    expect(sb.calls()["iam:GetAccountAuthorizationDetails"]).toBe(2);
    expect(users).toHaveLength(USERS);
    expect(new Set(users.map((u) => u.UserName)).size).toBe(USERS);
    expect(roles).toBe(0);
    const etl = users.find((u) => u.UserName === "etl-exporter");
    expect(etl).toMatchObject({
      Path: "/service/",
      Arn: `arn:aws:iam::${sb.accountId}:user/service/etl-exporter`,
      CreateDate: new Date("2024-02-03T04:05:06Z"),
      Tags: [
        { Key: "owner", Value: "jane.doe@corp.example" },
        { Key: "principal-type", Value: "service" },
      ],
      GroupList: [],
      AttachedManagedPolicies: [],
    });
    expect(etl?.UserId).toMatch(/^AIDA/);
    // Documents come URL-encoded, as from AWS; the SDK does not decode them.
    const [policy] = etl?.UserPolicyList ?? [];
    expect(policy?.PolicyName).toBe("IamHygieneRevokeOlderSessions");
    expect(policy?.PolicyDocument).toBe(encodeURIComponent(JSON.stringify(DENY_OLD_SESSIONS)));
    expect(users.find((u) => u.UserName === "user0100")?.Tags).toEqual([
      { Key: "owner", Value: "owner100@corp.example" },
    ]);
    expect(users.find((u) => u.UserName === "user0001")?.Tags).toBeUndefined();
  });

  it("lists roles with tags, trust and inline policies for Filter Role", async () => {
    // Act
    const out = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Role"] }));

    // Assess
    expect(out.UserDetailList).toEqual([]);
    expect(out.IsTruncated).toBe(false);
    expect(out.Marker).toBeUndefined();
    const admin = out.RoleDetailList?.find((r: RoleDetail) => r.RoleName === "admin");
    expect(admin).toMatchObject({
      Path: "/ops/",
      Arn: `arn:aws:iam::${sb.accountId}:role/ops/admin`,
      Tags: [{ Key: "assumable-by", Value: "jane.doe@corp.example" }],
      InstanceProfileList: [],
      AttachedManagedPolicies: [],
      RolePolicyList: [{ PolicyName: "IamHygieneRevokeOlderSessions" }],
    });
    expect(admin?.RoleId).toMatch(/^AROA/);
    expect(decodeURIComponent(admin?.AssumeRolePolicyDocument ?? "")).toContain("sts:AssumeRole");
    expect(out.RoleDetailList?.map((r) => r.RoleName)).toEqual(["admin", "readonly"]);
  });

  it("defaults to 100 entities of every type, rejects MaxItems above 1000 and unknown types", async () => {
    // Act
    const first = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    const both = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ["User", "Role"], MaxItems: 1000, Marker: "" }),
    );
    const last = await iam.send(
      new GetAccountAuthorizationDetailsCommand({
        Filter: ["User", "Role"],
        MaxItems: 1000,
        Marker: both.Marker,
      }),
    );
    const tooMany = await iam
      .send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 }))
      .catch((e: Error) => e);
    const unknown = await iam
      .send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Robot" as never] }))
      .catch((e: Error) => e);

    // Assess
    expect(first.UserDetailList).toHaveLength(100);
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toBeTruthy();
    expect(both.UserDetailList).toHaveLength(1000);
    expect(last.UserDetailList).toHaveLength(USERS - 1000);
    expect(last.RoleDetailList?.map((r) => r.RoleName)).toEqual(["admin", "readonly"]);
    expect(last.IsTruncated).toBe(false);
    expect(tooMany).toMatchObject({ name: "ValidationError" });
    expect(unknown).toMatchObject({ name: "ValidationError" });
  });

  it("lists a role's tags with ListRoleTags", async () => {
    const tags = await iam.send(new ListRoleTagsCommand({ RoleName: "admin" }));
    const none = await iam.send(new ListRoleTagsCommand({ RoleName: "readonly" }));
    const missing = await iam.send(new ListRoleTagsCommand({ RoleName: "nobody" })).catch((e: Error) => e);
    expect(tags).toMatchObject({ Tags: [{ Key: "assumable-by", Value: "jane.doe@corp.example" }] });
    expect(tags.IsTruncated).toBe(false);
    expect(none.Tags).toEqual([]);
    expect(missing).toMatchObject({ name: "NoSuchEntityException" });
  });
});
