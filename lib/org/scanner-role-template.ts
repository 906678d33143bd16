/**
 * The member-account scanner role as a CloudFormation template, rendered directly from the
 * same action lists as the per-account scanner (`lib/permissions.ts`). Rendering the JSON
 * (rather than synthesising a second CDK app) keeps the org stack synthesisable offline in
 * one pass, with no nested assembly and no asset: the StackSet gets a plain `TemplateBody`.
 */
import { Stack } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import { type Config, ConfigError } from "../../lambdas/config.ts";
import { memberCognitoPoolArns } from "../../lambdas/sources/aws-cognito/permissions.ts";
import type { ScannerMode } from "../permissions.ts";
import {
  protectedPrincipalsStatement,
  scannerAllowStatements,
  selfProtectionStatement,
} from "../permissions.ts";

/** The template's parameter carrying the security account's org-scan role ARN. */
export const SCANNER_PRINCIPAL_PARAMETER = "ScannerPrincipalArn";

/**
 * The template's parameter carrying the region member scans import Security Hub findings in
 * (the org stack's, where the org account scan runs), when Security Hub is on.
 */
export const SECURITY_HUB_REGION_PARAMETER = "SecurityHubRegion";

/** What the member role template is rendered for. */
export interface ScannerRoleTemplateOptions {
  /** The role's name, the same in every member account. */
  readonly roleName: string;
  /** The organization id (`o-...`): only principals of this organization may assume the role. */
  readonly organizationId: string;
  /** report: read actions only; enforce: read and revoke. */
  readonly mode: ScannerMode;
  /** Roles whose sessions may be revoked (by ARN; ARNs of other accounts never match). */
  readonly sessionRevocationRoleArns: readonly string[];
  /**
   * The config's Cognito section: its pools with an `account` (member accounts' pools) get the
   * Cognito statements, each pool in its own account. Pools without one are the security
   * account's, never the member role's.
   * @default - no Cognito statement
   */
  readonly cognito?: Config["sources"]["aws-cognito"];
  /**
   * Tag key marking roles whose sessions may be revoked.
   * @default - none
   */
  readonly sessionRevocationRoleTagKey?: string;
  /**
   * An external id the org scan must present.
   * @default - none (the trust is already pinned to one role ARN and the organization)
   */
  readonly externalId?: string;
  /**
   * The config's `protectedPrincipals`: the role is denied every revocation action on the users
   * and roles they name (patterns IAM cannot express stay the application's alone).
   * @default []
   */
  readonly protectedPrincipals?: readonly string[];
  /**
   * Grant `securityhub:BatchImportFindings` on the member account's default product, in the
   * region the `SecurityHubRegion` parameter names: member scans import their findings there.
   * @default false
   */
  readonly securityHub?: boolean;
}

/** Placeholders rendered into `Fn::Sub` strings. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not JS.
const PARTITION = "${AWS::Partition}";
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not JS.
const ACCOUNT = "${AWS::AccountId}";

/** The member-account template (an object; `JSON.stringify` it for a `TemplateBody`). */
export function scannerRoleTemplate(options: ScannerRoleTemplateOptions): Record<string, unknown> {
  const allow = scannerAllowStatements({
    partition: PARTITION,
    accountId: ACCOUNT,
    mode: options.mode,
    awsIam: true,
    // Only pools configured with a member `account`: a member scan covers those of its own
    // account (memberAccountConfig in lambdas/handlers/org-account-scan.ts); the other pools
    // are the security account's own scan's.
    cognitoUserPoolArns: options.cognito?.enabled ? memberCognitoPoolArns(options.cognito, PARTITION) : [],
    sessionRevocationRoleArns: options.sessionRevocationRoleArns,
    ...(options.sessionRevocationRoleTagKey
      ? { sessionRevocationRoleTagKey: options.sessionRevocationRoleTagKey }
      : {}),
  });
  const selfArn = `arn:${PARTITION}:iam::${ACCOUNT}:role/${options.roleName}`;
  const guard = protectedPrincipalsStatement(options.protectedPrincipals ?? [], {
    partition: PARTITION,
    accountId: ACCOUNT,
  });
  const statements = [
    ...allow.map(renderStatement),
    ...(options.securityHub
      ? [
          {
            Sid: "SecurityHubImport",
            Effect: "Allow",
            Action: "securityhub:BatchImportFindings",
            // The member account's own default product: the only one that takes its findings.
            Resource: {
              "Fn::Sub": `arn:${PARTITION}:securityhub:\${${SECURITY_HUB_REGION_PARAMETER}}:${ACCOUNT}:product/${ACCOUNT}/default`,
            },
          },
        ]
      : []),
    ...[selfProtectionStatement(selfArn), ...(guard ? [guard] : [])].map(renderStatement),
  ];
  checkPolicySize(statements);
  const trustConditions: Record<string, Record<string, string>> = {
    StringEquals: {
      "aws:PrincipalOrgID": options.organizationId,
      ...(options.externalId ? { "sts:ExternalId": options.externalId } : {}),
    },
  };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `iam-hygiene member-account scanner role (${options.mode} mode), delivered by a StackSet`,
    Parameters: {
      [SCANNER_PRINCIPAL_PARAMETER]: {
        Type: "String",
        Description: "ARN of the org account scan function's role in the security account",
        AllowedPattern: "^arn:aws[a-z-]*:iam::\\d{12}:role/.+$",
      },
      ...(options.securityHub
        ? {
            [SECURITY_HUB_REGION_PARAMETER]: {
              Type: "String",
              Description: "Region the org account scan imports Security Hub findings in",
              AllowedPattern: "^[a-z]{2}(-[a-z]+)+-\\d$",
            },
          }
        : {}),
    },
    Resources: {
      ScannerRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: options.roleName,
          Description:
            "Assumed by iam-hygiene's org account scan; least privilege from the declared action lists",
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: { Ref: SCANNER_PRINCIPAL_PARAMETER } },
                Action: "sts:AssumeRole",
                Condition: trustConditions,
              },
            ],
          },
          Policies: [
            {
              PolicyName: "iam-hygiene-scanner",
              PolicyDocument: { Version: "2012-10-17", Statement: statements },
            },
          ],
          Tags: [{ Key: "iam-hygiene", Value: "scanner-role" }],
        },
      },
    },
    Outputs: {
      ScannerRoleArn: { Value: { "Fn::GetAtt": ["ScannerRole", "Arn"] } },
    },
  };
}

/** IAM's quota on the inline policies of one role, in characters, white space not counted. */
export const ROLE_INLINE_POLICY_QUOTA = 10_240;

/**
 * Refuses a member role whose policy IAM would refuse: every member account's role carries the
 * statements for every configured member pool, so enough of them would fail the StackSet in
 * every account. Measured as deployed, placeholders at their longest values.
 */
function checkPolicySize(statements: readonly Record<string, unknown>[]): void {
  const rendered = JSON.stringify(
    { Version: "2012-10-17", Statement: statements },
    (_key, value: unknown) => {
      if (value !== null && typeof value === "object" && "Fn::Sub" in value) {
        const template = (value as { "Fn::Sub": unknown })["Fn::Sub"];
        if (typeof template === "string")
          return template
            .replaceAll(PARTITION, "aws-us-gov")
            .replaceAll(ACCOUNT, "123456789012")
            .replace(/\$\{[^}]+\}/g, "ap-southeast-5");
      }
      return value;
    },
  );
  if (rendered.length <= ROLE_INLINE_POLICY_QUOTA) return;
  throw new ConfigError(
    [
      {
        path: "sources.aws-cognito.pools",
        message: `the member role's policy would be about ${rendered.length} characters, over IAM's ${ROLE_INLINE_POLICY_QUOTA} for a role, and the StackSet would fail in every account: every member account's role names every pool with an account. Scan some of those pools with an IamHygieneStack in their own account instead`,
      },
    ],
    "IamHygieneOrgStack config",
  );
}

/**
 * A statement as template JSON, every string with a placeholder (ARNs in `Resource`, and in
 * `Condition` values such as `iam:PolicyARN`) turned into `Fn::Sub`.
 */
function renderStatement(statement: iam.PolicyStatement): Record<string, unknown> {
  // A throwaway stack resolves the statement's own structure; it holds no tokens.
  const json = new Stack().resolve(statement.toStatementJson()) as Record<string, unknown>;
  const sub = (value: unknown): unknown => {
    if (typeof value === "string") return value.includes("${AWS::") ? { "Fn::Sub": value } : value;
    if (Array.isArray(value)) return value.map(sub);
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, sub(inner)]));
    return value;
  };
  return {
    ...json,
    Resource: sub(json.Resource),
    ...(json.Condition !== undefined ? { Condition: sub(json.Condition) } : {}),
  };
}
