import type { SandboxClock } from "../clock.ts";
import { IdGenerator } from "../ids.ts";
import type { Scenario, ScenarioAccessKey } from "../scenario.ts";
import { toDate } from "../scenario.ts";

/** Active or inactive, as IAM spells it. */
export type CredentialStatus = "Active" | "Inactive";

/** An IAM access key, of a user or of the root account. */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The owning user's name; `undefined` for root keys. */
  readonly userName: string | undefined;
  status: CredentialStatus;
  readonly createdAt: Date;
  lastUsedAt?: Date;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

/** A console password. IAM stores its last use on the user (`PasswordLastUsed`). */
export interface LoginProfile {
  createdAt: Date;
  passwordResetRequired: boolean;
}

/** A generic secondary credential: SSH key, service-specific credential or signing certificate. */
export interface SecondaryCredential {
  readonly id: string;
  status: CredentialStatus;
  readonly createdAt: Date;
  readonly body: string;
  /** Only for service-specific credentials. */
  readonly serviceName?: string;
  readonly serviceUserName?: string;
}

/** An MFA device enabled for a user. */
export interface MfaDevice {
  readonly serialNumber: string;
  readonly enabledAt: Date;
}

/** An IAM user and everything attached to it. */
export interface IamUser {
  readonly userName: string;
  readonly userId: string;
  readonly arn: string;
  readonly path: string;
  readonly createdAt: Date;
  readonly tags: Map<string, string>;
  loginProfile?: LoginProfile;
  passwordLastUsed?: Date;
  readonly mfaDevices: MfaDevice[];
  readonly accessKeys: AccessKey[];
  readonly sshKeys: SecondaryCredential[];
  readonly serviceSpecificCredentials: SecondaryCredential[];
  readonly signingCertificates: SecondaryCredential[];
  readonly inlinePolicies: Map<string, string>;
  /** Attached AWS managed policies, ARN to policy name, in the order they were attached. */
  readonly attachedPolicies: Map<string, string>;
}

/** An IAM role. */
export interface IamRole {
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  readonly path: string;
  readonly createdAt: Date;
  readonly tags: Map<string, string>;
  readonly assumeRolePolicy: string;
  readonly inlinePolicies: Map<string, string>;
  lastUsedAt?: Date;
  lastUsedRegion?: string;
}

/** An AWS managed policy: owned by AWS (`arn:aws:iam::aws:policy/...`), attachable in every account. */
export interface ManagedPolicy {
  readonly policyName: string;
  readonly arn: string;
  readonly path: string;
  /**
   * The default version's document, kept only where it is short; nothing serves documents
   * yet (no GetPolicy / GetPolicyVersion).
   */
  readonly document?: string;
}

function awsManagedPolicy(path: string, policyName: string, document?: string): ManagedPolicy {
  return {
    policyName,
    arn: `arn:aws:iam::aws:policy${path}${policyName}`,
    path,
    ...(document === undefined ? {} : { document }),
  };
}

/**
 * The AWS managed policies the sandbox knows, by ARN: attaching any other policy fails with
 * `NoSuchEntity`, as attaching a policy that does not exist does in AWS. Eleven or more, so
 * that tests can reach the ten-policies-per-user quota through the API.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html
 */
export const AWS_MANAGED_POLICIES: ReadonlyMap<string, ManagedPolicy> = new Map(
  [
    awsManagedPolicy(
      "/",
      "AWSDenyAll",
      '{"Version":"2012-10-17","Statement":[{"Sid":"DenyAll","Effect":"Deny","Action":["*"],"Resource":"*"}]}',
    ),
    awsManagedPolicy(
      "/",
      "AdministratorAccess",
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    ),
    awsManagedPolicy("/", "ReadOnlyAccess"),
    awsManagedPolicy("/", "PowerUserAccess"),
    awsManagedPolicy("/", "SecurityAudit"),
    awsManagedPolicy("/", "IAMFullAccess"),
    awsManagedPolicy("/", "IAMReadOnlyAccess"),
    awsManagedPolicy("/", "IAMUserChangePassword"),
    awsManagedPolicy("/", "AmazonS3FullAccess"),
    awsManagedPolicy("/", "AmazonS3ReadOnlyAccess"),
    awsManagedPolicy("/", "AmazonEC2ReadOnlyAccess"),
    awsManagedPolicy("/", "AWSCloudTrail_ReadOnlyAccess"),
    awsManagedPolicy("/job-function/", "ViewOnlyAccess"),
    awsManagedPolicy("/job-function/", "Billing"),
  ].map((p) => [p.arn, p]),
);

/** A generated credential report, built when generation starts and served once it is ready. */
export interface CredentialReport {
  readonly csv: string;
  readonly generatedAt: Date;
  /** Wall-clock ms when the report becomes readable (generation takes `credentialReportDelayMs`). */
  readonly readyAtWallMs: number;
}

/**
 * The in-memory IAM account. Indexed by user name and by access key id so that accounts
 * of tens of thousands of users seed and answer quickly. Tests may read it directly.
 */
export class IamState {
  accountId = "123456789012";
  accountCreatedAt: Date;
  readonly users = new Map<string, IamUser>();
  readonly roles = new Map<string, IamRole>();
  readonly accessKeys = new Map<string, AccessKey>();
  readonly rootAccessKeys: AccessKey[] = [];
  /** Keys deleted through the API: requests still signed with them are refused, as by AWS. */
  readonly deletedAccessKeyIds = new Set<string>();
  readonly ids = new IdGenerator();
  credentialReport: CredentialReport | undefined;

  constructor(private readonly clock: SandboxClock) {
    this.accountCreatedAt = clock.now();
  }

  /** Forgets everything (the account id is kept). */
  reset(): void {
    this.users.clear();
    this.roles.clear();
    this.accessKeys.clear();
    this.rootAccessKeys.length = 0;
    this.deletedAccessKeyIds.clear();
    this.ids.reset();
    this.credentialReport = undefined;
    this.accountCreatedAt = this.clock.now();
  }

  /** The ARN of an IAM entity in this account. */
  arn(kind: "user" | "role" | "mfa", path: string, name: string): string {
    return `arn:aws:iam::${this.accountId}:${kind}${path}${name}`;
  }

  /** Creates a user; the caller checks for duplicates. */
  createUser(
    userName: string,
    path: string,
    createdAt: Date,
    tags: Iterable<[string, string]> = [],
  ): IamUser {
    const user: IamUser = {
      userName,
      userId: this.ids.next("AIDA", 17),
      arn: this.arn("user", path, userName),
      path,
      createdAt,
      tags: new Map(tags),
      mfaDevices: [],
      accessKeys: [],
      sshKeys: [],
      serviceSpecificCredentials: [],
      signingCertificates: [],
      inlinePolicies: new Map(),
      attachedPolicies: new Map(),
    };
    this.users.set(userName, user);
    return user;
  }

  /** Creates an access key (for a user, or for root when `user` is undefined). */
  addAccessKey(user: IamUser | undefined, spec: ScenarioAccessKey, fallbackCreatedAt: Date): AccessKey {
    let accessKeyId = spec.id;
    while (accessKeyId === undefined || (spec.id === undefined && this.accessKeys.has(accessKeyId))) {
      accessKeyId = this.ids.next("AKIA", 16);
    }
    const key: AccessKey = {
      accessKeyId,
      secretAccessKey: spec.secret ?? this.ids.secret(40),
      userName: user?.userName,
      status: spec.status ?? "Active",
      createdAt: toDate(spec.createdAt, fallbackCreatedAt),
    };
    if (spec.lastUsedAt !== undefined) {
      key.lastUsedAt = toDate(spec.lastUsedAt, fallbackCreatedAt);
      key.lastUsedService = spec.lastUsedService ?? "iam";
      key.lastUsedRegion = spec.lastUsedRegion ?? "us-east-1";
    }
    this.accessKeys.set(accessKeyId, key);
    if (user) user.accessKeys.push(key);
    else this.rootAccessKeys.push(key);
    return key;
  }

  /** Creates a role; the caller checks for duplicates. */
  createRole(
    roleName: string,
    path: string,
    createdAt: Date,
    assumeRolePolicy: string,
    tags: Iterable<[string, string]> = [],
  ): IamRole {
    const role: IamRole = {
      roleName,
      roleId: this.ids.next("AROA", 17),
      arn: this.arn("role", path, roleName),
      path,
      createdAt,
      tags: new Map(tags),
      assumeRolePolicy,
      inlinePolicies: new Map(),
    };
    this.roles.set(roleName, role);
    return role;
  }

  /** Loads the IAM part of a validated scenario into an empty state. */
  load(scenario: Scenario): void {
    const now = this.clock.now();
    const iam = scenario.iam;
    if (!iam) return;
    this.accountCreatedAt = toDate(iam.accountCreatedAt, now);
    for (const spec of iam.users ?? []) {
      if (this.users.has(spec.userName)) throw new Error(`iam.users: duplicate userName ${spec.userName}`);
      const createdAt = toDate(spec.createdAt, now);
      const user = this.createUser(
        spec.userName,
        spec.path ?? "/",
        createdAt,
        Object.entries(spec.tags ?? {}),
      );
      if (spec.password) {
        user.loginProfile = {
          createdAt: toDate(spec.password.createdAt, createdAt),
          passwordResetRequired: false,
        };
        if (spec.password.lastUsedAt !== undefined)
          user.passwordLastUsed = toDate(spec.password.lastUsedAt, now);
      }
      if (spec.mfa) {
        user.mfaDevices.push({ serialNumber: this.arn("mfa", "/", spec.userName), enabledAt: createdAt });
      }
      for (const k of spec.accessKeys ?? []) {
        if (k.id !== undefined && this.accessKeys.has(k.id))
          throw new Error(`iam: duplicate access key ${k.id}`);
        this.addAccessKey(user, k, createdAt);
      }
      for (const s of spec.sshKeys ?? []) {
        user.sshKeys.push({
          id: s.id ?? this.ids.next("APKA", 16),
          status: s.status ?? "Active",
          createdAt: toDate(s.uploadedAt, createdAt),
          body: s.body ?? `ssh-rsa AAAAB3NzaC1yc2E${this.ids.secret(32)} ${spec.userName}`,
        });
      }
      for (const c of spec.serviceSpecificCredentials ?? []) {
        user.serviceSpecificCredentials.push({
          id: c.id ?? this.ids.next("ACCA", 17),
          status: c.status ?? "Active",
          createdAt: toDate(c.createdAt, createdAt),
          body: this.ids.secret(44),
          serviceName: c.serviceName,
          serviceUserName: `${spec.userName}-at-${this.accountId}`,
        });
      }
      for (const c of spec.signingCertificates ?? []) {
        user.signingCertificates.push({
          id: c.id ?? this.ids.next("", 32),
          status: c.status ?? "Active",
          createdAt: toDate(c.uploadedAt, createdAt),
          body: c.body ?? `-----BEGIN CERTIFICATE-----\n${this.ids.secret(64)}\n-----END CERTIFICATE-----`,
        });
      }
      // Seeding skips IAM's inline policy size quota on purpose: tests seed users at the limit.
      for (const [name, doc] of Object.entries(spec.inlinePolicies ?? {})) {
        user.inlinePolicies.set(name, typeof doc === "string" ? doc : JSON.stringify(doc));
      }
      for (const arn of spec.attachedPolicies ?? []) {
        const policy = AWS_MANAGED_POLICIES.get(arn);
        if (!policy) {
          throw new Error(
            `iam.users: user ${spec.userName}: attachedPolicies: ${arn} is not an AWS managed policy the sandbox knows (see AWS_MANAGED_POLICIES in sandbox/iam/state.ts)`,
          );
        }
        if (user.attachedPolicies.has(arn))
          throw new Error(`iam.users: user ${spec.userName}: attachedPolicies: duplicate ${arn}`);
        user.attachedPolicies.set(arn, policy.policyName);
      }
    }
    for (const k of iam.rootAccessKeys ?? []) this.addAccessKey(undefined, k, this.accountCreatedAt);
    for (const spec of iam.roles ?? []) {
      if (this.roles.has(spec.roleName)) throw new Error(`iam.roles: duplicate roleName ${spec.roleName}`);
      const trust =
        spec.assumeRolePolicy === undefined
          ? defaultTrustPolicy(this.accountId)
          : typeof spec.assumeRolePolicy === "string"
            ? spec.assumeRolePolicy
            : JSON.stringify(spec.assumeRolePolicy);
      const role = this.createRole(
        spec.roleName,
        spec.path ?? "/",
        toDate(spec.createdAt, now),
        trust,
        Object.entries(spec.tags ?? {}),
      );
      // As for users, the inline policy size quota is not enforced here.
      for (const [name, doc] of Object.entries(spec.inlinePolicies ?? {})) {
        role.inlinePolicies.set(name, typeof doc === "string" ? doc : JSON.stringify(doc));
      }
    }
  }
}

/** A trust policy that lets principals of the account itself assume the role. */
export function defaultTrustPolicy(accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "sts:AssumeRole" },
    ],
  });
}
