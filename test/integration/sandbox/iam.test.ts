import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  EnableMFADeviceCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListMFADevicesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListUsers,
  TagUserCommand,
  UpdateAccessKeyCommand,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox, Scenario } from "../../../sandbox/index.ts";
import { InvalidScenarioError, startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const NOW = new Date("2025-06-01T12:00:00Z");

const DENY_ALL_ARN = "arn:aws:iam::aws:policy/AWSDenyAll";
const VIEW_ONLY_ARN = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
/** Eleven AWS managed policies the sandbox knows: one more than a user may have attached. */
const ELEVEN_MANAGED_POLICY_ARNS = [
  DENY_ALL_ARN,
  "arn:aws:iam::aws:policy/AdministratorAccess",
  "arn:aws:iam::aws:policy/ReadOnlyAccess",
  "arn:aws:iam::aws:policy/PowerUserAccess",
  "arn:aws:iam::aws:policy/SecurityAudit",
  "arn:aws:iam::aws:policy/IAMFullAccess",
  "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
  "arn:aws:iam::aws:policy/IAMUserChangePassword",
  "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
  "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
  VIEW_ONLY_ARN,
];

/**
 * A policy document of exactly `size` characters once whitespace is left out, as IAM counts
 * them against its inline policy quota; `indent` pretty-prints it (adding only whitespace).
 */
function policyOfSize(size: number, indent?: number): string {
  const build = (sid: string) => ({
    Version: "2012-10-17",
    Statement: [{ Sid: sid, Effect: "Deny", Action: "*", Resource: "*" }],
  });
  const padding = size - JSON.stringify(build("")).length;
  if (padding < 1) throw new RangeError(`a policy needs more than ${size} characters`);
  return JSON.stringify(build("P".repeat(padding)), null, indent);
}

function scenario(extraUsers = 0): Scenario {
  return {
    now: NOW,
    iam: {
      users: [
        {
          userName: "alice",
          path: "/staff/",
          tags: { email: "alice@example.com", team: "platform" },
          createdAt: "2024-01-01T00:00:00Z",
          password: { createdAt: "2024-01-02T00:00:00Z", lastUsedAt: "2025-05-30T08:00:00Z" },
          mfa: true,
          accessKeys: [
            { id: "AKIAALICE00000000001", createdAt: "2024-01-03T00:00:00Z" },
            {
              id: "AKIAALICE00000000002",
              status: "Inactive",
              lastUsedAt: "2025-05-01T00:00:00Z",
              lastUsedService: "s3",
              lastUsedRegion: "eu-west-1",
            },
          ],
          sshKeys: [{ id: "APKAALICESSH00000001" }],
          serviceSpecificCredentials: [
            { serviceName: "codecommit.amazonaws.com", id: "ACCAALICE0000000001" },
          ],
          signingCertificates: [{ id: "CERTALICE0000000000000000000001" }],
          inlinePolicies: { "read-all": { Version: "2012-10-17", Statement: [] } },
        },
        { userName: "bob", path: "/contractors/" },
        ...Array.from({ length: extraUsers }, (_, i) => ({ userName: `user-${String(i).padStart(4, "0")}` })),
      ],
      roles: [
        { roleName: "deployer", path: "/ci/", tags: { owner: "alice@example.com" } },
        { roleName: "auditor", inlinePolicies: { audit: '{"Version":"2012-10-17","Statement":[]}' } },
      ],
    },
  };
}

describe("sandbox IAM and STS over the real SDK", () => {
  let sb: Sandbox;
  let iam: IAMClient;

  beforeAll(async () => {
    sb = await startSandbox();
    iam = new IAMClient(sandboxClientConfig(sb));
  });
  afterAll(async () => {
    iam.destroy();
    await sb.close();
  });
  beforeEach(() => {
    sb.seed(scenario(150));
    sb.faults.clear();
  });

  it("lists users with MaxItems/Marker paging and the SDK paginator", async () => {
    // Act
    const first = await iam.send(new ListUsersCommand({}));
    const second = await iam.send(new ListUsersCommand({ Marker: first.Marker, MaxItems: 10 }));
    const all: string[] = [];
    for await (const page of paginateListUsers({ client: iam, pageSize: 40 }, {})) {
      for (const u of page.Users ?? []) all.push(u.UserName!);
    }
    // Assess
    expect(first.Users).toHaveLength(100);
    expect(first.IsTruncated).toBe(true);
    expect(second.Users).toHaveLength(10);
    expect(second.Users?.[0]?.UserName).toBe("user-0098");
    expect(all).toHaveLength(152);
    expect(new Set(all).size).toBe(152);
    expect(first.Users?.[0]).toMatchObject({
      UserName: "alice",
      Path: "/staff/",
      Arn: "arn:aws:iam::123456789012:user/staff/alice",
      CreateDate: new Date("2024-01-01T00:00:00Z"),
      PasswordLastUsed: new Date("2025-05-30T08:00:00Z"),
    });
    expect(first.Users?.[0]?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it("filters users by PathPrefix", async () => {
    const out = await iam.send(new ListUsersCommand({ PathPrefix: "/contractors/" }));
    expect(out.Users?.map((u) => u.UserName)).toEqual(["bob"]);
    expect(out.IsTruncated).toBe(false);
  });

  it("gets, creates and tags users", async () => {
    // Act
    const alice = await iam.send(new GetUserCommand({ UserName: "alice" }));
    const created = await iam.send(
      new CreateUserCommand({
        UserName: "carol",
        Path: "/staff/",
        Tags: [{ Key: "email", Value: "c@x.io" }],
      }),
    );
    await iam.send(
      new TagUserCommand({ UserName: "carol", Tags: [{ Key: "team", Value: "sec & ops <1>" }] }),
    );
    const tags = await iam.send(new ListUserTagsCommand({ UserName: "carol" }));
    const duplicate = await iam.send(new CreateUserCommand({ UserName: "carol" })).catch((e: Error) => e);
    // Assess
    expect(alice.User?.Tags).toEqual([
      { Key: "email", Value: "alice@example.com" },
      { Key: "team", Value: "platform" },
    ]);
    expect(created.User?.CreateDate).toEqual(NOW);
    expect(tags.Tags).toEqual([
      { Key: "email", Value: "c@x.io" },
      { Key: "team", Value: "sec & ops <1>" },
    ]);
    expect(duplicate).toMatchObject({
      name: "EntityAlreadyExistsException",
      $metadata: { httpStatusCode: 409 },
    });
  });

  it("answers NoSuchEntity as NoSuchEntityException with status 404", async () => {
    const err = await iam.send(new GetUserCommand({ UserName: "nobody" })).catch((e: Error) => e);
    expect(err).toMatchObject({
      name: "NoSuchEntityException",
      message: "The user with name nobody cannot be found.",
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("creates, lists, updates and deletes access keys, with AWS's two-key quota", async () => {
    // Prepare
    await iam.send(new CreateUserCommand({ UserName: "dave" }));
    // Act
    const k1 = await iam.send(new CreateAccessKeyCommand({ UserName: "dave" }));
    await iam.send(new CreateAccessKeyCommand({ UserName: "dave" }));
    const third = await iam.send(new CreateAccessKeyCommand({ UserName: "dave" })).catch((e: Error) => e);
    await iam.send(
      new UpdateAccessKeyCommand({
        UserName: "dave",
        AccessKeyId: k1.AccessKey!.AccessKeyId!,
        Status: "Inactive",
      }),
    );
    const listed: { id: string; status: string }[] = [];
    for await (const page of paginateListAccessKeys({ client: iam, pageSize: 1 }, { UserName: "dave" })) {
      for (const k of page.AccessKeyMetadata ?? []) listed.push({ id: k.AccessKeyId!, status: k.Status! });
    }
    await iam.send(new DeleteAccessKeyCommand({ UserName: "dave", AccessKeyId: k1.AccessKey!.AccessKeyId! }));
    const after = await iam.send(new ListAccessKeysCommand({ UserName: "dave" }));
    // Assess
    expect(k1.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(k1.AccessKey?.SecretAccessKey).toHaveLength(40);
    expect(third).toMatchObject({ name: "LimitExceededException", $metadata: { httpStatusCode: 409 } });
    expect(listed).toHaveLength(2);
    expect(listed[0]).toEqual({ id: k1.AccessKey!.AccessKeyId!, status: "Inactive" });
    expect(after.AccessKeyMetadata).toHaveLength(1);
  });

  it("reports last use as AWS does: N/A and no date when never used", async () => {
    const never = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAALICE00000000001" }));
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAALICE00000000002" }));
    expect(never).toMatchObject({
      UserName: "alice",
      AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" },
    });
    expect(never.AccessKeyLastUsed?.LastUsedDate).toBeUndefined();
    expect(used.AccessKeyLastUsed).toEqual({
      LastUsedDate: new Date("2025-05-01T00:00:00Z"),
      ServiceName: "s3",
      Region: "eu-west-1",
    });
  });

  it("records use of a sandbox key: last used, service, region, and refuses inactive keys", async () => {
    // Prepare
    const asAlice = new STSClient(
      sandboxClientConfig(sb, { accessKeyId: "AKIAALICE00000000001", region: "eu-central-1" }),
    );
    const asAliceOld = new STSClient(sandboxClientConfig(sb, { accessKeyId: "AKIAALICE00000000002" }));
    sb.clock.set(new Date("2025-06-02T09:30:00Z"));
    // Act
    const identity = await asAlice.send(new GetCallerIdentityCommand({}));
    const refused = await asAliceOld.send(new GetCallerIdentityCommand({})).catch((e: Error) => e);
    const lastUsed = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAALICE00000000001" }));
    // Assess
    expect(identity).toMatchObject({
      Arn: "arn:aws:iam::123456789012:user/staff/alice",
      Account: "123456789012",
    });
    expect(refused).toMatchObject({ name: "InvalidClientTokenId", $metadata: { httpStatusCode: 403 } });
    expect(lastUsed.AccessKeyLastUsed).toEqual({
      LastUsedDate: new Date("2025-06-02T09:30:00Z"),
      ServiceName: "sts",
      Region: "eu-central-1",
    });
    asAlice.destroy();
    asAliceOld.destroy();
  });

  it("identifies the default key as the sandbox admin and assumes roles", async () => {
    // Prepare
    const sts = new STSClient(sandboxClientConfig(sb));
    // Act
    const admin = await sts.send(new GetCallerIdentityCommand({}));
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: "arn:aws:iam::123456789012:role/ci/deployer",
        RoleSessionName: "deploy-1",
      }),
    );
    const asRole = new STSClient({
      ...sandboxClientConfig(sb),
      credentials: {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      },
    });
    const roleIdentity = await asRole.send(new GetCallerIdentityCommand({}));
    const denied = await sts
      .send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/nope", RoleSessionName: "x" }))
      .catch((e: Error) => e);
    // Assess
    expect(admin.Arn).toBe("arn:aws:iam::123456789012:user/sandbox-admin");
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(assumed.Credentials?.Expiration).toEqual(new Date(NOW.getTime() + 3600_000));
    expect(assumed.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/deployer/deploy-1");
    expect(roleIdentity.Arn).toBe("arn:aws:sts::123456789012:assumed-role/deployer/deploy-1");
    expect(denied).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    sts.destroy();
    asRole.destroy();
  });

  it("manages login profiles", async () => {
    // Act
    const got = await iam.send(new GetLoginProfileCommand({ UserName: "alice" }));
    const missing = await iam.send(new GetLoginProfileCommand({ UserName: "bob" })).catch((e: Error) => e);
    const created = await iam.send(
      new CreateLoginProfileCommand({ UserName: "bob", Password: "S3cret!pass" }),
    );
    await iam.send(new DeleteLoginProfileCommand({ UserName: "alice" }));
    const deleted = await iam.send(new GetLoginProfileCommand({ UserName: "alice" })).catch((e: Error) => e);
    // Assess
    expect(got.LoginProfile).toMatchObject({
      UserName: "alice",
      CreateDate: new Date("2024-01-02T00:00:00Z"),
    });
    expect(missing).toMatchObject({ name: "NoSuchEntityException" });
    expect(created.LoginProfile).toMatchObject({ UserName: "bob", PasswordResetRequired: false });
    expect(deleted).toMatchObject({ name: "NoSuchEntityException" });
  });

  it("lists MFA devices and enables new ones", async () => {
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: "bob",
        SerialNumber: "arn:aws:iam::123456789012:mfa/bob",
        AuthenticationCode1: "123456",
        AuthenticationCode2: "654321",
      }),
    );
    const alice = await iam.send(new ListMFADevicesCommand({ UserName: "alice" }));
    const bob = await iam.send(new ListMFADevicesCommand({ UserName: "bob" }));
    expect(alice.MFADevices?.[0]?.SerialNumber).toBe("arn:aws:iam::123456789012:mfa/alice");
    expect(bob.MFADevices).toHaveLength(1);
  });

  it("lists and deactivates SSH keys, service-specific credentials and signing certificates", async () => {
    // Act
    await iam.send(
      new UpdateSSHPublicKeyCommand({
        UserName: "alice",
        SSHPublicKeyId: "APKAALICESSH00000001",
        Status: "Inactive",
      }),
    );
    await iam.send(
      new UpdateServiceSpecificCredentialCommand({
        UserName: "alice",
        ServiceSpecificCredentialId: "ACCAALICE0000000001",
        Status: "Inactive",
      }),
    );
    await iam.send(
      new UpdateSigningCertificateCommand({
        UserName: "alice",
        CertificateId: "CERTALICE0000000000000000000001",
        Status: "Inactive",
      }),
    );
    const uploaded = await iam.send(
      new UploadSSHPublicKeyCommand({ UserName: "bob", SSHPublicKeyBody: "ssh-ed25519 AAAAC3Nza bob" }),
    );
    const ssc = await iam.send(
      new CreateServiceSpecificCredentialCommand({ UserName: "bob", ServiceName: "cassandra.amazonaws.com" }),
    );
    const cert = await iam.send(
      new UploadSigningCertificateCommand({
        UserName: "bob",
        CertificateBody: "-----BEGIN CERTIFICATE-----",
      }),
    );
    const ssh = await iam.send(new ListSSHPublicKeysCommand({ UserName: "alice" }));
    const creds = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: "alice" }));
    const certs = await iam.send(new ListSigningCertificatesCommand({ UserName: "alice" }));
    const bobSsh = await iam.send(new ListSSHPublicKeysCommand({ UserName: "bob" }));
    const bobCreds = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: "bob" }));
    const bobCerts = await iam.send(new ListSigningCertificatesCommand({ UserName: "bob" }));
    const wrongId = await iam
      .send(
        new UpdateSSHPublicKeyCommand({ UserName: "alice", SSHPublicKeyId: "APKANOPE", Status: "Inactive" }),
      )
      .catch((e: Error) => e);
    // Assess
    expect(ssh.SSHPublicKeys).toEqual([
      expect.objectContaining({ SSHPublicKeyId: "APKAALICESSH00000001", Status: "Inactive" }),
    ]);
    expect(creds.ServiceSpecificCredentials).toEqual([
      expect.objectContaining({
        ServiceSpecificCredentialId: "ACCAALICE0000000001",
        ServiceName: "codecommit.amazonaws.com",
        Status: "Inactive",
      }),
    ]);
    expect(certs.Certificates).toEqual([
      expect.objectContaining({ CertificateId: "CERTALICE0000000000000000000001", Status: "Inactive" }),
    ]);
    expect(bobSsh.SSHPublicKeys?.[0]?.SSHPublicKeyId).toBe(uploaded.SSHPublicKey?.SSHPublicKeyId);
    expect(bobCreds.ServiceSpecificCredentials?.[0]?.ServiceSpecificCredentialId).toBe(
      ssc.ServiceSpecificCredential?.ServiceSpecificCredentialId,
    );
    expect(bobCerts.Certificates?.[0]?.CertificateId).toBe(cert.Certificate?.CertificateId);
    expect(wrongId).toMatchObject({ name: "NoSuchEntityException" });
  });

  it("stores user inline policies and returns documents URL-encoded, as AWS does", async () => {
    // Prepare
    const doc = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }],
    });
    // Act
    await iam.send(
      new PutUserPolicyCommand({ UserName: "bob", PolicyName: "deny-all", PolicyDocument: doc }),
    );
    const got = await iam.send(new GetUserPolicyCommand({ UserName: "bob", PolicyName: "deny-all" }));
    const listed = await iam.send(new ListUserPoliciesCommand({ UserName: "alice" }));
    await iam.send(new DeleteUserPolicyCommand({ UserName: "bob", PolicyName: "deny-all" }));
    const gone = await iam
      .send(new GetUserPolicyCommand({ UserName: "bob", PolicyName: "deny-all" }))
      .catch((e: Error) => e);
    // Assess
    expect(got.PolicyDocument).toBe(encodeURIComponent(doc));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(doc);
    expect(listed.PolicyNames).toEqual(["read-all"]);
    expect(gone).toMatchObject({ name: "NoSuchEntityException" });
  });

  it("lists and gets roles with tags and inline policies", async () => {
    // Act
    const roles = await iam.send(new ListRolesCommand({}));
    const ci = await iam.send(new ListRolesCommand({ PathPrefix: "/ci/" }));
    const role = await iam.send(new GetRoleCommand({ RoleName: "deployer" }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "deployer", PolicyName: "p", PolicyDocument: "{}" }));
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: "deployer", PolicyName: "p" }));
    const auditor = await iam.send(new ListRolePoliciesCommand({ RoleName: "auditor" }));
    const missing = await iam.send(new GetRoleCommand({ RoleName: "nope" })).catch((e: Error) => e);
    // Assess
    expect(roles.Roles?.map((r) => r.RoleName)).toEqual(["deployer", "auditor"]);
    expect(ci.Roles?.map((r) => r.RoleName)).toEqual(["deployer"]);
    expect(role.Role).toMatchObject({
      RoleName: "deployer",
      Arn: "arn:aws:iam::123456789012:role/ci/deployer",
      Tags: [{ Key: "owner", Value: "alice@example.com" }],
    });
    expect(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!))).toMatchObject({
      Version: "2012-10-17",
    });
    expect(policy).toMatchObject({ RoleName: "deployer", PolicyName: "p", PolicyDocument: "%7B%7D" });
    expect(auditor.PolicyNames).toEqual(["audit"]);
    expect(missing).toMatchObject({ name: "NoSuchEntityException" });
  });

  it("refuses an inline policy that takes a user over 2,048 characters, changing nothing", async () => {
    // Prepare: seeding does not enforce the quota, so jane.doe starts exactly at it.
    const atLimit = policyOfSize(2_048);
    sb.seed({ now: NOW, iam: { users: [{ userName: "jane.doe", inlinePolicies: { existing: atLimit } }] } });
    // Act
    const added = await iam
      .send(
        new PutUserPolicyCommand({
          UserName: "jane.doe",
          PolicyName: "extra",
          PolicyDocument: policyOfSize(100),
        }),
      )
      .catch((e: Error) => e);
    const grown = await iam
      .send(
        new PutUserPolicyCommand({
          UserName: "jane.doe",
          PolicyName: "existing",
          PolicyDocument: policyOfSize(2_049),
        }),
      )
      .catch((e: Error) => e);
    const existing = await iam.send(
      new GetUserPolicyCommand({ UserName: "jane.doe", PolicyName: "existing" }),
    );
    const extra = await iam
      .send(new GetUserPolicyCommand({ UserName: "jane.doe", PolicyName: "extra" }))
      .catch((e: Error) => e);
    const names = await iam.send(new ListUserPoliciesCommand({ UserName: "jane.doe" }));
    // Assess
    for (const refused of [added, grown]) {
      expect(refused).toMatchObject({
        name: "LimitExceededException",
        message: "Maximum policy size of 2048 bytes exceeded for user jane.doe",
        $metadata: { httpStatusCode: 409 },
      });
    }
    expect(decodeURIComponent(existing.PolicyDocument!)).toBe(atLimit);
    expect(extra).toMatchObject({ name: "NoSuchEntityException" });
    expect(names.PolicyNames).toEqual(["existing"]);
  });

  it("counts a replaced inline policy's new document only, and no whitespace", async () => {
    // Prepare: two policies that together fill the user's 2,048 characters.
    sb.seed({
      now: NOW,
      iam: {
        users: [{ userName: "jane.doe", inlinePolicies: { a: policyOfSize(1_000), b: policyOfSize(1_048) } }],
      },
    });
    const pretty = policyOfSize(1_048, 8);
    // Act
    await iam.send(
      new PutUserPolicyCommand({
        UserName: "jane.doe",
        PolicyName: "a",
        PolicyDocument: policyOfSize(1_000),
      }),
    );
    await iam.send(
      new PutUserPolicyCommand({ UserName: "jane.doe", PolicyName: "b", PolicyDocument: pretty }),
    );
    const onePastQuota = await iam
      .send(
        new PutUserPolicyCommand({
          UserName: "jane.doe",
          PolicyName: "a",
          PolicyDocument: policyOfSize(1_001),
        }),
      )
      .catch((e: Error) => e);
    const b = await iam.send(new GetUserPolicyCommand({ UserName: "jane.doe", PolicyName: "b" }));
    // Assess
    expect(pretty.length).toBeGreaterThan(1_200);
    expect(decodeURIComponent(b.PolicyDocument!)).toBe(pretty);
    expect(onePastQuota).toMatchObject({
      name: "LimitExceededException",
      $metadata: { httpStatusCode: 409 },
    });
    expect(sb.iam.users.get("jane.doe")!.inlinePolicies.get("a")).toBe(policyOfSize(1_000));
  });

  it("allows a role 10,240 characters of inline policies", async () => {
    // Act
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "deployer",
        PolicyName: "big",
        PolicyDocument: policyOfSize(10_000),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "deployer",
        PolicyName: "small",
        PolicyDocument: policyOfSize(240),
      }),
    );
    const refused = await iam
      .send(
        new PutRolePolicyCommand({
          RoleName: "deployer",
          PolicyName: "more",
          PolicyDocument: policyOfSize(100),
        }),
      )
      .catch((e: Error) => e);
    const names = await iam.send(new ListRolePoliciesCommand({ RoleName: "deployer" }));
    // Assess
    expect(refused).toMatchObject({
      name: "LimitExceededException",
      message: "Maximum policy size of 10240 bytes exceeded for role deployer",
      $metadata: { httpStatusCode: 409 },
    });
    expect(names.PolicyNames).toEqual(["big", "small"]);
  });

  it("attaches, lists and detaches AWS managed policies", async () => {
    // Act
    await iam.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: DENY_ALL_ARN }));
    await iam.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: VIEW_ONLY_ARN }));
    const listed = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "bob" }));
    const jobFunctions = await iam.send(
      new ListAttachedUserPoliciesCommand({ UserName: "bob", PathPrefix: "/job-function/" }),
    );
    const paged: string[] = [];
    for await (const page of paginateListAttachedUserPolicies(
      { client: iam, pageSize: 1 },
      { UserName: "bob" },
    )) {
      for (const a of page.AttachedPolicies ?? []) paged.push(a.PolicyName!);
    }
    await iam.send(new DetachUserPolicyCommand({ UserName: "bob", PolicyArn: DENY_ALL_ARN }));
    const afterDetach = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "bob" }));
    const detachedAgain = await iam
      .send(new DetachUserPolicyCommand({ UserName: "bob", PolicyArn: DENY_ALL_ARN }))
      .catch((e: Error) => e);
    const none = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "alice" }));
    // Assess
    expect(listed).toMatchObject({
      AttachedPolicies: [
        { PolicyName: "AWSDenyAll", PolicyArn: DENY_ALL_ARN },
        { PolicyName: "ViewOnlyAccess", PolicyArn: VIEW_ONLY_ARN },
      ],
      IsTruncated: false,
    });
    expect(jobFunctions.AttachedPolicies).toEqual([
      { PolicyName: "ViewOnlyAccess", PolicyArn: VIEW_ONLY_ARN },
    ]);
    expect(paged).toEqual(["AWSDenyAll", "ViewOnlyAccess"]);
    expect(afterDetach.AttachedPolicies).toEqual([
      { PolicyName: "ViewOnlyAccess", PolicyArn: VIEW_ONLY_ARN },
    ]);
    expect(detachedAgain).toMatchObject({
      name: "NoSuchEntityException",
      message: `Policy ${DENY_ALL_ARN} was not found.`,
      $metadata: { httpStatusCode: 404 },
    });
    expect(none.AttachedPolicies ?? []).toEqual([]);
  });

  it("attaches an already attached policy as a no-op, counting both calls", async () => {
    // Prepare
    sb.resetCalls();
    // Act
    await iam.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: DENY_ALL_ARN }));
    await iam.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: DENY_ALL_ARN }));
    const listed = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "bob" }));
    // Assess
    expect(listed.AttachedPolicies).toEqual([{ PolicyName: "AWSDenyAll", PolicyArn: DENY_ALL_ARN }]);
    expect(sb.calls()).toMatchObject({ "iam:AttachUserPolicy": 2, "iam:ListAttachedUserPolicies": 1 });
  });

  it("refuses unknown policies, malformed ARNs and unknown users as IAM does", async () => {
    // Prepare
    const attach = (UserName: string, PolicyArn: string) =>
      iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn })).catch((e: Error) => e);
    // Act
    const unknownAws = await attach("bob", "arn:aws:iam::aws:policy/NoSuchPolicy");
    const unknownLocal = await attach("bob", "arn:aws:iam::123456789012:policy/team/ReadEverything");
    const malformed = await attach("bob", "AWSDenyAll");
    const noUser = await attach("nobody", DENY_ALL_ARN);
    // Assess
    expect(unknownAws).toMatchObject({
      name: "NoSuchEntityException",
      message: "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.",
      $metadata: { httpStatusCode: 404 },
    });
    expect(unknownLocal).toMatchObject({ name: "NoSuchEntityException", $metadata: { httpStatusCode: 404 } });
    expect(malformed).toMatchObject({
      name: "InvalidInputException",
      message: "ARN AWSDenyAll is not valid.",
      $metadata: { httpStatusCode: 400 },
    });
    expect(noUser).toMatchObject({
      name: "NoSuchEntityException",
      message: "The user with name nobody cannot be found.",
    });
    expect(sb.iam.users.get("bob")!.attachedPolicies.size).toBe(0);
  });

  it("refuses an 11th attached managed policy with LimitExceeded", async () => {
    // Prepare
    const [eleventh, ...ten] = ELEVEN_MANAGED_POLICY_ARNS.toReversed();
    for (const arn of ten) await iam.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: arn }));
    // Act
    const refused = await iam
      .send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: eleventh! }))
      .catch((e: Error) => e);
    await iam.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: ten[0]! }));
    const listed = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "bob" }));
    // Assess
    expect(refused).toMatchObject({
      name: "LimitExceededException",
      message: "Cannot exceed quota for PoliciesPerUser: 10",
      $metadata: { httpStatusCode: 409 },
    });
    expect(listed.AttachedPolicies?.map((a) => a.PolicyArn)).toEqual(ten);
  });

  it("lists attached managed policies in GetAccountAuthorizationDetails", async () => {
    // Prepare
    await iam.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: DENY_ALL_ARN }));
    // Act
    const details = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ["User"], MaxItems: 2 }),
    );
    // Assess
    const byName = new Map(details.UserDetailList?.map((u) => [u.UserName, u]));
    expect(byName.get("bob")?.AttachedManagedPolicies).toEqual([
      { PolicyName: "AWSDenyAll", PolicyArn: DENY_ALL_ARN },
    ]);
    expect(byName.get("alice")?.AttachedManagedPolicies ?? []).toEqual([]);
  });

  it("seeds attached managed policies and refuses ones it does not know", async () => {
    // Prepare
    const withPolicies = (attachedPolicies: string[]): Scenario => ({
      now: NOW,
      iam: { users: [{ userName: "jane.doe", attachedPolicies }] },
    });
    // Act
    sb.seed(withPolicies([DENY_ALL_ARN, "arn:aws:iam::aws:policy/ReadOnlyAccess"]));
    const listed = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "jane.doe" }));
    const unknown = (() => {
      try {
        sb.seed(withPolicies(["arn:aws:iam::aws:policy/NoSuchPolicy"]));
      } catch (err) {
        return err;
      }
    })();
    const tooMany = (() => {
      try {
        sb.seed(withPolicies(ELEVEN_MANAGED_POLICY_ARNS));
      } catch (err) {
        return err;
      }
    })();
    // Assess
    expect(listed.AttachedPolicies).toEqual([
      { PolicyName: "AWSDenyAll", PolicyArn: DENY_ALL_ARN },
      { PolicyName: "ReadOnlyAccess", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
    ]);
    expect(unknown).toBeInstanceOf(Error);
    expect((unknown as Error).message).toMatch(/jane\.doe.*arn:aws:iam::aws:policy\/NoSuchPolicy/);
    expect(tooMany).toBeInstanceOf(InvalidScenarioError);
    expect((tooMany as Error).message).toContain("iam.users.0.attachedPolicies");
  });
});
