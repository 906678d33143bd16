import type { Caller } from "../caller.ts";
import type { SandboxClock } from "../clock.ts";
import { SandboxServiceError } from "../errors.ts";
import { optional, page, required, structList } from "../protocols/query.ts";
import { buildCredentialReportCsv } from "./credential-report.ts";
import type { CredentialStatus, IamRole, IamState, IamUser, SecondaryCredential } from "./state.ts";
import { AWS_MANAGED_POLICIES } from "./state.ts";

/**
 * IAM's quota on the aggregate size of one identity's inline policies, in characters not
 * counting whitespace (groups, which the sandbox lacks, get 5,120).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const INLINE_POLICY_SIZE_QUOTA = { user: 2_048, role: 10_240 } as const;

/** IAM's default quota of managed policies attached to one user. */
export const MANAGED_POLICIES_PER_USER_QUOTA = 10;

/** AWS keeps a credential report for four hours before `GenerateCredentialReport` rebuilds it. */
export const CREDENTIAL_REPORT_TTL_MS = 4 * 60 * 60 * 1000;

type Params = URLSearchParams;
type Result = Record<string, unknown> | undefined;

function noSuchUser(userName: string): SandboxServiceError {
  return new SandboxServiceError("NoSuchEntity", `The user with name ${userName} cannot be found.`, 404);
}

function status(params: Params): CredentialStatus {
  const value = required(params, "Status");
  if (value !== "Active" && value !== "Inactive") {
    throw new SandboxServiceError(
      "ValidationError",
      `1 validation error detected: Value '${value}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
      400,
    );
  }
  return value;
}

function tagList(tags: Map<string, string>): { Key: string; Value: string }[] {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

function userShape(user: IamUser, withTags: boolean): Record<string, unknown> {
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: user.arn,
    CreateDate: user.createdAt,
    PasswordLastUsed: user.passwordLastUsed,
    Tags: withTags && user.tags.size > 0 ? tagList(user.tags) : undefined,
  };
}

function roleShape(role: IamRole, detailed: boolean): Record<string, unknown> {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createdAt,
    AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicy),
    MaxSessionDuration: 3600,
    Tags: detailed && role.tags.size > 0 ? tagList(role.tags) : undefined,
    RoleLastUsed: detailed
      ? { LastUsedDate: role.lastUsedAt, Region: role.lastUsedAt ? role.lastUsedRegion : undefined }
      : undefined,
  };
}

/** The entity types `GetAccountAuthorizationDetails` can be filtered on, in the order it lists them. */
const AUTHORIZATION_DETAIL_TYPES = [
  "User",
  "Group",
  "Role",
  "LocalManagedPolicy",
  "AWSManagedPolicy",
] as const;
type AuthorizationDetailType = (typeof AUTHORIZATION_DETAIL_TYPES)[number];

/** Inline policies as `GetAccountAuthorizationDetails` lists them: documents URL-encoded (RFC 3986). */
function policyDetailList(policies: Map<string, string>): Record<string, unknown>[] {
  return [...policies].map(([PolicyName, doc]) => ({ PolicyName, PolicyDocument: encodeURIComponent(doc) }));
}

/** A `UserDetail`: https://docs.aws.amazon.com/IAM/latest/APIReference/API_UserDetail.html */
function userDetail(user: IamUser): Record<string, unknown> {
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: user.arn,
    CreateDate: user.createdAt,
    UserPolicyList: policyDetailList(user.inlinePolicies),
    // The sandbox has no groups: AWS sends this list empty then.
    GroupList: [],
    AttachedManagedPolicies: attachedPolicyList(user),
    Tags: user.tags.size > 0 ? tagList(user.tags) : undefined,
  };
}

/** A `RoleDetail`: https://docs.aws.amazon.com/IAM/latest/APIReference/API_RoleDetail.html */
function roleDetail(role: IamRole): Record<string, unknown> {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createdAt,
    AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicy),
    InstanceProfileList: [],
    RolePolicyList: policyDetailList(role.inlinePolicies),
    // Managed policies can only be attached to users in the sandbox (no AttachRolePolicy).
    AttachedManagedPolicies: [],
    Tags: role.tags.size > 0 ? tagList(role.tags) : undefined,
    RoleLastUsed: {
      LastUsedDate: role.lastUsedAt,
      Region: role.lastUsedAt ? role.lastUsedRegion : undefined,
    },
  };
}

/** `Filter.member.N` values; every entity type when none is given, as IAM does. */
function authorizationDetailFilter(params: Params): Set<AuthorizationDetailType> {
  const given: string[] = [];
  for (const [key, value] of params) if (/^Filter\.member\.\d+$/.test(key)) given.push(value);
  if (given.length === 0) return new Set(AUTHORIZATION_DETAIL_TYPES);
  const out = new Set<AuthorizationDetailType>();
  for (const value of given) {
    const type = AUTHORIZATION_DETAIL_TYPES.find((t) => t === value);
    if (!type) {
      throw new SandboxServiceError(
        "ValidationError",
        `1 validation error detected: Value '[${given.join(", ")}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${AUTHORIZATION_DETAIL_TYPES.join(", ")}]]`,
        400,
      );
    }
    out.add(type);
  }
  return out;
}

/**
 * The IAM Query API over an `IamState`. Each handler takes the form parameters and returns
 * the `<ActionResult>` content, or throws a `SandboxServiceError` with IAM's error code.
 */
export class IamService {
  constructor(
    readonly state: IamState,
    private readonly clock: SandboxClock,
    /** How long (wall-clock ms) a credential report takes to generate. */
    public credentialReportDelayMs = 0,
  ) {}

  /** Runs one IAM action. */
  handle(action: string, params: Params, caller: Caller): Result {
    const handler = this.#handlers[action];
    if (!handler) {
      throw new SandboxServiceError(
        "InvalidAction",
        `The action ${action} is not valid for this endpoint.`,
        400,
      );
    }
    return handler(params, caller);
  }

  /** The actions this sandbox serves. */
  get actions(): string[] {
    return Object.keys(this.#handlers);
  }

  #user(name: string): IamUser {
    const user = this.state.users.get(name);
    if (!user) throw noSuchUser(name);
    return user;
  }

  /** The named user, or the caller's own user when the name is omitted (as IAM does). */
  #userOrCaller(params: Params, caller: Caller): IamUser {
    const name = optional(params, "UserName") ?? caller.userName;
    if (name === undefined) {
      throw new SandboxServiceError(
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
        400,
      );
    }
    return this.#user(name);
  }

  #role(name: string): IamRole {
    const role = this.state.roles.get(name);
    if (!role)
      throw new SandboxServiceError("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
    return role;
  }

  #secondary(list: SecondaryCredential[], id: string, what: string): SecondaryCredential {
    const found = list.find((c) => c.id === id);
    if (!found)
      throw new SandboxServiceError("NoSuchEntity", `The ${what} with id ${id} cannot be found.`, 404);
    return found;
  }

  readonly #handlers: Record<string, (params: Params, caller: Caller) => Result> = {
    ListUsers: (p) => {
      const prefix = optional(p, "PathPrefix") ?? "/";
      const all = [...this.state.users.values()];
      const users = prefix === "/" ? all : all.filter((u) => u.path.startsWith(prefix));
      const { items, ...rest } = page(users, p);
      return { Users: items.map((u) => userShape(u, false)), ...rest };
    },
    GetUser: (p, caller) => ({ User: userShape(this.#userOrCaller(p, caller), true) }),
    CreateUser: (p) => {
      const userName = required(p, "UserName");
      if (this.state.users.has(userName)) {
        throw new SandboxServiceError(
          "EntityAlreadyExists",
          `User with name ${userName} already exists.`,
          409,
        );
      }
      const tags = structList(p, "Tags").map((t): [string, string] => [t.Key ?? "", t.Value ?? ""]);
      const user = this.state.createUser(userName, optional(p, "Path") ?? "/", this.clock.now(), tags);
      return { User: userShape(user, true) };
    },
    TagUser: (p) => {
      const user = this.#user(required(p, "UserName"));
      for (const t of structList(p, "Tags")) user.tags.set(t.Key ?? "", t.Value ?? "");
      return undefined;
    },
    ListUserTags: (p) => {
      const user = this.#user(required(p, "UserName"));
      const { items, ...rest } = page(tagList(user.tags), p);
      return { Tags: items, ...rest };
    },
    CreateAccessKey: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      if (user.accessKeys.length >= 2) {
        throw new SandboxServiceError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409);
      }
      const key = this.state.addAccessKey(user, {}, this.clock.now());
      return {
        AccessKey: {
          UserName: user.userName,
          AccessKeyId: key.accessKeyId,
          Status: key.status,
          SecretAccessKey: key.secretAccessKey,
          CreateDate: key.createdAt,
        },
      };
    },
    ListAccessKeys: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const { items, ...rest } = page(user.accessKeys, p);
      return {
        AccessKeyMetadata: items.map((k) => ({
          UserName: user.userName,
          AccessKeyId: k.accessKeyId,
          Status: k.status,
          CreateDate: k.createdAt,
        })),
        ...rest,
      };
    },
    GetAccessKeyLastUsed: (p) => {
      const id = required(p, "AccessKeyId");
      const key = this.state.accessKeys.get(id);
      if (!key)
        throw new SandboxServiceError("NoSuchEntity", `The Access Key with id ${id} cannot be found`, 404);
      return {
        UserName: key.userName ?? "root",
        AccessKeyLastUsed: {
          LastUsedDate: key.lastUsedAt,
          ServiceName: key.lastUsedAt ? (key.lastUsedService ?? "N/A") : "N/A",
          Region: key.lastUsedAt ? (key.lastUsedRegion ?? "N/A") : "N/A",
        },
      };
    },
    UpdateAccessKey: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const id = required(p, "AccessKeyId");
      const key = user.accessKeys.find((k) => k.accessKeyId === id);
      if (!key)
        throw new SandboxServiceError("NoSuchEntity", `The Access Key with id ${id} cannot be found`, 404);
      key.status = status(p);
      return undefined;
    },
    DeleteAccessKey: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const id = required(p, "AccessKeyId");
      const index = user.accessKeys.findIndex((k) => k.accessKeyId === id);
      if (index === -1) {
        throw new SandboxServiceError("NoSuchEntity", `The Access Key with id ${id} cannot be found`, 404);
      }
      user.accessKeys.splice(index, 1);
      this.state.accessKeys.delete(id);
      this.state.deletedAccessKeyIds.add(id);
      return undefined;
    },
    CreateLoginProfile: (p) => {
      const user = this.#user(required(p, "UserName"));
      required(p, "Password");
      if (user.loginProfile) {
        throw new SandboxServiceError(
          "EntityAlreadyExists",
          `Login Profile for user ${user.userName} already exists.`,
          409,
        );
      }
      user.loginProfile = {
        createdAt: this.clock.now(),
        passwordResetRequired: optional(p, "PasswordResetRequired") === "true",
      };
      return { LoginProfile: this.#loginProfileShape(user) };
    },
    GetLoginProfile: (p, caller) => ({
      LoginProfile: this.#loginProfileShape(this.#userOrCaller(p, caller)),
    }),
    DeleteLoginProfile: (p) => {
      const user = this.#user(required(p, "UserName"));
      this.#loginProfileShape(user);
      user.loginProfile = undefined;
      return undefined;
    },
    ListMFADevices: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const { items, ...rest } = page(user.mfaDevices, p);
      return {
        MFADevices: items.map((d) => ({
          UserName: user.userName,
          SerialNumber: d.serialNumber,
          EnableDate: d.enabledAt,
        })),
        ...rest,
      };
    },
    EnableMFADevice: (p) => {
      const user = this.#user(required(p, "UserName"));
      const serialNumber = required(p, "SerialNumber");
      if (user.mfaDevices.some((d) => d.serialNumber === serialNumber)) {
        throw new SandboxServiceError(
          "EntityAlreadyExists",
          `MFA device ${serialNumber} already enabled.`,
          409,
        );
      }
      user.mfaDevices.push({ serialNumber, enabledAt: this.clock.now() });
      return undefined;
    },
    DeactivateMFADevice: (p) => {
      const user = this.#user(required(p, "UserName"));
      const serialNumber = required(p, "SerialNumber");
      const index = user.mfaDevices.findIndex((d) => d.serialNumber === serialNumber);
      if (index === -1) {
        throw new SandboxServiceError("NoSuchEntity", `MFA device ${serialNumber} cannot be found.`, 404);
      }
      user.mfaDevices.splice(index, 1);
      return undefined;
    },
    ListSSHPublicKeys: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const { items, ...rest } = page(user.sshKeys, p);
      return {
        SSHPublicKeys: items.map((k) => ({
          UserName: user.userName,
          SSHPublicKeyId: k.id,
          Status: k.status,
          UploadDate: k.createdAt,
        })),
        ...rest,
      };
    },
    UploadSSHPublicKey: (p) => {
      const user = this.#user(required(p, "UserName"));
      const key: SecondaryCredential = {
        id: this.state.ids.next("APKA", 16),
        status: "Active",
        createdAt: this.clock.now(),
        body: required(p, "SSHPublicKeyBody"),
      };
      user.sshKeys.push(key);
      return {
        SSHPublicKey: {
          UserName: user.userName,
          SSHPublicKeyId: key.id,
          Fingerprint: this.state.ids.hex(32).replace(/(..)(?!$)/g, "$1:"),
          SSHPublicKeyBody: key.body,
          Status: key.status,
          UploadDate: key.createdAt,
        },
      };
    },
    UpdateSSHPublicKey: (p) => {
      const user = this.#user(required(p, "UserName"));
      this.#secondary(user.sshKeys, required(p, "SSHPublicKeyId"), "Public Key").status = status(p);
      return undefined;
    },
    ListServiceSpecificCredentials: (p, caller) => {
      const serviceName = optional(p, "ServiceName");
      const users =
        optional(p, "AllUsers") === "true" ? [...this.state.users.values()] : [this.#userOrCaller(p, caller)];
      const creds = users.flatMap((u) =>
        u.serviceSpecificCredentials
          .filter((c) => serviceName === undefined || c.serviceName === serviceName)
          .map((c) => ({
            UserName: u.userName,
            Status: c.status,
            ServiceUserName: c.serviceUserName,
            CreateDate: c.createdAt,
            ServiceSpecificCredentialId: c.id,
            ServiceName: c.serviceName,
          })),
      );
      const { items, ...rest } = page(creds, p);
      return { ServiceSpecificCredentials: items, ...rest };
    },
    CreateServiceSpecificCredential: (p) => {
      const user = this.#user(required(p, "UserName"));
      const cred: SecondaryCredential = {
        id: this.state.ids.next("ACCA", 17),
        status: "Active",
        createdAt: this.clock.now(),
        body: this.state.ids.secret(44),
        serviceName: required(p, "ServiceName"),
        serviceUserName: `${user.userName}-at-${this.state.accountId}`,
      };
      user.serviceSpecificCredentials.push(cred);
      return {
        ServiceSpecificCredential: {
          CreateDate: cred.createdAt,
          ServiceName: cred.serviceName,
          ServiceUserName: cred.serviceUserName,
          ServicePassword: cred.body,
          ServiceSpecificCredentialId: cred.id,
          UserName: user.userName,
          Status: cred.status,
        },
      };
    },
    UpdateServiceSpecificCredential: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const id = required(p, "ServiceSpecificCredentialId");
      this.#secondary(user.serviceSpecificCredentials, id, "Service Specific Credential").status = status(p);
      return undefined;
    },
    ListSigningCertificates: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const { items, ...rest } = page(user.signingCertificates, p);
      return {
        Certificates: items.map((c) => ({
          UserName: user.userName,
          CertificateId: c.id,
          CertificateBody: c.body,
          Status: c.status,
          UploadDate: c.createdAt,
        })),
        ...rest,
      };
    },
    UploadSigningCertificate: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      const cert: SecondaryCredential = {
        id: this.state.ids.next("", 32),
        status: "Active",
        createdAt: this.clock.now(),
        body: required(p, "CertificateBody"),
      };
      user.signingCertificates.push(cert);
      return {
        Certificate: {
          UserName: user.userName,
          CertificateId: cert.id,
          CertificateBody: cert.body,
          Status: cert.status,
          UploadDate: cert.createdAt,
        },
      };
    },
    UpdateSigningCertificate: (p, caller) => {
      const user = this.#userOrCaller(p, caller);
      this.#secondary(user.signingCertificates, required(p, "CertificateId"), "Signing Certificate").status =
        status(p);
      return undefined;
    },
    PutUserPolicy: (p) => {
      const user = this.#user(required(p, "UserName"));
      return putInlinePolicy(user, "user", user.userName, p);
    },
    GetUserPolicy: (p) => {
      const user = this.#user(required(p, "UserName"));
      return { UserName: user.userName, ...getInlinePolicy(user, "user", p) };
    },
    ListUserPolicies: (p) => listInlinePolicies(this.#user(required(p, "UserName")), p),
    DeleteUserPolicy: (p) => deleteInlinePolicy(this.#user(required(p, "UserName")), "user", p),
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html
    AttachUserPolicy: (p) => {
      const user = this.#user(required(p, "UserName"));
      const arn = policyArn(p);
      const policy = AWS_MANAGED_POLICIES.get(arn);
      if (!policy) {
        throw new SandboxServiceError(
          "NoSuchEntity",
          `Policy ${arn} does not exist or is not attachable.`,
          404,
        );
      }
      // Attaching a policy that is already attached succeeds and changes nothing, as in AWS.
      if (user.attachedPolicies.has(arn)) return undefined;
      if (user.attachedPolicies.size >= MANAGED_POLICIES_PER_USER_QUOTA) {
        throw new SandboxServiceError(
          "LimitExceeded",
          `Cannot exceed quota for PoliciesPerUser: ${MANAGED_POLICIES_PER_USER_QUOTA}`,
          409,
        );
      }
      user.attachedPolicies.set(arn, policy.policyName);
      return undefined;
    },
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DetachUserPolicy.html
    DetachUserPolicy: (p) => {
      const user = this.#user(required(p, "UserName"));
      const arn = policyArn(p);
      if (!user.attachedPolicies.delete(arn)) {
        throw new SandboxServiceError("NoSuchEntity", `Policy ${arn} was not found.`, 404);
      }
      return undefined;
    },
    // PathPrefix filters on the policy's path (`/job-function/`), not the user's.
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedUserPolicies.html
    ListAttachedUserPolicies: (p) => {
      const user = this.#user(required(p, "UserName"));
      const prefix = optional(p, "PathPrefix") ?? "/";
      const attached = attachedPolicyList(user).filter((a) => policyPath(a.PolicyArn).startsWith(prefix));
      const { items, ...rest } = page(attached, p);
      return { AttachedPolicies: items, ...rest };
    },
    ListRoles: (p) => {
      const prefix = optional(p, "PathPrefix") ?? "/";
      const roles = [...this.state.roles.values()].filter((r) => r.path.startsWith(prefix));
      const { items, ...rest } = page(roles, p);
      return { Roles: items.map((r) => roleShape(r, false)), ...rest };
    },
    GetRole: (p) => ({ Role: roleShape(this.#role(required(p, "RoleName")), true) }),
    PutRolePolicy: (p) => {
      const role = this.#role(required(p, "RoleName"));
      return putInlinePolicy(role, "role", role.roleName, p);
    },
    GetRolePolicy: (p) => {
      const role = this.#role(required(p, "RoleName"));
      return { RoleName: role.roleName, ...getInlinePolicy(role, "role", p) };
    },
    ListRolePolicies: (p) => listInlinePolicies(this.#role(required(p, "RoleName")), p),
    ListRoleTags: (p) => {
      const role = this.#role(required(p, "RoleName"));
      const { items, ...rest } = page(tagList(role.tags), p);
      return { Tags: items, ...rest };
    },
    // One page holds up to MaxItems entities of every requested type, users first, then
    // roles; the Marker walks that sequence. The sandbox has no groups and does not list
    // managed policy details (`Policies`): attached AWS managed policies show only on users.
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
    GetAccountAuthorizationDetails: (p) => {
      const filter = authorizationDetailFilter(p);
      const entities: Array<{ user: IamUser } | { role: IamRole }> = [
        ...(filter.has("User") ? [...this.state.users.values()].map((user) => ({ user })) : []),
        ...(filter.has("Role") ? [...this.state.roles.values()].map((role) => ({ role })) : []),
      ];
      const { items, ...rest } = page(entities, p);
      return {
        UserDetailList: items.flatMap((e) => ("user" in e ? [userDetail(e.user)] : [])),
        GroupDetailList: [],
        RoleDetailList: items.flatMap((e) => ("role" in e ? [roleDetail(e.role)] : [])),
        Policies: [],
        ...rest,
      };
    },
    GenerateCredentialReport: () => {
      const report = this.state.credentialReport;
      const now = this.clock.now();
      if (report && Date.now() < report.readyAtWallMs) {
        return { State: "INPROGRESS", Description: "Report generation in progress." };
      }
      if (report && now.getTime() - report.generatedAt.getTime() < CREDENTIAL_REPORT_TTL_MS) {
        return { State: "COMPLETE" };
      }
      // The report is a snapshot taken when generation starts, like AWS's; it only becomes
      // readable after the configured delay so callers must poll, as against AWS.
      this.state.credentialReport = {
        csv: buildCredentialReportCsv(this.state),
        generatedAt: now,
        readyAtWallMs: Date.now() + this.credentialReportDelayMs,
      };
      return {
        State: "STARTED",
        Description: "No report exists. Starting a new report generation task",
      };
    },
    GetCredentialReport: () => {
      const report = this.state.credentialReport;
      if (!report) {
        throw new SandboxServiceError(
          "ReportNotPresent",
          "Credential report does not exist. Use GenerateCredentialReport to generate a credential report.",
          410,
        );
      }
      if (Date.now() < report.readyAtWallMs) {
        throw new SandboxServiceError("ReportInProgress", "Credential report is being generated.", 404);
      }
      if (this.clock.now().getTime() - report.generatedAt.getTime() >= CREDENTIAL_REPORT_TTL_MS) {
        throw new SandboxServiceError(
          "ReportExpired",
          "Credential report is expired. Use GenerateCredentialReport to generate a new credential report.",
          410,
        );
      }
      return {
        Content: Buffer.from(report.csv, "utf8").toString("base64"),
        ReportFormat: "text/csv",
        GeneratedTime: report.generatedAt,
      };
    },
  };

  #loginProfileShape(user: IamUser): Record<string, unknown> {
    if (!user.loginProfile) {
      throw new SandboxServiceError(
        "NoSuchEntity",
        `Login Profile for User ${user.userName} cannot be found.`,
        404,
      );
    }
    return {
      UserName: user.userName,
      CreateDate: user.loginProfile.createdAt,
      PasswordResetRequired: user.loginProfile.passwordResetRequired,
    };
  }
}

/** An `AttachedPolicy` list, in attachment order. */
function attachedPolicyList(user: IamUser): { PolicyName: string; PolicyArn: string }[] {
  return [...user.attachedPolicies].map(([PolicyArn, PolicyName]) => ({ PolicyName, PolicyArn }));
}

/** `PolicyArn`, refused as IAM does (`InvalidInput`) unless it has the shape of a policy ARN. */
function policyArn(p: Params): string {
  const arn = required(p, "PolicyArn");
  if (!/^arn:aws:iam::(aws|\d{12}):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]+$/.test(arn)) {
    throw new SandboxServiceError("InvalidInput", `ARN ${arn} is not valid.`, 400);
  }
  return arn;
}

/** The path of a well-formed policy ARN: `arn:aws:iam::aws:policy/job-function/X` → `/job-function/`. */
function policyPath(arn: string): string {
  const resource = arn.slice(arn.indexOf(":policy/") + ":policy".length);
  return resource.slice(0, resource.lastIndexOf("/") + 1);
}

/** Inline policies work the same for users and roles: one owner, a name, a document. */
interface PolicyOwner {
  readonly inlinePolicies: Map<string, string>;
}

/** A document's size as IAM counts it against the quota: characters other than whitespace. */
function policySize(doc: string): number {
  return [...doc.replace(/\s/gu, "")].length;
}

/**
 * Stores the policy unless the owner's inline policies would then exceed IAM's aggregate
 * quota; a policy replaced under the same name counts with its new document only.
 */
function putInlinePolicy(owner: PolicyOwner, kind: "user" | "role", ownerName: string, p: Params): undefined {
  const name = required(p, "PolicyName");
  const doc = required(p, "PolicyDocument");
  let total = policySize(doc);
  for (const [other, otherDoc] of owner.inlinePolicies) if (other !== name) total += policySize(otherDoc);
  const quota = INLINE_POLICY_SIZE_QUOTA[kind];
  if (total > quota) {
    throw new SandboxServiceError(
      "LimitExceeded",
      `Maximum policy size of ${quota} bytes exceeded for ${kind} ${ownerName}`,
      409,
    );
  }
  owner.inlinePolicies.set(name, doc);
  return undefined;
}

function noSuchPolicy(kind: "user" | "role", name: string): SandboxServiceError {
  return new SandboxServiceError(
    "NoSuchEntity",
    `The ${kind} policy with name ${name} cannot be found.`,
    404,
  );
}

/** The document comes back URL-encoded (RFC 3986), as AWS returns it. */
function getInlinePolicy(owner: PolicyOwner, kind: "user" | "role", p: Params) {
  const name = required(p, "PolicyName");
  const doc = owner.inlinePolicies.get(name);
  if (doc === undefined) throw noSuchPolicy(kind, name);
  return { PolicyName: name, PolicyDocument: encodeURIComponent(doc) };
}

function listInlinePolicies(owner: PolicyOwner, p: Params) {
  const { items, ...rest } = page([...owner.inlinePolicies.keys()], p);
  return { PolicyNames: items, ...rest };
}

function deleteInlinePolicy(owner: PolicyOwner, kind: "user" | "role", p: Params): undefined {
  const name = required(p, "PolicyName");
  if (!owner.inlinePolicies.delete(name)) throw noSuchPolicy(kind, name);
  return undefined;
}
