/**
 * The IAM statements of the scanner, written from the action lists each source declares
 * (`lambdas/sources/<source>/permissions.ts`), never by hand-copying action names. The
 * security-account stack, the member-account role template and docs/deploy.md all render
 * from here, so a new action reaches every place at once.
 */
import * as iam from "aws-cdk-lib/aws-iam";
import type { Config } from "../lambdas/config.ts";
import { awsCognitoPermissions } from "../lambdas/sources/aws-cognito/permissions.ts";
import {
  type AwsIamPolicyStatementSpec,
  awsIamPolicyStatements,
  renderAwsIamPolicyStatements,
} from "../lambdas/sources/aws-iam/permissions.ts";
import { type ProtectedPrincipalTarget, protectedPrincipalResources } from "./protected-principals.ts";

/** The scanner's mode: report grants reads only; enforce adds the revocation actions. */
export type ScannerMode = Config["mode"];

/**
 * Every action granted on `Resource: "*"`, with the reason. Nothing else may be: the infra
 * tests fail on any other `*` resource. IAM's own are taken from `awsIamPolicyStatements`.
 */
export const WILDCARD_RESOURCE_ACTIONS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    awsIamPolicyStatements.filter((s) => s.scope === "*").flatMap((s) => s.actions.map((a) => [a, s.why])),
  ),
  "xray:PutTraceSegments": "X-Ray tracing (Tracing.ACTIVE): trace segments have no resource to scope to.",
  "xray:PutTelemetryRecords": "X-Ray tracing (Tracing.ACTIVE): telemetry has no resource to scope to.",
};

/** Actions on the scanner's own role that are always denied, whatever else allows them. */
export const SELF_PROTECTION_DENIED_ACTIONS: readonly string[] = [
  ...new Set([
    ...awsIamPolicyStatements.filter((s) => s.access === "write").flatMap((s) => s.actions),
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
  ]),
].sort();

/**
 * Actions denied on the users and roles `protectedPrincipals` names: every IAM action the
 * revokers use. (Cognito's revocations take the user pool as their resource, not the user, so
 * a Cognito user cannot be singled out in IAM; the application alone protects it.)
 */
export const PROTECTED_PRINCIPAL_DENIED_ACTIONS: readonly string[] = [
  ...new Set(awsIamPolicyStatements.filter((s) => s.access === "write").flatMap((s) => s.actions)),
].sort();

/** What the scanner's statements are rendered for. */
export interface ScannerPermissionOptions {
  /** `Stack.of(this).partition` (a token) or a literal partition. */
  readonly partition: string;
  /** The scanned account (a token or a literal). */
  readonly accountId: string;
  /** report: read actions only. enforce: read and revoke. */
  readonly mode: ScannerMode;
  /** Whether the `aws-iam` source is enabled. */
  readonly awsIam: boolean;
  /** User pools the Cognito statements are scoped to; empty: no Cognito statement. */
  readonly cognitoUserPoolArns: readonly string[];
  /** Roles whose sessions may be revoked (iam:PutRolePolicy), listed by ARN. */
  readonly sessionRevocationRoleArns: readonly string[];
  /**
   * Roles carrying this tag key may also have their sessions revoked.
   * @default - none: only the listed ARNs
   */
  readonly sessionRevocationRoleTagKey?: string;
}

const ROLE_SESSIONS_SID = "AwsIamRevokeRoleSessions";

/**
 * The Allow statements of the scanner for one account. `iam:PutRolePolicy` is narrowed from
 * `role/*` to the session-revocation roles (listed, or tagged); with neither, it is omitted.
 */
export function scannerAllowStatements(options: ScannerPermissionOptions): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  if (options.awsIam) {
    const rendered = renderAwsIamPolicyStatements({
      partition: options.partition,
      accountId: options.accountId,
      access: options.mode === "enforce" ? "read-write" : "read",
    });
    for (const s of rendered) {
      if (s.Sid === ROLE_SESSIONS_SID) {
        statements.push(...roleSessionStatements(options, s.Action));
        continue;
      }
      statements.push(
        new iam.PolicyStatement({
          sid: s.Sid,
          actions: s.Action,
          resources: s.Resource,
          ...(s.Condition ? { conditions: s.Condition } : {}),
        }),
      );
    }
  }
  if (options.cognitoUserPoolArns.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: "AwsCognitoRead",
        actions: [...awsCognitoPermissions.read],
        resources: [...options.cognitoUserPoolArns],
      }),
    );
    if (options.mode === "enforce") {
      statements.push(
        new iam.PolicyStatement({
          sid: "AwsCognitoRevoke",
          actions: [...awsCognitoPermissions.write],
          resources: [...options.cognitoUserPoolArns],
        }),
      );
    }
  }
  return statements;
}

function roleSessionStatements(options: ScannerPermissionOptions, actions: string[]): iam.PolicyStatement[] {
  const out: iam.PolicyStatement[] = [];
  if (options.sessionRevocationRoleArns.length > 0) {
    out.push(
      new iam.PolicyStatement({
        sid: ROLE_SESSIONS_SID,
        actions,
        resources: [...new Set(options.sessionRevocationRoleArns)],
      }),
    );
  }
  if (options.sessionRevocationRoleTagKey) {
    out.push(
      new iam.PolicyStatement({
        sid: `${ROLE_SESSIONS_SID}Tagged`,
        actions,
        resources: [`arn:${options.partition}:iam::${options.accountId}:role/*`],
        // Only roles that carry the tag: the scanner cannot write inline policies on any other role.
        conditions: { Null: { [`aws:ResourceTag/${options.sessionRevocationRoleTagKey}`]: "false" } },
      }),
    );
  }
  return out;
}

/** The explicit Deny that keeps the scanner from ever changing its own role (belt and braces with `protectedPrincipals`). */
export function selfProtectionStatement(roleArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "DenySelfModification",
    effect: iam.Effect.DENY,
    actions: [...SELF_PROTECTION_DENIED_ACTIONS],
    resources: [roleArn],
  });
}

/**
 * The explicit Deny that backs `protectedPrincipals` with IAM: the revocation actions, denied on
 * every user and role a name or ARN pattern matches (`protectedPrincipalResources` in
 * lib/protected-principals.ts says how, and what only the application can enforce). `undefined`
 * when no pattern can be expressed as a resource ARN.
 */
export function protectedPrincipalsStatement(
  patterns: readonly string[],
  target: ProtectedPrincipalTarget,
): iam.PolicyStatement | undefined {
  const { resources } = protectedPrincipalResources(patterns, target);
  if (resources.length === 0) return undefined;
  return new iam.PolicyStatement({
    sid: "DenyProtectedPrincipals",
    effect: iam.Effect.DENY,
    actions: [...PROTECTED_PRINCIPAL_DENIED_ACTIONS],
    resources,
  });
}

/** One row of the permissions table in docs/deploy.md. */
export interface PermissionRow {
  readonly statement: string;
  readonly mode: "report and enforce" | "enforce only";
  readonly actions: readonly string[];
  readonly resource: string;
  readonly why: string;
}

/** The scan function's permissions as documentation rows, generated from the same lists. */
export function scannerPermissionRows(): PermissionRow[] {
  const iamRows = awsIamPolicyStatements.map(
    (s: AwsIamPolicyStatementSpec): PermissionRow => ({
      statement: s.sid,
      mode: s.access === "read" ? "report and enforce" : "enforce only",
      actions: s.actions,
      resource:
        s.scope === "*"
          ? "`*`"
          : s.sid === ROLE_SESSIONS_SID
            ? "`sessionRevocationRoleArns`, and `role/*` tagged with `sessionRevocationRoleTag.key`"
            : `\`arn:<partition>:iam::<account>:${s.scope}/*\`${s.policyArn ? `, only with \`iam:PolicyARN\` = \`arn:<partition>:iam::aws:policy/${s.policyArn}\`` : ""}`,
      why: s.why,
    }),
  );
  return [
    ...iamRows,
    {
      statement: "AwsCognitoRead",
      mode: "report and enforce",
      actions: awsCognitoPermissions.read,
      resource: "the configured user pools (`cognitoUserPoolArns`)",
      why: "Discover users of departed people and their sessions and devices.",
    },
    {
      statement: "AwsCognitoRevoke",
      mode: "enforce only",
      actions: awsCognitoPermissions.write,
      resource: "the configured user pools (`cognitoUserPoolArns`)",
      why: "Sign out everywhere, disable the user, forget remembered devices.",
    },
    {
      statement: "DenySelfModification (Deny)",
      mode: "report and enforce",
      actions: SELF_PROTECTION_DENIED_ACTIONS,
      resource: "the scanner's own role",
      why: "The scanner can never change or weaken its own role.",
    },
    {
      statement: "DenyProtectedPrincipals (Deny)",
      mode: "report and enforce",
      actions: PROTECTED_PRINCIPAL_DENIED_ACTIONS,
      resource:
        "users and roles named by `protectedPrincipals` (`arn:<partition>:iam::<account>:*/<pattern>`, ARN patterns as given); only when a pattern can be expressed",
      why: "A protected principal stays untouched even if the application's own check failed.",
    },
  ];
}

/** The rows as a Markdown table (the block between the markers in docs/deploy.md). */
export function renderPermissionTable(rows: readonly PermissionRow[] = scannerPermissionRows()): string {
  const lines = ["| Statement | Granted in | Actions | Resource | Why |", "| --- | --- | --- | --- | --- |"];
  for (const r of rows) {
    const actions = r.actions.map((a) => `\`${a}\``).join(", ");
    lines.push(`| ${r.statement} | ${r.mode} | ${actions} | ${r.resource} | ${r.why} |`);
  }
  return lines.join("\n");
}
