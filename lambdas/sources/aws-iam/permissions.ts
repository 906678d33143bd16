/**
 * The permissions the `aws-iam` source needs, declared once. The CDK construct writes its
 * IAM statements from `awsIamPolicyStatements`; `awsIamPermissions` is the flat list the
 * `SourcePermissions` port asks for.
 *
 * Which actions can be scoped to a resource, and to which resource type, comes from the
 * Service Authorization Reference:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
 */
import type { SourcePermissions } from "../../core/ports/credential-source.ts";

/** What an action may be granted on. `{partition}` and `{account}` are filled in by `renderAwsIamPolicyStatements`. */
export type ResourceScope = "*" | "user" | "role";

/** One statement the construct grants, before partition and account are known. */
export interface AwsIamPolicyStatementSpec {
  /** Statement id, unique within the source. */
  readonly sid: string;
  /** `read` statements are granted in report mode; `write` only in enforce mode. */
  readonly access: "read" | "write";
  readonly actions: readonly string[];
  /** `*` for actions IAM does not scope to a resource; otherwise the resource type. */
  readonly scope: ResourceScope;
  /** Why the statement exists, for the construct's documentation and cdk-nag reasons. */
  readonly why: string;
  /**
   * The one AWS managed policy (by name) the statement's attach action may attach: rendered as
   * an `ArnEquals` condition on `iam:PolicyARN`.
   */
  readonly policyArn?: "AWSDenyAll";
}

/** Every statement the `aws-iam` source needs. */
export const awsIamPolicyStatements: readonly AwsIamPolicyStatementSpec[] = [
  {
    sid: "AwsIamReadAccount",
    access: "read",
    actions: [
      "iam:GenerateCredentialReport",
      "iam:GetCredentialReport",
      "iam:GetAccountAuthorizationDetails",
      "cloudtrail:LookupEvents",
      "sts:GetCallerIdentity",
    ],
    scope: "*",
    why: "Account-wide reads (credential report, users' and roles' authorization details with their tags, CloudTrail event history) support no resource-level scoping.",
  },
  {
    sid: "AwsIamReadUsers",
    access: "read",
    actions: [
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
    ],
    scope: "user",
    why: "Fresh, targeted reads of the users matched to departed people, and read-back of their session-revocation policy (or of AWSDenyAll, its fallback).",
  },
  {
    sid: "AwsIamReadRoles",
    access: "read",
    actions: ["iam:GetRolePolicy"],
    scope: "role",
    why: "Read the session-revocation policy of the roles a departed person could assume, before and after writing it.",
  },
  {
    sid: "AwsIamRevokeUserCredentials",
    access: "write",
    actions: [
      "iam:UpdateAccessKey",
      "iam:DeleteAccessKey",
      "iam:DeleteLoginProfile",
      "iam:UpdateSSHPublicKey",
      "iam:UpdateServiceSpecificCredential",
      "iam:UpdateSigningCertificate",
      "iam:PutUserPolicy",
    ],
    scope: "user",
    why: "Deactivate one credential at a time, delete quarantined keys, and revoke a user's sessions.",
  },
  {
    sid: "AwsIamDenyAllFallback",
    access: "write",
    actions: ["iam:AttachUserPolicy"],
    scope: "user",
    policyArn: "AWSDenyAll",
    why: "Attach AWSDenyAll, and no other policy, to a departed person's user whose inline policies leave no room for the session-revocation policy (denyAllWhenPolicyQuotaFull).",
  },
  {
    sid: "AwsIamRevokeRoleSessions",
    access: "write",
    actions: ["iam:PutRolePolicy"],
    scope: "role",
    why: "Revoke sessions a departed person obtained by assuming a role.",
  },
];

/** The flat read/write action lists of the `SourcePermissions` port. */
export const awsIamPermissions: SourcePermissions = {
  read: awsIamPolicyStatements.filter((s) => s.access === "read").flatMap((s) => s.actions),
  write: awsIamPolicyStatements.filter((s) => s.access === "write").flatMap((s) => s.actions),
};

/** A rendered IAM policy statement. */
export interface RenderedStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: { readonly ArnEquals: { readonly "iam:PolicyARN": string } };
}

/**
 * Renders the statements for one account. `partition` and `accountId` may be CDK tokens
 * (`Stack.of(this).partition`); `access` picks read only (report mode) or both.
 */
export function renderAwsIamPolicyStatements(options: {
  readonly partition: string;
  readonly accountId: string;
  readonly access: "read" | "read-write";
}): RenderedStatement[] {
  const { partition, accountId } = options;
  const resource: Record<ResourceScope, string> = {
    "*": "*",
    user: `arn:${partition}:iam::${accountId}:user/*`,
    role: `arn:${partition}:iam::${accountId}:role/*`,
  };
  return awsIamPolicyStatements
    .filter((s) => options.access === "read-write" || s.access === "read")
    .map((s) => ({
      Sid: s.sid,
      Effect: "Allow",
      Action: [...s.actions],
      Resource: [resource[s.scope]],
      ...(s.policyArn
        ? { Condition: { ArnEquals: { "iam:PolicyARN": `arn:${partition}:iam::aws:policy/${s.policyArn}` } } }
        : {}),
    }));
}
